// Third-party modules and the crash path: which modules are out-of-tree, proprietary or unsigned code, from
// every source of module flags, and which modules have code on the crash stacks.
//
// Sources, strongest first:
// - per-module flags: `Modules linked in: zfs(PO) ...`, `loading out-of-tree module taints kernel` lines,
//   `mod -t` of a crash session (flags P, O, E, U, F; a staging driver, C alone, is in-tree code);
// - a module family that is known to be built out of tree (src/knowledge/out-of-tree.ts) with code on a
//   crash stack;
// - the `Tainted:` letters (P, O or E) when no module list names the flags: the innermost module on a crash
//   stack (RIP or first `[module]` frame, `Workqueue: ... [module]`) is taken as the tainting one, with the
//   modules of its own name family on the same path (lunatik / lunatik_run);
// - taint P/O/E with a complete module list in which no module carries those flags: the module that tainted
//   the kernel is gone, and the `[last unloaded: x]` module is the candidate.

import type { ModuleInfo } from '../model/types.js';
import type { Draft } from './evidence.js';
import { isInTreeModule, outOfTreeFamily } from '../knowledge/out-of-tree.js';
import { moduleHolding } from './dump.js';

export type ThirdPartyBasis = 'flags' | 'known' | 'taint' | 'unloaded';

export interface ThirdPartyModule extends ModuleInfo {
  /** Why the module is taken as third-party code. */
  basis: ThirdPartyBasis;
}

/** Module flags that make a module third-party code. Staging (C) is in-tree code and does not count alone. */
const THIRD_PARTY_FLAGS = /[POEUF]/;
/** Kernel taint letters that say a third-party module was loaded. */
const THIRD_PARTY_TAINT = /[POE]/;
const MAX_MODULES = 4096;

export function isThirdPartyModuleFlags(flags: string): boolean {
  return THIRD_PARTY_FLAGS.test(flags);
}

/** Taint letters of the kernel (first event's CPU line) and of every event, without G and spaces. */
export function taintLetters(draft: Draft): string {
  let s = '';
  for (const f of draft.kernel.taint?.flags ?? []) s += f.flag;
  for (const e of draft.events.slice(0, 1000)) if (e.taint) s += e.taint.replace(/[^A-Z]/g, '');
  return [...new Set(s.replace(/G/g, '').split(''))].join('');
}

/** True when the crash report explicitly says `Not tainted`. */
function saysNotTainted(draft: Draft): boolean {
  const e = draft.events[0];
  return !!e && e.taint === null && e.lines.slice(0, 60).some((l) => /\bNot tainted\b/.test(l));
}

/** `func+0x1f/0x40 [module]` (a symbol with offset/size and a module tag), anywhere in a line. */
const TAGGED_SYMBOL = /[\w.$]\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16} \[([\w-]{1,64})\]/;
const WORKQUEUE_MODULE = /^\s*Workqueue: \S+ [\w.]+(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)? \[([\w-]{1,64})\]\s*$/;

/**
 * Modules with code on the crash stacks, innermost first per stack: events' RIP and frames, their
 * `Workqueue:` work function, then the dump's exception RIPs and frames. `innermost` holds the first module
 * of each stack.
 */
export function crashPathModules(draft: Draft): { all: string[]; innermost: string[] } {
  const all: string[] = [];
  const innermost: string[] = [];
  const seen = new Set<string>();
  const addStack = (mods: (string | null | undefined)[]) => {
    let first = true;
    for (const m of mods) {
      if (!m) continue;
      if (first) { if (!innermost.includes(m)) innermost.push(m); first = false; }
      if (!seen.has(m) && all.length < MAX_MODULES) { seen.add(m); all.push(m); }
    }
  };
  for (const ev of draft.events.slice(0, 1000)) {
    const wq: string[] = [];
    for (const l of ev.lines.slice(0, 80)) {
      const m = WORKQUEUE_MODULE.exec(l);
      if (m) { wq.push(m[1]!); break; }
    }
    // Symbolised addresses with a module tag on lines the reader did not take as frames (KFENCE/KASAN stack
    // blocks, old `IP:` lines, headers such as `corrupted in: f+0x1/0x2 [mod]`), in line order.
    const tagged: string[] = [];
    for (const l of ev.lines.slice(0, 400)) {
      if (l.length > 4096 || /^\s*Modules linked in:/.test(l)) continue;
      const m = TAGGED_SYMBOL.exec(l);
      if (m) tagged.push(m[1]!);
    }
    const stack = [ev.rip?.module, ...ev.frames.map((f) => f.module), ...wq, ...tagged];
    // No module named on the stack: the module whose own message leads into the report (its lead-in).
    const lead = ev.details.leadInModule;
    if (typeof lead === 'string' && !stack.some((m) => m)) stack.push(lead);
    addStack(stack);
  }
  // The dump's stacks: a code address no symbol names (a hidden module keeps no symtab) is on the path of the
  // module whose memory holds it (dump facts with base and size); guessed (`?`) frames do not count.
  const owner = (l: { function: string | null; module: string | null; address: string | null }, sure: boolean) =>
    l.module ?? (sure && !l.function ? moduleHolding(draft, l.address)?.name ?? null : null);
  for (const bt of (draft.dump?.backtraces ?? []).slice(0, 10000)) {
    addStack([...bt.exceptions.map((x) => owner(x.rip, true)), ...bt.frames.map((f) => owner(f, f.reliable))]);
  }
  return { all, innermost };
}

