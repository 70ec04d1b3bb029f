// warn-panic: a WARNING that panicked the kernel (panic_on_warn): the warning itself is the crash.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'warn-panic',
  matches: (ev) => ev.kind === 'warning' && ev.panicked,
  severity: () => 'high',
  describe: (ev, where) => `A WARNING in ${where ?? 'unknown code'} (task ${who(ev)}) panicked the kernel because panic_on_warn is set`,
});
