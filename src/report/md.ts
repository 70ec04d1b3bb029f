// The Markdown report (GitHub-flavoured), for a ticket: headings, tables, stacks in fenced code blocks.
// Identifiers and lines from the crash go in code spans / fences (no emphasis, links, HTML, mentions or
// autolinks can form inside them); prose from the crash is backslash-escaped (escapeMarkdown). Links are
// made only from http(s) URLs (safeHttpUrl). The only HTML is the tool's own <details>/<summary>.
import type { CrashEvent, Frame, Report } from '../model/types.js';
import { clip, escapeMarkdown, expandTabs, mdCode, mdFence, safeHttpUrl, str } from '../util/escape.js';
import {
  LIMIT, MAX_LINES, eventRoles, fmtFuncModule, fmtCulpritLoc, fmtLoc, fmtModuleFlags, fmtSource, fmtTaintRaw, fmtTask, fmtTime, taintText, vmcoreRows, dumpObjectRows,
  displayTitle, eventTitle, fmtParts, incidentReport, isCulpritFrame, normalizeReport, reportDamaged, roleLabels, shownFrames, sortedFindings, verdictOf,
} from './common.js';

/** Inline prose from the input. */
const p = (s: unknown, max: number = LIMIT.text): string => escapeMarkdown(clip(str(s), max));
/** A code span (or an em dash for nothing). */
const c = (s: unknown, max: number = LIMIT.line, inTable = false): string => {
  const v = clip(expandTabs(str(s)), max);
  return v === '' ? '—' : mdCode(v, { inTable });
};
const ct = (s: unknown, max: number = LIMIT.line): string => c(s, max, true);

function table(rows: [string, string][]): string[] {
  const out = ['| | |', '|---|---|'];
  for (const [k, v] of rows) out.push(`| ${k} | ${v || '—'} |`);
  return out;
}

function frameLine(f: Frame, culprit: boolean): string {
  return `${culprit ? '>' : ' '} ${f.reliable === false ? '?' : ' '} ${fmtLoc(f)}${culprit ? '   <- culprit' : ''}`;
}

function stack(e: CrashEvent, r: Report): string[] {
  const cul = r.diagnosis.culprit;
  const lines: string[] = [];
  if (e.rip) {
    const m = isCulpritFrame(e.rip, cul);
    lines.push(`${m ? '>' : ' '}   RIP: ${fmtLoc(e.rip)}${m ? '   <- culprit' : ''}`);
  }
  const { frames, omitted } = shownFrames(e);
  if (frames.length) lines.push('Call Trace:');
  let ctx: string | null = 'task';
  for (const f of frames) {
    if (f.context && f.context !== ctx) {
      lines.push(`     <${clip(str(f.context), 16).toUpperCase()}>`);
      ctx = f.context;
    }
    lines.push(frameLine(f, isCulpritFrame(f, cul)));
  }
  if (omitted) lines.push(`    ... ${omitted} more frames`);
  return lines.map((l) => clip(l, LIMIT.line));
}

