// unreliable-backtrace: a backtrace that cannot be taken at face value: an impossible call chain, frames
// the kernel could not symbolise, or only `?` (guessed) frames.

import type { Evidence, Finding } from '../model/types.js';
import { finding, MAX_FINDINGS_PER_RULE, priorOf, type Rule } from './types.js';

export const rule: Rule = {
  id: 'unreliable-backtrace',
  run(ctx) {
    const out: Finding[] = [];
    const impossible = priorOf(ctx, 'impossible-call-chain');
    const seen = new Set<string>();
    for (const s of ctx.stacks) {
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      if (s.frames.length === 0) continue;
      const reasons: string[] = [];
      const evidence: Evidence[] = [];
      const imp = impossible.find((f) => {
        const st = f.data.stack as { event?: number; pid?: number | null };
        return s.event ? st.event === s.event.index : st.pid === (s.bt?.pid ?? null) && st.event === undefined;
      });
      if (imp) { reasons.push('impossible call chain'); evidence.push(...imp.evidence); }
      const bare = s.frames.filter((f) => !f.function && f.address);
      if (bare.length > 0) { reasons.push(`${bare.length} frame${bare.length > 1 ? 's' : ''} with no symbol`); evidence.push(...bare.slice(0, 3).map((f) => s.evidence(f))); }
      const reliable = s.frames.filter((f) => f.reliable && f.function);
      if (reliable.length < 2 && s.frames.length >= 2) {
        reasons.push(`only ${reliable.length} of ${s.frames.length} frames are reliable (the rest are printed with "?")`);
        evidence.push(...s.frames.slice(0, 2).map((f) => s.evidence(f)));
      }
      if (reasons.length === 0) continue;
      // `bt` and `bt -a` print the same task twice: report it once.
      const key = `${s.event ? 'e' + s.event.index : 'p' + (s.bt?.pid ?? '?')}:${reasons.join('|')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = s.event ? `event ${s.event.index} (${s.event.title})` : `bt of PID ${s.bt?.pid ?? '?'} (${s.bt?.comm ?? '?'})`;
      out.push(finding('unreliable-backtrace', imp ? 'high' : 'medium', `Backtrace of ${where} cannot be trusted: ${reasons.join('; ')}`,
        evidence, s.event ? [s.event.index] : [], { reasons, stack: s.event ? { event: s.event.index } : { pid: s.bt?.pid ?? null } }));
    }
    return out;
  },
};
