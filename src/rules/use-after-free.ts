// use-after-free: KASAN/KFENCE reports of accesses to freed memory (use-after-free, double-free, invalid-free).
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'use-after-free',
  matches: (ev) => (ev.kind === 'kasan' || ev.kind === 'kfence') && /use-after-free|double-free|invalid-free|use after free/i.test(ev.header + ' ' + ev.type),
  severity: () => 'critical',
  describe: (ev, where) => `${/double-free/i.test(ev.header) ? 'Double free' : /invalid-free/i.test(ev.header) ? 'Invalid free' : 'Use after free'} in ${where ?? 'unknown code'} (task ${who(ev)}): ${ev.header.slice(0, 160)}`,
  extraLines: [(l) => /^(Allocated|Freed) by task/.test(l)],
});
