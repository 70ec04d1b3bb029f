// third-party-module: proprietary, out-of-tree, unsigned, unsupported or staging modules, and whether
// their code is on a crash stack (then they are the first suspects).

import type { Evidence } from '../model/types.js';
import { btFrameEvidence, derived, eventLine, findLine, refEvidence } from '../diagnose/evidence.js';
import { taintMeaning } from '../model/taint.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule } from './types.js';

function describeFlags(flags: string): string {
  const parts = [...new Set(flags.split(''))].map((c) => {
    const m = taintMeaning(c);
    return m ? `${c}: ${m}` : c;
  });
  return parts.join('; ');
}

export const rule: Rule = {
  id: 'third-party-module',
  run(ctx) {
    const out = [];
    for (const [name, info] of ctx.thirdParty) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      const evidence: Evidence[] = [];
      const events: number[] = [];
      let listed = false;
      for (const ev of ctx.draft.events) {
        if (!listed) {
          const i = findLine(ev, (l) => /^\s*Modules linked in:/.test(l) && new RegExp(`(^|\\s)${name.replace(/[^\w-]/g, '')}\\(`).test(l));
          if (i >= 0) { evidence.push(eventLine(ev, i)); listed = true; }
        }
        const onRip = ev.rip?.module === name;
        const frames = ev.frames.filter((f) => f.module === name);
        if (onRip || frames.length > 0) {
          events.push(ev.index);
          if (onRip) {
            const r = findLine(ev, (l) => /^\s*RIP:/.test(l) && l.includes(`[${name}]`));
            if (r >= 0) evidence.push(eventLine(ev, r));
          }
          for (const f of frames.slice(0, 2)) {
            const k = findLine(ev, (l) => l.includes(f.raw.trim()));
            if (k >= 0) evidence.push(eventLine(ev, k));
          }
        }
      }
      let onDumpStack = false;
      for (const bt of ctx.draft.dump?.backtraces ?? []) {
        const f = bt.frames.find((x) => x.module === name);
        if (f) { onDumpStack = true; evidence.push(btFrameEvidence(bt, f)); }
      }
      const dm = ctx.draft.dump?.loadedModules.find((m) => m.name === name);
      if (dm && dm.taint) evidence.push(refEvidence(dm.source, `${name} (${dm.taint})`));
      if (evidence.length === 0) evidence.push(derived(`${name}(${info.flags}) in the module list of the log`));
      const onStack = events.length > 0 || onDumpStack;
      const flags = info.flags;
      const summary = onStack
        ? `Third-party module ${name} (${flags || 'third-party'}) has code on the stack of ${events.length || 'the dump\'s'} crash report${events.length === 1 ? '' : 's'}: it is the first suspect`
        : `Third-party module ${name} (${flags || 'third-party'}) is loaded but not on any crash stack`;
      out.push(finding('third-party-module', onStack ? 'high' : 'low', summary, evidence, events, {
        module: name, flags, flagMeanings: describeFlags(flags), onStack,
      }));
    }
    return out;
  },
};
