// rootkit-suspected: the signs together: a hooked system call table, kernel code no module owns, and
// a module hidden from the module list (a vmcore's mod_tree), strings of known rootkit techniques or names
// in memory or the log (hack_*, hide_*, write-protection toggling, orig_sys_call_table,
// diamorphine/reptile/suterusu...). Two independent signs make it likely.

import type { Evidence } from '../model/types.js';
import { eventLine, refEvidence } from '../analysis/evidence.js';
import { finding, priorOf, type Rule } from './types.js';

export const ROOTKIT_STRINGS = /\b(hack_\w+|hide_\w+|hidden_\w*|unhide_\w+|disable_write_protection|enable_write_protection|(?:write_)?cr0_(?:un)?protect\w*|orig_sys_call_table|orig_(?:sys_)?(?:read|open|getdents\w*|kill)|hooked_\w+|diamorphine\w*|reptile\w*|suterusu\w*|adore(?:-ng)?|knark|azazel|jynx\w*|kbeast|rkduck|nurupo|brokepkg|khook\w*|rootkit\w*)\b/i;
export const ROOTKIT_MODULES = /^(diamorphine|reptile\w*|suterusu|adore\w*|knark|kbeast|rkduck|nurupo|brokepkg|khook\w*|\w*rootkit\w*)$/i;

export const rule: Rule = {
  id: 'rootkit-suspected',
  run(ctx) {
    const signs: string[] = [];
    const evidence: Evidence[] = [];
    const hooked = priorOf(ctx, 'syscall-table-hooked');
    if (hooked.length > 0) { signs.push('syscall-table-hooked'); evidence.push(...hooked[0]!.evidence.slice(0, 4)); }
    const hiddenMod = priorOf(ctx, 'hidden-module');
    if (hiddenMod.length > 0) { signs.push('hidden-module'); evidence.push(...hiddenMod[0]!.evidence.slice(0, 2)); }
    const unknown = priorOf(ctx, 'unknown-code-address').filter((f) => f.severity === 'high');
    if (unknown.length > 0) { signs.push('unknown-code-address'); evidence.push(...unknown[0]!.evidence.slice(0, 3)); }
    const strings = new Set<string>();
    for (const s of (ctx.draft.dump?.strings ?? []).slice(0, 100000)) {
      const m = ROOTKIT_STRINGS.exec(s.text);
      if (m && strings.size < 20) {
        if (!strings.has(m[1]!)) evidence.push(refEvidence(s.source, `${s.address}: ${s.text.slice(0, 80)}`));
        strings.add(m[1]!);
      }
    }
    for (const ev of ctx.draft.events) {
      ev.lines.forEach((l, i) => {
        const m = ROOTKIT_STRINGS.exec(l);
        if (m && strings.size < 20 && !strings.has(m[1]!)) { strings.add(m[1]!); evidence.push(eventLine(ev, i)); }
      });
    }
    if (strings.size > 0) signs.push('rootkit-strings');
    const mods = [
      ...ctx.draft.modules.map((m) => m.name), ...(ctx.draft.dump?.loadedModules ?? []).map((m) => m.name),
    ].filter((n) => ROOTKIT_MODULES.test(n));
    if (mods.length > 0) signs.push('rootkit-module-name');
    const strong = signs.length >= 2 || mods.length > 0;
    if (!strong) return [];
    const hidden = signs.includes('unknown-code-address') || signs.includes('hidden-module');
    const summary = `Rootkit suspected: ${signs.map((s) => ({
      'syscall-table-hooked': 'system call table hooked',
      'unknown-code-address': 'kernel code that no module owns (hidden module)',
      'rootkit-strings': `rootkit strings in memory (${[...strings].slice(0, 6).join(', ')})`,
      'rootkit-module-name': `module named like a known rootkit (${mods.join(', ')})`,
      'hidden-module': `a module hidden from the module list (${((hiddenMod[0]?.data.modules as { name: string }[] | undefined) ?? []).map((m) => m.name).join(', ')})`,
    } as Record<string, string>)[s]).join('; ')}. Treat as a security incident.`;
    return [finding('rootkit-suspected', 'critical', summary, evidence, [...new Set(ctx.prior.filter((f) => f.id === 'stack-protector' || f.id === 'unknown-code-address').flatMap((f) => f.events))], {
      signs, strings: [...strings], modules: mods, hiddenCode: hidden,
      confidence: signs.length >= 3 ? 'high' : signs.length === 2 ? 'medium' : 'low',
    })];
  },
};
