// oom: the out-of-memory killer: who invoked it, the constraint (system-wide, cpuset, memcg), the largest
// task in the dump table (the likely consumer), the victim, and whether panic_on_oom turned it into a panic.

import type { Evidence, Finding } from '../model/types.js';
import { eventLine, findLine, headerEvidence } from '../analysis/evidence.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule } from './types.js';

interface TaskRow { pid: number; rss: number; name: string; line: number }

/** Parses the `[  pid  ]   uid  tgid total_vm      rss ... name` table printed by dump_tasks(). */
export function largestTask(lines: string[]): TaskRow | null {
  let best: TaskRow | null = null;
  let inTable = false;
  let rssCol = -1;
  for (let i = 0; i < lines.length && i < 5000; i++) {
    const l = lines[i]!;
    const hdr = /^\s*\[\s*pid\s*\]\s+(.*)$/.exec(l);
    if (hdr) { inTable = true; rssCol = hdr[1]!.trim().split(/\s+/).indexOf('rss'); continue; }
    if (!inTable) continue;
    const row = /^\s*\[\s*(\d+)\]\s+(.*)$/.exec(l);
    if (!row) { if (!/^\s*$/.test(l)) inTable = false; continue; }
    const cols = row[2]!.trim().split(/\s+/);
    if (rssCol < 0 || cols.length <= rssCol) continue;
    const rss = Number(cols[rssCol]);
    if (!Number.isFinite(rss)) continue;
    if (!best || rss > best.rss) best = { pid: Number(row[1]), rss, name: cols[cols.length - 1]!, line: i };
  }
  return best;
}

export const rule: Rule = {
  id: 'oom',
  run(ctx) {
    const out: Finding[] = [];
    for (const ev of ctx.draft.events) {
      if (ev.kind !== 'oom' || out.length >= MAX_FINDINGS_PER_RULE) continue;
      const evidence: Evidence[] = [headerEvidence(ev)];
      const constraint = /CONSTRAINT_(\w+)/.exec(ev.lines.find((l) => /constraint=CONSTRAINT_/.test(l)) ?? '')?.[1] ?? null;
      const cIdx = findLine(ev, (l) => /constraint=CONSTRAINT_/.test(l));
      if (cIdx >= 0) evidence.push(eventLine(ev, cIdx));
      const top = largestTask(ev.lines);
      if (top) evidence.push(eventLine(ev, top.line));
      const vIdx = findLine(ev, (l) => /(Out of memory|Memory cgroup out of memory): Kill(ed)? process \d+/.test(l));
      const victim = vIdx >= 0 ? /Kill(?:ed)? process (\d+) \(([^)]*)\)/.exec(ev.lines[vIdx]!) : null;
      if (vIdx >= 0) evidence.push(eventLine(ev, vIdx));
      const panicMsg = ctx.draft.panic?.message ?? '';
      const panicOnOom = ev.panicked && /Out of memory|panic_on_oom/.test(panicMsg);
      if (panicOnOom) evidence.push({ source: ev.source.file, line: null, text: panicMsg });
      const invoker = `${ev.task.comm ?? '?'}:${ev.task.pid ?? '?'}`;
      let summary = `Out of memory${constraint && constraint !== 'NONE' ? ` (${constraint.toLowerCase()} constraint)` : ' (system-wide)'}: invoked by ${invoker}`;
      if (top) summary += `; the largest task is ${top.name}:${top.pid} with ${top.rss} pages RSS (${Math.round((top.rss * 4) / 1024)} MiB with 4 KiB pages)`;
      if (victim) summary += `; killed ${victim[2]}:${victim[1]}`;
      if (panicOnOom) summary += '; vm.panic_on_oom turned it into a panic';
      out.push(finding('oom', panicOnOom ? 'high' : 'medium', summary, evidence, [ev.index], {
        invoker: ev.task, constraint, largest: top ? { pid: top.pid, name: top.name, rssPages: top.rss } : null,
        victim: victim ? { pid: Number(victim[1]), comm: victim[2] } : null, panicOnOom,
      }));
    }
    return out;
  },
};
