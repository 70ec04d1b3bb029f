// impossible-call-chain: adjacent frames with no possible caller relation, e.g. a system call entry stub
// (system_call_fastpath, entry_SYSCALL_64) or kthread "calling" __stack_chk_fail or panic. Dispatchers call
// handlers through pointers, and __stack_chk_fail/panic are only called from inside a function on its own
// frame (never tail-called), so such a chain means that frame is missing (code the unwinder could not name)
// or the stack was rewritten. Tail calls make other odd-looking pairs legitimate; they are not flagged.

import type { Evidence, Finding } from '../model/types.js';
import { baseName, DISPATCHERS, NEVER_FROM_DISPATCHER } from '../analysis/frames.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule } from './types.js';

export const rule: Rule = {
  id: 'impossible-call-chain',
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const s of ctx.stacks) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      // Bare-address frames stay in: they are callers the unwinder saw but could not name.
      const frames = s.frames.filter((f) => f.reliable && (f.function || f.address));
      for (let i = 0; i + 1 < frames.length; i++) {
        if (!frames[i]!.function || !frames[i + 1]!.function) continue;
        const callee = baseName(frames[i]!.function!);
        const caller = baseName(frames[i + 1]!.function!);
        if (!DISPATCHERS.test(caller) || !NEVER_FROM_DISPATCHER.test(callee)) continue;
        const key = `${s.event ? 'e' + s.event.index : 'p' + (s.bt?.pid ?? '?')}:${caller}:${callee}`;
        if (seen.has(key)) break;
        seen.add(key);
        const evidence: Evidence[] = [s.evidence(frames[i]!), s.evidence(frames[i + 1]!)];
        const where = s.event ? `event ${s.event.index} (${s.event.title})` : `bt of PID ${s.bt?.pid ?? '?'} (${s.bt?.comm ?? '?'})`;
        out.push(finding('impossible-call-chain', 'high',
          `Impossible call chain in ${where}: ${caller} cannot call ${callee} directly; frames are missing or the stack was rewritten, so this backtrace cannot be trusted`,
          evidence, s.event ? [s.event.index] : [], { caller, callee, stack: s.event ? { event: s.event.index } : { pid: s.bt?.pid ?? null } }));
        break;
      }
    }
    return out;
  },
};
