// soft-lockup: a CPU ran kernel code for longer than the watchdog threshold without scheduling.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'soft-lockup',
  matches: (ev) => ev.kind === 'soft-lockup',
  severity: (ev) => (ev.panicked ? 'critical' : 'high'),
  describe: (ev, where) => `CPU ${ev.cpu ?? '?'} stuck${typeof ev.details.stuckSeconds === 'number' ? ` for ${ev.details.stuckSeconds} s` : ''} in ${where ?? 'unknown code'} (task ${who(ev)}) without scheduling`,
  extraLines: [(l) => /^\s*RIP:/.test(l)],
  data: (ev) => ({ cpu: ev.cpu, stuckSeconds: ev.details.stuckSeconds ?? null }),
});
