// list-corruption: CONFIG_DEBUG_LIST caught a corrupted list_head (double list_del, use after free, or a
// stray write); LIST_POISON values mean the entry was already deleted.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'list-corruption',
  matches: (ev) => ev.kind === 'list-corruption',
  severity: () => 'critical',
  describe: (ev, where) => {
    const poison = /LIST_POISON\d|dead0000000001[02]{2}/.test(ev.header);
    return `List corruption detected in ${where ?? 'unknown code'} (task ${who(ev)})${poison ? ': the entry holds LIST_POISON, i.e. it was already deleted (double list_del or use after free)' : ''}`;
  },
});
