// rcu-stall: RCU reports a CPU (or task) that has not passed a quiescent state for a whole grace period.
// `rcu_sched kthread starved for N jiffies` is another story: the grace-period kthread itself got no CPU
// time (a real-time task, a CPU hogged with softirqs, a stuck timer), so grace periods cannot end; its stack
// only shows it waiting.
import { kindRule, who } from './kind-rule.js';

const STARVED = /(rcu_\w+|rcu_preempt|rcu_sched|rcu_bh) kthread starved for (\d+) jiffies!?(?:.*->cpu=(\d+))?/;

export const rule = kindRule({
  id: 'rcu-stall',
  matches: (ev) => ev.kind === 'rcu-stall',
  severity: (ev) => (ev.panicked ? 'critical' : 'high'),
  describe: (ev, where) => {
    const s = ev.lines.slice(0, 60).map((l) => STARVED.exec(l)).find(Boolean);
    if (s) {
      return `RCU grace-period kthread ${s[1]} starved for ${s[2]} jiffies${s[3] ? ` (on CPU ${s[3]})` : ''}: it was not scheduled, so grace periods could not end ` +
        `and the stall follows. Look for what kept that CPU from running it (real-time tasks, softirq or timer storms, a CPU stuck with interrupts off), not at the kthread's own stack`;
    }
    return `RCU stall: CPU ${ev.cpu ?? '?'} (task ${who(ev)}) holds off the grace period${where ? ` while running ${where}` : ''}`;
  },
  extraLines: [(l) => /^\s*rcu:\s+\d+-/.test(l), (l) => /^\s*RIP:/.test(l), (l) => STARVED.test(l)],
});