/** Same family by name: one name is the other's prefix up to `_` (lunatik / lunatik_run), or both share `x_`. */
function sameNameFamily(a: string, b: string): boolean {
  if (a === b) return true;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  if (s.length >= 4 && l.startsWith(s + '_')) return true;
  const pa = /^([a-z0-9]{4,})_/.exec(a)?.[1];
  const pb = /^([a-z0-9]{4,})_/.exec(b)?.[1];
  return !!pa && pa === pb;
}

/** Third-party modules across the draft, by name (insertion order: flagged, known, inferred). */
export function thirdPartyModules(draft: Draft): Map<string, ThirdPartyModule> {
  const out = new Map<string, ThirdPartyModule>();
  const add = (name: string, flags: string, state: ModuleInfo['state'], basis: ThirdPartyBasis) => {
    if (!out.has(name) && out.size < MAX_MODULES) out.set(name, { name, flags, state, thirdParty: true, basis });
  };
  // Modules whose flags some list states (flagged or not): a listed module without flags is in-tree code.
  const listed = new Map<string, string>();
  const list = (m: ModuleInfo) => { if (!listed.has(m.name) && listed.size < MAX_MODULES) listed.set(m.name, m.flags); };
  let fullList = false;
  for (const e of draft.events.slice(0, 1000)) if (e.modules.length > 0) { fullList = true; for (const m of e.modules) list(m); }
  for (const m of draft.modules) if (m.flags !== '' || fullList) list(m);
  for (const m of draft.dump?.loadedModules ?? []) {
    if (typeof m.taint === 'string') list({ name: m.name, flags: m.taint, state: null, thirdParty: false });
  }
  const state = (name: string): ModuleInfo['state'] =>
    draft.events.flatMap((e) => e.modules).find((m) => m.name === name)?.state ?? null;
  for (const [name, flags] of listed) if (isThirdPartyModuleFlags(flags)) add(name, flags, state(name), 'flags');

  const taint = taintLetters(draft);
  const tainted = THIRD_PARTY_TAINT.test(taint);
  const path = crashPathModules(draft);
  const unlisted = (m: string) => !listed.has(m);
  if (!saysNotTainted(draft)) {
    for (const m of path.all) if (unlisted(m) && outOfTreeFamily(m)) add(m, taint.replace(/[^POE]/g, ''), null, 'known');
  }
  if (tainted) {
    const flagsOfTaint = taint.replace(/[^POE]/g, '');
    const anyFlagged = [...out.values()].some((m) => m.basis === 'flags');
    for (const inner of path.innermost) {
      if (!unlisted(inner) || anyFlagged || isInTreeModule(inner)) continue;
      add(inner, flagsOfTaint, null, 'taint');
      for (const m of path.all) if (unlisted(m) && !isInTreeModule(m) && sameNameFamily(inner, m)) add(m, flagsOfTaint, null, 'taint');
    }
    if (fullList && !anyFlagged && out.size === 0 && draft.lastUnloaded) add(draft.lastUnloaded, flagsOfTaint, null, 'unloaded');
  }
  return out;
}

/** The vendor family key of a module: the known family's vendor, else the name itself. */
export function familyOf(name: string): string {
  return outOfTreeFamily(name)?.vendor ?? name;
}

/** Module flags as printed for a module name ('' when loaded without flags, null when unknown). */
export function moduleFlags(draft: Draft, name: string | null): string | null {
  if (!name) return null;
  for (const e of draft.events) for (const m of e.modules) if (m.name === name) return m.flags;
  for (const m of draft.modules) if (m.name === name) return m.flags;
  for (const m of draft.dump?.loadedModules ?? []) if (m.name === name) return m.taint ?? '';
  return null;
}
