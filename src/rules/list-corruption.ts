// list-corruption: CONFIG_DEBUG_LIST caught a corrupted list_head (double list_del, use after free, or a
// stray write); LIST_POISON values mean the entry was already deleted. An access fault on a LIST_POISON
// address (`paging request at virtual address 00100104`, `non-canonical address 0xdead000000000108`) is the
// same bug without CONFIG_DEBUG_LIST: a list entry used after list_del.
import { ACCESS_FAULTS, faultAddressOf, listPoison } from '../analysis/poison.js';
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'list-corruption',
  matches: (ev) => ev.kind === 'list-corruption' || (ACCESS_FAULTS.has(ev.kind) && listPoison(faultAddressOf(ev)) !== null),
  severity: () => 'critical',
  describe: (ev, where) => {
    if (ev.kind !== 'list-corruption') {
      const a = faultAddressOf(ev)!;
      return `List entry used after list_del in ${where ?? 'unknown code'} (task ${who(ev)}): the fault address 0x${a.toString(16)} is ${listPoison(a)} plus a member offset (double list_del, list_move of a deleted entry, or use after free)`;
    }
    const poison = /LIST_POISON\d|dead0000000001[02]{2}/.test(ev.header);
    return `List corruption detected in ${where ?? 'unknown code'} (task ${who(ev)})${poison ? ': the entry holds LIST_POISON, i.e. it was already deleted (double list_del or use after free)' : ''}`;
  },
});
