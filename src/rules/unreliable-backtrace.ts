// unreliable-backtrace: a backtrace that cannot be taken at face value: an impossible call chain, frames
// the kernel could not symbolise, a stack pointer outside kernel memory, or only `?` (guessed) frames on a
// kernel whose unwinder is reliable. `?` frames are routine where the unwinder only scans the stack (x86
// before ORC, 4.14, and frame-pointer-less builds; other architectures): there they are no reason to doubt.
// One finding per task at most.

import type { CrashEvent, Evidence, Finding } from '../model/types.js';
import { eventLine, findLine } from '../analysis/evidence.js';
import { stackPointerCorrupt } from '../analysis/frames.js';
import type { Draft } from '../analysis/evidence.js';
import { finding, MAX_FINDINGS_PER_RULE, priorOf, type Rule } from './types.js';

/** True when the kernel has ORC (x86_64, 4.14 or later): an all-`?` trace there means the unwinder failed. */
function reliableUnwinder(draft: Draft, ev: CrashEvent | null): boolean {
  const rel = draft.kernel.release ?? draft.dump?.sys['RELEASE'] ?? null;
  const m = rel ? /^(\d+)\.(\d+)/.exec(rel) : null;
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < 4 || (maj === 4 && min < 14)) return false;
  const x86 = /x86_64|amd64|\.el\d|generic|-default/.test(rel!) || (ev?.lines.some((l) => /^\s*RIP: [0-9a-f]{4}:/.test(l)) ?? false);
  return x86;
}

export const rule: Rule = {
  id: 'unreliable-backtrace',
  run(ctx) {
    const out: Finding[] = [];
    const impossible = priorOf(ctx, 'impossible-call-chain');
    const seen = new Set<string>();
    const tasksSeen = new Set<string>();
    for (const s of ctx.stacks) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      if (s.event && stackPointerCorrupt(s.event)) {
        reasons.push('the stack pointer is not a kernel address: the stack and the registers are corrupt');
        const i = findLine(s.event, (l) => /^\s*(RSP|ESP|SP|sp)\s*:/.test(l));
        if (i >= 0) evidence.push(eventLine(s.event, i));
      }
      if (s.frames.length === 0 && reasons.length === 0) continue;
      const imp = impossible.find((f) => {
        const st = f.data.stack as { event?: number; pid?: number | null };
        return s.event ? st.event === s.event.index : st.pid === (s.bt?.pid ?? null) && st.event === undefined;
      });
      if (imp) { reasons.push('impossible call chain'); evidence.push(...imp.evidence); }
      const bare = s.frames.filter((f) => !f.function && f.address);
      if (bare.length > 0) { reasons.push(`${bare.length} frame${bare.length > 1 ? 's' : ''} with no symbol`); evidence.push(...bare.slice(0, 3).map((f) => s.evidence(f))); }
      const reliable = s.frames.filter((f) => f.reliable && f.function);
      if (reliable.length < 2 && s.frames.length >= 2 && reliableUnwinder(ctx.draft, s.event)) {
        reasons.push(`only ${reliable.length} of ${s.frames.length} frames are reliable (the rest are printed with "?")`);
        evidence.push(...s.frames.slice(0, 2).map((f) => s.evidence(f)));
      }
      if (reasons.length === 0) continue;
      // `bt` and `bt -a` print the same task twice: report it once.
      const key = `${s.event ? 'e' + s.event.index : 'p' + (s.bt?.pid ?? '?')}:${reasons.join('|')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pid = s.event ? s.event.task.pid : s.bt?.pid ?? null;
      const taskKey = pid !== null ? `pid${pid}` : key;
      if (tasksSeen.has(taskKey)) continue;
      tasksSeen.add(taskKey);
      const where = s.event ? `event ${s.event.index} (${s.event.title})` : `bt of PID ${s.bt?.pid ?? '?'} (${s.bt?.comm ?? '?'})`;
      out.push(finding('unreliable-backtrace', imp ? 'high' : 'medium', `Backtrace of ${where} cannot be trusted: ${reasons.join('; ')}`,
        evidence, s.event ? [s.event.index] : [], { reasons, stack: s.event ? { event: s.event.index } : { pid: s.bt?.pid ?? null } }));
    }
    return out;
  },
};
