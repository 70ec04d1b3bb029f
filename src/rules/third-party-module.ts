// third-party-module: proprietary, out-of-tree or unsigned modules (src/analysis/modules.ts: per-module flags,
// known out-of-tree families, the `Tainted:` letters with `[module]` tags, the module unloaded just before).
// ONE finding for the modules with code on the crash path (a vendor family such as zfs/spl/znvpair counts
// as one suspect), the first suspects; ONE low-severity finding for third-party modules merely loaded.

import type { Evidence, Frame } from '../model/types.js';
import { moduleHolding } from '../analysis/dump.js';
import { btFrameEvidence, derived, eventLine, findLine, refEvidence } from '../analysis/evidence.js';
import { crashPathModules, familyOf, type ThirdPartyModule } from '../analysis/modules.js';
import { taintMeaning } from '../model/taint.js';
import { finding, type Rule, type RuleContext } from './types.js';

const MAX_LISTED = 64;

function describeFlags(flags: string): string {
  const parts = [...new Set(flags.split(''))].map((c) => {
    const m = taintMeaning(c);
    return m ? `${c}: ${m}` : c;
  });
  return parts.join('; ');
}

const BASIS: Record<ThirdPartyModule['basis'], string> = {
  flags: 'its module flags',
  known: 'a module family built out of tree',
  taint: 'the kernel\'s taint flags with this module\'s code on the crash stack (no module list with flags in the report)',
  unloaded: 'the kernel is tainted by a module no longer loaded; this one was unloaded last',
};

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Evidence of one module: its entry in a module list, its RIP and frame lines, taint messages, `mod -t`. */
function evidenceOf(ctx: RuleContext, name: string, events: Set<number>): Evidence[] {
  const evidence: Evidence[] = [];
  const tag = `[${name}]`;
  const listRe = new RegExp(`(^|[\\s:])${escapeRe(name)}(\\(|\\s|$)`);
  let listed = false;
  for (const ev of ctx.draft.events.slice(0, 1000)) {
    if (!listed) {
      const i = findLine(ev, (l) => /^\s*Modules linked in:/.test(l) && listRe.test(l));
      if (i >= 0) { evidence.push(eventLine(ev, i)); listed = true; }
    }
    const onRip = ev.rip?.module === name;
    const frames = ev.frames.filter((f) => f.module === name);
    const wq = findLine(ev, (l) => /^\s*Workqueue: /.test(l) && l.includes(tag));
    if (onRip || frames.length > 0 || wq >= 0) {
      events.add(ev.index);
      if (onRip) {
        const r = findLine(ev, (l) => /^\s*(RIP|EIP|IP|PC is at|pc :|NIP|epc)\b/.test(l) && l.includes(tag));
        if (r >= 0) evidence.push(eventLine(ev, r));
      }
      for (const f of frames.slice(0, 2)) {
        const k = findLine(ev, (l) => l.includes(f.raw.trim()));
        if (k >= 0) evidence.push(eventLine(ev, k));
      }
      if (wq >= 0) evidence.push(eventLine(ev, wq));
    }
    if (evidence.length >= 8) break;
  }
  // A dump frame in the module: tagged with it, or a bare address in its memory (dump facts' base and size).
  const inModule = (x: Frame) => x.module === name || (x.reliable && !x.function && !x.module && moduleHolding(ctx.draft, x.address)?.name === name);
  for (const bt of ctx.draft.dump?.backtraces ?? []) {
    const f = bt.frames.find(inModule);
    if (f) { evidence.push(btFrameEvidence(bt, f)); break; }
  }
  const dm = ctx.draft.dump?.loadedModules.find((m) => m.name === name);
  if (dm && dm.taint) evidence.push(refEvidence(dm.source, `${name} (${dm.taint})`));
  return evidence;
}

