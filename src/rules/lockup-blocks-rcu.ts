// lockup-blocks-rcu: a CPU spinning in a soft lockup (or reported by an RCU stall / hard lockup) never passes
// a quiescent state, so RCU grace periods cannot end: tasks waiting in synchronize_rcu/synchronize_sched/
// __wait_rcu_gp/rcu_barrier block (hung tasks, D state, rising load) as consequences, and an RCU stall on the
// same CPU/task is the same spin seen by RCU.

import type { CrashEvent, Evidence, Finding } from '../model/types.js';
import { frameEvidence, headerEvidence } from '../analysis/evidence.js';
import { baseName, RCU_WAITERS } from '../analysis/frames.js';
import { finding, type Rule } from './types.js';

const LOCKERS = new Set(['soft-lockup', 'hard-lockup', 'rcu-stall']);

function before(a: CrashEvent, b: CrashEvent): boolean {
  if (a.boot !== b.boot) return a.boot < b.boot;
  if (a.time.uptime !== null && b.time.uptime !== null) return a.time.uptime <= b.time.uptime;
  return a.index < b.index;
}

function sameSpinner(a: CrashEvent, b: CrashEvent): boolean {
  if (a.cpu !== null && b.cpu !== null && a.cpu === b.cpu) return true;
  return a.task.pid !== null && a.task.pid === b.task.pid;
}

export const rule: Rule = {
  id: 'lockup-blocks-rcu',
  run(ctx) {
    const events = ctx.draft.events;
    const lockers = events.filter((e) => LOCKERS.has(e.kind));
    if (lockers.length === 0) return [];
    // The spinner: a soft/hard lockup outranks the RCU stall that reports the same CPU.
    const primary = lockers.find((e) => e.kind !== 'rcu-stall') ?? lockers[0]!;
    const stalls = lockers.filter((e) => e !== primary && sameSpinner(e, primary) && e.boot === primary.boot);
    const waiters: { ev: CrashEvent; fn: string; evidence: Evidence }[] = [];
    for (const e of events) {
      if (e.kind !== 'hung-task' || e.boot !== primary.boot) continue;
      const first = lockers.find((l) => l.boot === e.boot) ?? primary;
      if (!before(first, e)) continue;
      // The outermost RCU wait (synchronize_rcu rather than the __wait_rcu_gp it calls).
      const rel = e.frames.filter((fr) => fr.reliable && fr.function);
      const firstIdx = rel.findIndex((fr) => RCU_WAITERS.test(baseName(fr.function!)));
      let f = firstIdx >= 0 ? rel[firstIdx] : undefined;
      for (let k = firstIdx + 1; f && k < rel.length && RCU_WAITERS.test(baseName(rel[k]!.function!)); k++) f = rel[k];
      if (!f) f = e.frames.find((fr) => fr.function && RCU_WAITERS.test(baseName(fr.function)));
      if (f) waiters.push({ ev: e, fn: baseName(f.function!), evidence: frameEvidence(e, f) });
    }
    if (waiters.length === 0 && stalls.length === 0) return [];
    const evidence: Evidence[] = [headerEvidence(primary), ...stalls.map(headerEvidence)];
    for (const w of waiters.slice(0, 10)) evidence.push(headerEvidence(w.ev), w.evidence);
    const spinner = `CPU ${primary.cpu ?? '?'} (${primary.task.comm ?? '?'}:${primary.task.pid ?? '?'})`;
    const parts: string[] = [];
    if (stalls.length > 0) parts.push(`the RCU stall on the same CPU is that spin seen by RCU`);
    if (waiters.length > 0) parts.push(`${waiters.map((w) => `${w.ev.task.comm ?? '?'}:${w.ev.task.pid ?? '?'} blocked in ${w.fn}()`).join(', ')} ${waiters.length > 1 ? 'are' : 'is'} waiting for a grace period that cannot end`);
    const summary = `${spinner} spins without passing a quiescent state (${primary.kind}), so RCU grace periods cannot complete: ${parts.join('; ')}`;
    const out: Finding[] = [finding('lockup-blocks-rcu', 'high', summary, evidence, [primary.index, ...stalls.map((s) => s.index), ...waiters.map((w) => w.ev.index)], {
      locker: primary.index, stalls: stalls.map((s) => s.index), waiters: waiters.map((w) => ({ event: w.ev.index, waitsIn: w.fn })),
    })];
    return out;
  },
};
