// sysrq-crash: a crash forced on purpose (sysrq-c / echo c > /proc/sysrq-trigger): not a kernel bug.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'sysrq-crash',
  matches: (ev) => ev.kind === 'sysrq',
  severity: () => 'info',
  describe: (ev) => `The crash was triggered on purpose through sysrq (task ${who(ev)}): no kernel bug; find who triggered it and why`,
});