/** The Markdown report. */
export function renderMarkdown(input: Report): string {
  const r = normalizeReport(input);
  const out: string[] = [];
  const n = r.incidents.length;
  const heads = r.incidents.map((_, i) => verdictOf(n > 1 ? incidentReport(r, i) : r));
  out.push(n > 1 ? `# Kernel crash report: ${n} incidents` : `# Kernel crash report: ${p(heads[0]!.headline, LIMIT.line)}`, '');
  if (n <= 1 && heads[0]!.why) out.push(p(heads[0]!.why), '');
  out.push(`_ktriage ${p(r.tool.version, 40)} · sources: ${r.sources.map((s) => c(s.file, LIMIT.name)).join(', ') || 'none'}_`, '');
  if (n > 1) {
    r.incidents.forEach((inc, i) => out.push(`${i + 1}. **${p(heads[i]!.headline, LIMIT.line)}** (${c(fmtParts(inc.parts))})`));
    out.push('', '_Nothing links across incidents: each has its own verdict._', '');
  }

  if (r.gaps.length) {
    out.push(`> [!WARNING]`, `> Some input could only be read in part (${r.gaps.length} gap${r.gaps.length === 1 ? '' : 's'}):`);
    for (const g of r.gaps) out.push(`> - ${c(g.source, LIMIT.name)}: ${p(g.what, LIMIT.line)}`);
    out.push('');
  }
  if (n <= 1) incidentBody(out, r, '##', '###');
  else {
    r.incidents.forEach((inc, i) => {
      out.push(`## Incident ${i + 1} of ${n}: ${p(heads[i]!.headline, LIMIT.line)}`, '');
      out.push(`_${c(fmtParts(inc.parts))}_`, '');
      if (inc.splitReason) out.push(`**Apart because:** ${p(inc.splitReason)}`, '');
      incidentBody(out, incidentReport(r, i), '###', '####');
    });
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The sections of one incident, with headings at the given levels. */
function incidentBody(out: string[], r: Report, h2: string, h3: string): void {
  const d = r.diagnosis;
  const rc = d.rootCause;
  const cul = d.culprit;
  out.push(`${h2} Verdict`, '');
  const v = verdictOf(r);
  if (rc) {
    const where = fmtFuncModule(rc.function, rc.module);
    out.push(`**Root cause:** ${p(rc.kind, LIMIT.name)}${where ? ` in ${c(where)}` : ''} · **confidence: ${p(rc.confidence, LIMIT.name)}**`, '');
    if (rc.summary) out.push(p(rc.summary), '');
  } else out.push(r.events.length ? '**Root cause:** not determined' : 'No crash report was found in the input.', '');
  if (v.title) out.push(`**syzbot title:** ${c(v.title)}`, '');
  if (cul) {
    const loc = fmtCulpritLoc(r);
    const mod = cul.module
      ? `module ${c(cul.module, LIMIT.name)}${cul.moduleFlags ? ` (${p(fmtModuleFlags(cul.moduleFlags))})` : ''}${cul.thirdParty ? ', **third-party**' : ''}`
      : 'core kernel';
    out.push(`**Culprit:** ${c(loc || '?')}, ${mod}${cul.reason ? ` — ${p(cul.reason)}` : ''}. ${cul.backtraceReliable ? 'Backtrace reliable.' : '**Backtrace not reliable** (frames may be wrong).'}`, '');
  }

  out.push(`${h2} Primary crash`, '');
  const cr = r.crash;
  const ev0 = cr ? r.events.find((e) => e.index === cr.index) : undefined;
  const pan = r.panic;
  out.push(...table([
    ['Title', cr ? ct(displayTitle(r)) : 'none'],
    ['Kind', cr ? `${ct(cr.kind, LIMIT.name)}${cr.type ? ` (${ct(cr.type, LIMIT.name)})` : ''}${reportDamaged(ev0 ?? cr) ? ', report corrupted' : ''}` : ''],
    ['When', ev0 ? p(fmtTime(ev0.time)) : ''],
    ['Task', cr ? ct(fmtTask(cr.task)) : ''],
    ['CPU', cr?.cpu != null ? p(cr.cpu) : ''],
    ['Panic', pan ? `${pan.message != null ? ct(pan.message) : 'no panic line (went straight to kdump)'}${fmtTask(pan.task) ? ` by ${ct(fmtTask(pan.task))}` : ''}${pan.cpu != null ? ` on CPU ${p(pan.cpu)}` : ''}` : ''],
  ]), '');

  out.push(`${h2} Kernel`, '');
  const k = r.kernel;
  out.push(...table([
    ['Release', ct(k.release, LIMIT.name)],
    ['Version', ct(k.version, LIMIT.name)],
    ['Arch', ct(k.arch, LIMIT.name)],
    ['Host', ct(k.hostname, LIMIT.name)],
    ['Hardware', ct(k.hardware)],
    ['Taint', k.taint ? `${ct(fmtTaintRaw(k.taint.raw))}${k.taint.flags.length ? `: ${k.taint.flags.map((f) => `${ct(f.flag, 8)} ${p(f.meaning, LIMIT.line)}`).join('; ')}` : ''}` : p(taintText(r))],
    ['Third-party modules', r.modules.filter((m) => m.thirdParty).map((m) => ct(`${str(m.name)}(${str(m.flags)})`, LIMIT.name)).join(' ')],
    ...vmcoreRows(r).map(([k2, v]): [string, string] => [k2, p(v)]),
  ]), '');

  const objs = dumpObjectRows(r);
  if (objs.length) out.push(`${h2} From the dump`, '', ...table(objs.map(([k2, v]): [string, string] => [k2, p(v)])), '');

  if (rc || d.consequences.length) {
    out.push(`${h2} Causal chain`, '');
    const evLabel = (e: { index: number; kind: string; task: CrashEvent['task']; time: CrashEvent['time'] }) =>
      `#${e.index} ${c(e.kind, LIMIT.name)}${fmtTime(e.time) ? ` at ${p(fmtTime(e.time))}` : ''}${fmtTask(e.task) ? `, ${c(fmtTask(e.task))}` : ''}`;
    out.push(`- **Root cause:** ${rc?.event ? `${evLabel(rc.event)}: ${c(rc.event.title)}` : p(rc?.kind ?? '?', LIMIT.name)}`);
    for (const x of d.consequences) {
      out.push(`  - → via ${c(x.rule, LIMIT.name)}: ${evLabel(x.event)}${x.event.title ? `: ${c(x.event.title)}` : ''}`);
      if (x.explanation) out.push(`    ${p(x.explanation)}`);
    }
    const panicked = r.events.find((e) => e.panicked);
    if (pan && panicked) out.push(`- **Panic** after #${panicked.index}: ${pan.message != null ? c(pan.message) : 'went straight to kdump'}`);
    out.push('');
  }

  const fs = sortedFindings(d.findings);
  out.push(`${h2} Findings (${fs.length})`, '');
  if (fs.length === 0) out.push('None.', '');
  for (const f of fs) {
    out.push(`${h3} ${c(f.id, LIMIT.name)} (${p(f.severity, 16)})`, '', p(f.summary), '');
    for (const e of f.evidence) out.push(`- ${c(fmtSource(e.source, e.line), LIMIT.name)} ${c(e.text)}`);
    if (f.evidence.length) out.push('');
  }

  out.push(`${h2} Known issues (${d.knownIssues.length})`, '');
  if (d.knownIssues.length === 0) out.push('None matched.', '');
  for (const ki of d.knownIssues) {
    out.push(`${h3} ${c(ki.id, LIMIT.name)}: ${p(ki.title, LIMIT.line)}`, '');
    const affected = ki.affected === 'yes' ? '**this kernel is affected**' : ki.affected === 'no' ? 'this kernel has the fix' : 'cannot tell whether this kernel has the fix';
    out.push(`- Affected: ${affected}`);
    if (ki.status) out.push(`- Versions: ${p(ki.status, LIMIT.line)}`);
    if (ki.source === 'cve') out.push(`- Match: ${c(ki.confidence, LIMIT.name)} confidence, by ${ki.matchedBy.map((x) => c(x, LIMIT.name)).join(', ')} (CVE index)`);
    if (ki.fixedIn.length) out.push(`- Fixed in: ${ki.fixedIn.map((x) => c(x, LIMIT.name)).join(', ')}`);
    for (const w of ki.workarounds) out.push(`- Workaround: ${p(w)}`);
    for (const ref of ki.references) {
      const url = safeHttpUrl(ref);
      out.push(`- Reference: ${url ? `[${p(url, LIMIT.line)}](${url})` : c(ref)}`);
    }
    for (const e of ki.evidence) out.push(`- Evidence: ${c(fmtSource(e.source, e.line), LIMIT.name)} ${c(e.text)}`);
    out.push('');
  }

  out.push(`${h2} Recommendations`, '');
  if (d.recommendations.length === 0) out.push('None.');
  d.recommendations.forEach((x, i) => {
    out.push(`${i + 1}. ${p(x.text)}${x.because.length ? ` _(because: ${x.because.map((b) => c(b, LIMIT.name)).join(', ')})_` : ''}`);
    if (x.commands?.length) out.push('', ...mdFence(x.commands.slice(0, 40).map((l) => clip(str(l), LIMIT.line))).split('\n').map((l) => `   ${l}`), '');
  });
  out.push('');

  const roles = eventRoles(r);
  out.push(`${h2} Events (${r.events.length}${r.eventsOmitted.count ? ` + ${r.eventsOmitted.count} omitted` : ''})`, '');
  for (const e of r.events) {
    const labels = roleLabels(roles.get(e.index));
    out.push(`${h3} #${e.index} ${c(e.kind, LIMIT.name)}: ${c(eventTitle(e))}${labels.length ? ` (${labels.join(', ')})` : ''}`, '');
    const facts = [
      fmtTime(e.time) ? p(fmtTime(e.time)) : '', fmtTask(e.task) ? c(fmtTask(e.task)) : '', e.cpu != null ? `CPU ${p(e.cpu)}` : '',
      e.taint ? `taint ${c(fmtTaintRaw(e.taint))}` : '', c(fmtSource(e.source.file, e.source.startLine, e.source.endLine), LIMIT.name),
    ].filter(Boolean);
    out.push(facts.join(' · '), '');
    if (e.header) out.push(`Header: ${c(e.header)}`, '');
    const st = stack(e, r);
    if (st.length) out.push(mdFence(st));
    if (e.lines.length) {
      out.push('<details><summary>Raw report lines</summary>', '');
      out.push(mdFence(e.lines.slice(0, MAX_LINES).map((l) => clip(str(l), LIMIT.line))));
      out.push('</details>', '');
    }
  }
  if (r.eventsOmitted.count) {
    out.push(`${r.eventsOmitted.count} more events, by title:`, '');
    for (const [t, n] of Object.entries(r.eventsOmitted.byTitle).slice(0, 100)) out.push(`- ${p(n, 20)} × ${c(t)}`);
    out.push('');
  }
  if (r.events.some((e) => e.frames.length)) out.push('_Stacks: `>` marks the culprit frame, `?` an unreliable frame (the unwinder was not sure)._', '');
}
