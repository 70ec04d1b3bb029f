// hard-lockup: the NMI watchdog saw a CPU that took no timer interrupt for the threshold: it spins with
// interrupts disabled. The culprit is where that CPU was stuck, not the watchdog that reported it.
import { kindRule } from './kind-rule.js';

export const rule = kindRule({
  id: 'hard-lockup',
  matches: (ev) => ev.kind === 'hard-lockup',
  severity: (ev) => (ev.panicked ? 'critical' : 'high'),
  describe: (ev, where) => `Hard lockup: CPU ${ev.cpu ?? '?'} stuck with interrupts disabled${where ? ` in ${where}` : ' (the stuck function is not in the report)'}` +
    `${ev.task.comm ? ` (task ${ev.task.comm}:${ev.task.pid ?? '?'})` : ''}; the NMI watchdog reported it`,
  extraLines: [(l) => /hard LOCKUP/i.test(l), (l) => /^\s*(RIP|NIP|pc)\s*:/.test(l)],
});
