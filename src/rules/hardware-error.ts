// hardware-error: machine checks and other hardware-reported errors in the crash reports: `mce:` /
// `[Hardware Error]` lines, `Machine check events logged`, EDAC uncorrected errors, PCIe fatal errors,
// NMI IOCK/SERR, `Memory failure`, and the `M` taint flag (a machine check was reported).

import type { Evidence, Finding } from '../model/types.js';
import { eventLine, headerEvidence } from '../analysis/evidence.js';
import { finding, type Rule } from './types.js';

const HW_LINE = /(\[Hardware Error\]|Machine check|Machine Check Exception|mce: |MCE: |EDAC \S+: .*\b(UE|CE|Uncorrected|Corrected)\b|PCIe Bus Error|AER: .*(Uncorrected|Fatal)|NMI: IOCK error|NMI: PCI system error|Uhhuh\. NMI received for unknown reason|Memory failure: |Hardware is broken|CPU \d+: Machine Check)/i;
const FATAL = /(Uncorrected|Fatal|UE\b|Machine Check Exception|Kernel panic.*machine check|Memory failure|IOCK|PCI system error|MCE: .*(PCC|UC))/i;

export const rule: Rule = {
  id: 'hardware-error',
  run(ctx) {
    const evidence: Evidence[] = [];
    const events: number[] = [];
    let fatal = false;
    for (const ev of ctx.draft.events) {
      let hit = ev.kind === 'mce';
      if (ev.kind === 'mce') evidence.push(headerEvidence(ev));
      ev.lines.forEach((l, i) => {
        if (/^\s*Hardware name:/.test(l)) return;
        if (HW_LINE.test(l)) {
          hit = true;
          if (evidence.length < 20) evidence.push(eventLine(ev, i));
          if (FATAL.test(l)) fatal = true;
        }
      });
      if (ev.taint && /M/.test(ev.taint)) {
        hit = true;
        evidence.push({ source: ev.source.file, line: ev.source.startLine, text: `taint flags "${ev.taint}" include M (machine check reported)` });
      }
      if (hit) events.push(ev.index);
    }
    // Corrected errors logged outside any crash report (no event) are hardware findings too.
    for (const h of ctx.draft.hardwareLog ?? []) {
      if (evidence.some((e) => e.source === h.source && e.line === h.line)) continue;
      if (evidence.length < 20) evidence.push(h);
      if (FATAL.test(h.text)) fatal = true;
    }
    if (events.length === 0 && evidence.length === 0) return [];
    if (ctx.draft.events.some((e) => e.kind === 'mce' && e.panicked)) fatal = true;
    const summary = fatal
      ? 'The hardware reported an uncorrected error (machine check / memory / bus): suspect the hardware before the software'
      : 'The hardware reported errors (machine checks or corrected memory errors): check the hardware even though the crash may be unrelated';
    const out: Finding[] = [finding('hardware-error', fatal ? 'critical' : 'medium', summary, evidence, events, { fatal })];
    return out;
  },
};
