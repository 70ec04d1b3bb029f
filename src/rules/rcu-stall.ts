// rcu-stall: RCU reports a CPU (or task) that has not passed a quiescent state for a whole grace period.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'rcu-stall',
  matches: (ev) => ev.kind === 'rcu-stall',
  severity: (ev) => (ev.panicked ? 'critical' : 'high'),
  describe: (ev, where) => `RCU stall: CPU ${ev.cpu ?? '?'} (task ${who(ev)}) holds off the grace period${where ? ` while running ${where}` : ''}`,
  extraLines: [(l) => /^\s*rcu:\s+\d+-/.test(l), (l) => /^\s*RIP:/.test(l)],
});
