// bug-on: `kernel BUG at file:line!`: an assertion (BUG/BUG_ON) in the code failed; the code decided its own
// state was impossible.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'bug-on',
  matches: (ev) => ev.kind === 'bug' && /kernel BUG at /.test(ev.header),
  severity: () => 'critical',
  describe: (ev, where) => {
    const at = /kernel BUG at ([^!\s]+)!?/.exec(ev.header)?.[1] ?? null;
    return `BUG_ON assertion failed${at ? ` at ${at}` : ''} in ${where ?? 'unknown code'} (task ${who(ev)})`;
  },
  extraLines: [(l) => /^\s*RIP:/.test(l)],
});
