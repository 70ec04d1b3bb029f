// impossible-call-chain: adjacent frames with no possible caller relation, e.g. a system call entry stub
// (system_call_fastpath, entry_SYSCALL_64) "calling" __stack_chk_fail or panic. Entry stubs call only the
// syscall dispatcher and sys_* handlers, so such a chain means frames are missing or the stack was rewritten.

import type { Evidence, Finding } from '../model/types.js';
import { baseName, ENTRY_CALLEES, SYSCALL_ENTRY } from '../diagnose/frames.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule } from './types.js';

export const rule: Rule = {
  id: 'impossible-call-chain',
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.stacks) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      const frames = s.frames.filter((f) => f.reliable && f.function);
      for (let i = 0; i + 1 < frames.length; i++) {
        const callee = baseName(frames[i]!.function!);
        const caller = baseName(frames[i + 1]!.function!);
        if (!SYSCALL_ENTRY.test(caller) || ENTRY_CALLEES.test(callee)) continue;
        const evidence: Evidence[] = [s.evidence(frames[i]!), s.evidence(frames[i + 1]!)];
        const where = s.event ? `event ${s.event.index} (${s.event.title})` : `bt of PID ${s.bt?.pid ?? '?'} (${s.bt?.comm ?? '?'})`;
        out.push(finding('impossible-call-chain', 'high',
          `Impossible call chain in ${where}: the syscall entry ${caller} cannot call ${callee} directly; frames are missing or the stack was rewritten, so this backtrace cannot be trusted`,
          evidence, s.event ? [s.event.index] : [], { caller, callee, stack: s.event ? { event: s.event.index } : { pid: s.bt?.pid ?? null } }));
        break;
      }
    }
    return out;
  },
};
