// null-deref: the kernel dereferenced a pointer near NULL; the fault address is the member's offset.
import { kindRule, who } from './kind-rule.js';

export const rule = kindRule({
  id: 'null-deref',
  matches: (ev) => ev.kind === 'null-deref',
  severity: () => 'critical',
  describe: (ev, where) => {
    const m = /address: (?:0x)?([0-9a-f]+)/i.exec(ev.header);
    const off = m ? Number.parseInt(m[1]!, 16) : null;
    return `NULL pointer dereference in ${where ?? 'unknown code'} (task ${who(ev)})${off !== null && off < 0x10000 ? `: the member at offset 0x${off.toString(16)} of a NULL struct pointer was read` : ''}`;
  },
  extraLines: [(l) => /^\s*RIP:/.test(l)],
});