export const rule: Rule = {
  id: 'third-party-module',
  run(ctx) {
    if (ctx.thirdParty.size === 0) return [];
    const path = crashPathModules(ctx.draft);
    const onPath = new Set(path.all);
    const mods = [...ctx.thirdParty.values()];
    const basisOf = (m: ThirdPartyModule): ThirdPartyModule['basis'] => m.basis;
    // A module unloaded just before a crash whose code address no module owns is on the path too.
    const bareModuleRip = ctx.draft.events.some((e) => e.rip && !e.rip.function && e.rip.address) ||
      (ctx.draft.dump?.backtraces ?? []).some((b) => b.exceptions.some((x) => !x.rip.function && x.rip.address));
    const isOnPath = (m: ThirdPartyModule) => onPath.has(m.name) || (basisOf(m) === 'unloaded' && bareModuleRip);
    const suspects = mods.filter(isOnPath);
    // The families of the suspects: their loaded relatives are the same vendor's code.
    const families = new Set(suspects.map((m) => familyOf(m.name)));
    const sameVendor = mods.filter((m) => !isOnPath(m) && families.has(familyOf(m.name)) && familyOf(m.name) !== m.name);
    const loaded = mods.filter((m) => !isOnPath(m) && !sameVendor.includes(m));
    // Innermost first: the order of the crash path.
    suspects.sort((a, b) => (path.all.indexOf(a.name) >>> 0) - (path.all.indexOf(b.name) >>> 0));
    const out = [];
    if (suspects.length > 0) {
      const group = [...suspects, ...sameVendor].slice(0, MAX_LISTED);
      const events = new Set<number>();
      const evidence: Evidence[] = [];
      for (const m of group.slice(0, 8)) evidence.push(...evidenceOf(ctx, m.name, events));
      const first = group[0]!;
      if (evidence.length === 0) evidence.push(derived(`${first.name} on the crash path; ${BASIS[basisOf(first)]}`));
      const inferred = suspects.every((m) => basisOf(m) !== 'flags');
      const names = group.map((m) => `${m.name}${m.flags ? ` (${m.flags})` : ''}`).join(', ');
      const vendors = [...new Set(group.map((m) => familyOf(m.name)))];
      const summary = `Third-party module${group.length === 1 ? '' : 's'} ${names} ${group.length === 1 ? 'has' : 'have'} code on the crash path` +
        `${vendors.length === 1 && group.length > 1 ? ` (one vendor: ${vendors[0]})` : ''}: the first suspect${inferred ? `, known from ${BASIS[basisOf(first)]}` : ''}`;
      out.push(finding('third-party-module', inferred ? 'medium' : 'high', summary, evidence, [...events], {
        module: first.name, modules: group.map((m) => m.name), flags: first.flags, flagMeanings: describeFlags(first.flags),
        perModule: group.map((m) => ({ name: m.name, flags: m.flags, basis: basisOf(m), onStack: isOnPath(m) })),
        vendors, onStack: true,
      }));
    }
    if (loaded.length > 0) {
      const group = loaded.slice(0, MAX_LISTED);
      const events = new Set<number>();
      const evidence: Evidence[] = [];
      for (const m of group.slice(0, 8)) evidence.push(...evidenceOf(ctx, m.name, events));
      if (evidence.length === 0) evidence.push(derived(`${group.map((m) => `${m.name}(${m.flags})`).join(' ')} in the module list`));
      const names = group.map((m) => `${m.name}${m.flags ? ` (${m.flags})` : ''}`).join(', ');
      const summary = `Third-party module${group.length === 1 ? '' : 's'} ${names} ${group.length === 1 ? 'is' : 'are'} loaded but not on a crash stack (context, not a suspect)`;
      out.push(finding('third-party-module', 'low', summary, evidence, [], {
        module: group[0]!.name, modules: group.map((m) => m.name), flags: group[0]!.flags, flagMeanings: describeFlags(group[0]!.flags),
        perModule: group.map((m) => ({ name: m.name, flags: m.flags, basis: basisOf(m), onStack: false })), onStack: false,
      }));
    }
    return out;
  },
};
