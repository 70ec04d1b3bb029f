// hung-task: `INFO: task X:PID blocked for more than N seconds`: where the task blocks (the primitive:
// mutex_lock, down_read, wait_for_completion, synchronize_rcu...) and who called it (the first meaningful
// frame past the scheduler and locking machinery, e.g. mutex_lock called from ktl_dev_io [ktl_hang]).

import type { Evidence, Finding } from '../model/types.js';
import { frameEvidence, headerEvidence } from '../analysis/evidence.js';
import { baseName, BLOCKING_PRIMITIVES, pickCulprit } from '../analysis/frames.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule } from './types.js';

export const rule: Rule = {
  id: 'hung-task',
  run(ctx) {
    const out: Finding[] = [];
    const tp = new Set(ctx.thirdParty.keys());
    for (const ev of ctx.draft.events) {
      if (ev.kind !== 'hung-task') continue;
      if (out.length >= MAX_FINDINGS_PER_RULE) break;
      const evidence: Evidence[] = [headerEvidence(ev)];
      const reliable = ev.frames.filter((f) => f.reliable && f.function);
      const pick = pickCulprit(ev, tp);
      // The outermost blocking primitive below the caller (synchronize_rcu rather than __wait_rcu_gp).
      const stop = pick?.frame ? reliable.indexOf(pick.frame) : -1;
      const below = stop >= 0 ? reliable.slice(0, stop) : reliable;
      const prim = [...below].reverse().find((f) => BLOCKING_PRIMITIVES.test(baseName(f.function!)));
      if (prim) evidence.push(frameEvidence(ev, prim));
      if (pick?.frame) evidence.push(frameEvidence(ev, pick.frame));
      const secs = typeof ev.details.blockedSeconds === 'number' ? ev.details.blockedSeconds : null;
      // `__mutex_lock` is what the stack shows for mutex_lock() (a tail call): name the API the caller used.
      let primName = prim ? baseName(prim.function!) : null;
      if (primName && /^__/.test(primName) && BLOCKING_PRIMITIVES.test(primName.replace(/^_+/, ''))) primName = primName.replace(/^_+/, '');
      const who = `${ev.task.comm ?? '?'}:${ev.task.pid ?? '?'}`;
      let summary = `Task ${who} blocked${secs !== null ? ` for more than ${secs} s` : ''}`;
      if (primName) summary += ` in ${primName}()`;
      if (pick?.function) summary += ` called from ${pick.function}${pick.module ? ` [${pick.module}]` : ''}`;
      if (ev.panicked) summary += '; the hung-task detector panicked the kernel (hung_task_panic=1)';
      out.push(finding('hung-task', ev.panicked ? 'high' : 'medium', summary, evidence, [ev.index], {
        task: ev.task, blockedSeconds: secs, primitive: primName, function: pick?.function ?? null, module: pick?.module ?? null,
      }));
    }
    return out;
  },
};
