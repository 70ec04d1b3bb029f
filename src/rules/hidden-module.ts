// hidden-module: a module that the kernel still holds (in the module latch tree `mod_tree`, or a vmap area
// allocated by load_module) but that is not on the `modules` list: it unlinked itself (`list_del`) to hide
// from lsmod, /proc/modules and sysfs, the classic rootkit move. Read from a vmcore's own structures. Names
// the module, its base and size, where it was found, and the printable strings in its memory (crash's
// `rd -a` over it), which show what the code does (hook names, `sys_call_table`, `kallsyms_lookup_name`).

import type { Evidence } from '../model/types.js';
import { parseHex, refEvidence } from '../analysis/evidence.js';
import { hiddenModules } from '../analysis/dump.js';
import { finding, type Rule } from './types.js';
import { ROOTKIT_STRINGS } from './rootkit-suspected.js';

const MAX_MODULES = 16;
/** Strings that read as names or words (identifiers, paths, messages), not code bytes that happen to be printable. */
const WORDY = /^(?=.*[a-z]{3})[\w .,:/%()=-]{6,}$/i;
const MAX_STRINGS = 40;

export const rule: Rule = {
  id: 'hidden-module',
  run(ctx) {
    const hidden = hiddenModules(ctx.draft).slice(0, MAX_MODULES);
    if (hidden.length === 0) return [];
    const evidence: Evidence[] = [];
    const mods = hidden.map((m) => {
      const base = parseHex(m.base);
      const end = base !== null && m.size !== null ? base + BigInt(m.size) : null;
      const strings = (ctx.draft.dump?.strings ?? []).filter((s) => {
        const a = parseHex(s.address);
        return a !== null && base !== null && end !== null && a >= base && a < end;
      });
      evidence.push(refEvidence(m.source, `module ${m.name} base ${m.base ?? '?'} size ${m.size ?? '?'}: in ${(m.foundIn ?? []).join(', ') || 'module memory'}, not on the modules list`));
      // The same string seen by two inputs (crash's `rd -a` and the vmcore) counts once.
      const uniq = strings.filter((s, i) => strings.findIndex((x) => x.address === s.address && x.text === s.text) === i);
      strings.length = 0;
      strings.push(...uniq);
      // Words first that name hooking or hiding techniques, then identifiers, then the rest.
      const rank = (t: string) => (ROOTKIT_STRINGS.test(t) ? 0 : /_/.test(t) ? 1 : 2);
      const wordy = strings.filter((s) => WORDY.test(s.text)).sort((a, b) => rank(a.text) - rank(b.text));
      for (const s of wordy.slice(0, 12)) evidence.push(refEvidence(s.source, `${s.address}: ${s.text.slice(0, 80)}`));
      return {
        name: m.name, base: m.base, size: m.size, foundIn: m.foundIn ?? [], module: m.module ?? null, taint: m.taint ?? null,
        strings: strings.slice(0, MAX_STRINGS).map((s) => ({ address: s.address, text: s.text })),
        words: wordy.map((s) => s.text),
      };
    });
    const desc = mods.map((m) => `${m.name} at 0x${m.base} (${m.size ?? '?'} bytes, in ${m.foundIn.join(' and ') || 'module memory'})`).join('; ');
    const shown = [...new Set(mods.flatMap((m) => m.words))].slice(0, 8);
    const summary = `Module${mods.length > 1 ? 's' : ''} hidden from the module list: ${desc}` +
      `${shown.length ? `; strings in its memory: ${shown.join(', ')}` : ''}. A module that unlinks itself from the list hides from lsmod and sysfs.`;
    return [finding('hidden-module', 'critical', summary, evidence, [], { modules: mods })];
  },
};
