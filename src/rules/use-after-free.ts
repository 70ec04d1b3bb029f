// use-after-free: KASAN/KFENCE reports of accesses to freed memory (use-after-free, double-free, invalid-free),
// and access faults whose registers hold the slab free poison 0x6b6b6b6b6b6b6b6b (a freed object read back).
import { ACCESS_FAULTS, freePoisonRegister } from '../analysis/poison.js';
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'use-after-free',
  matches: (ev) => ((ev.kind === 'kasan' || ev.kind === 'kfence') && /use-after-free|double-free|invalid-free|use after free/i.test(ev.header + ' ' + ev.type)) ||
    (ACCESS_FAULTS.has(ev.kind) && freePoisonRegister(ev) !== null),
  severity: () => 'critical',
  describe: (ev, where) => {
    if (ev.kind !== 'kasan' && ev.kind !== 'kfence') {
      return `Use after free in ${where ?? 'unknown code'} (task ${who(ev)}): ${freePoisonRegister(ev)} holds the slab free poison 0x6b6b6b6b6b6b6b6b, a pointer read from an object already freed`;
    }
    return `${/double-free/i.test(ev.header) ? 'Double free' : /invalid-free/i.test(ev.header) ? 'Invalid free' : 'Use after free'} in ${where ?? 'unknown code'} (task ${who(ev)}): ${ev.header.slice(0, 160)}`;
  },
  extraLines: [(l) => /^(Allocated|Freed) by task/.test(l) || /\b6b6b6b6b6b6b6b6b\b/.test(l)],
});
