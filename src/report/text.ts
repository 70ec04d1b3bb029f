// The text report (the default in a terminal): the verdict first, then the primary crash, the kernel,
// the causal chain, findings with evidence, known issues, recommendations, and each event's stack.
// Every string from the input goes through escapeTerminal; colour (opts.color) comes only from the
// constants below, never from input.
import type { CrashEvent, Report } from '../model/types.js';
import { clip, escapeTerminal, expandTabs, str } from '../util/escape.js';
import {
  LIMIT, eventRoles, fmtFuncModule, fmtCulpritLoc, fmtLoc, fmtModuleFlags, fmtParts, fmtSource, fmtTaintRaw, fmtTask, fmtTime, taintText, vmcoreRows, dumpObjectRows,
  displayTitle, eventTitle, gapText, taintAtPanic, incidentReport, sinceText, isCulpritFrame, reportDamaged, normalizeReport, roleLabels, shownFrames, sortedFindings, summaryRest, verdictOf,
} from './common.js';

export interface TextOptions {
  color?: boolean;
  /** Wrap prose at this many columns (default 100, bounded to 40..400). */
  width?: number;
}

const SGR = {
  bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', blue: '\x1b[34m',
  magenta: '\x1b[35m', cyan: '\x1b[36m', reset: '\x1b[0m',
} as const;
type Style = keyof typeof SGR;

/** Escaped, clipped input text. */
function t(s: unknown, max: number = LIMIT.text): string {
  return escapeTerminal(clip(expandTabs(str(s)), max));
}

/** Splits `text` into lines of at most `width` columns at spaces (long words are cut). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let w = word;
    while (w.length > width) {
      if (line) {
        out.push(line);
        line = '';
      }
      out.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

class Out {
  lines: string[] = [];
  constructor(private color: boolean, readonly width: number) {}
  c(style: Style | Style[], s: string): string {
    if (!this.color || s === '') return s;
    const styles = Array.isArray(style) ? style : [style];
    return `${styles.map((x) => SGR[x]).join('')}${s}${SGR.reset}`;
  }
  push(s = ''): void {
    this.lines.push(s);
  }
  heading(s: string): void {
    if (this.lines.length) this.push();
    this.push(this.c('bold', s));
  }
  /** `  Label        value` with the value (already escaped) wrapped under itself; `style` colours the value. */
  field(label: string, value: string, style?: Style | Style[]): void {
    const pad = '  ' + label.padEnd(13);
    const lines = wrap(value, Math.max(20, this.width - pad.length));
    lines.forEach((l, i) => this.push(`${i === 0 ? this.c('dim', pad) : ' '.repeat(pad.length)}${style ? this.c(style, l) : l}`));
  }
  /** Wrapped prose (already escaped) with the given indent. */
  prose(indent: number, value: string, style?: Style | Style[]): void {
    for (const l of wrap(value, Math.max(20, this.width - indent))) this.push(' '.repeat(indent) + (style ? this.c(style, l) : l));
  }
}

const SEVERITY_STYLE: Record<string, Style[]> = {
  critical: ['bold', 'red'], high: ['red'], medium: ['yellow'], low: ['cyan'], info: ['dim'],
};
const CONFIDENCE_STYLE: Record<string, Style[]> = { high: ['bold', 'green'], medium: ['yellow'], low: ['red'] };

function eventLine(e: { index: number; kind: string; title: string; task: CrashEvent['task']; time: CrashEvent['time'] }): string {
  const bits = [`#${e.index} ${t(e.kind, LIMIT.name)}`, fmtTime(e.time), t(fmtTask(e.task))].filter(Boolean);
  return bits.join('  ');
}

function verdict(o: Out, r: Report): void {
  const rc = r.diagnosis.rootCause;
  const cul = r.diagnosis.culprit;
  const v = verdictOf(r);
  if (o.lines.length) o.push();
  wrap(`VERDICT: ${t(v.headline, LIMIT.line)}`, o.width).forEach((l, i) => {
    o.push(i === 0 ? `${o.c('bold', 'VERDICT:')}${o.c(rc ? ['bold', 'red'] : 'bold', l.slice('VERDICT:'.length))}` : `         ${o.c(rc ? ['bold', 'red'] : 'bold', l)}`);
  });
  if (v.why) o.field('Why', t(v.why));
  if (v.confidence) o.field('Confidence', t(v.confidence, LIMIT.name), CONFIDENCE_STYLE[v.confidence]);
  if (v.title) o.field('syzbot title', t(v.title, LIMIT.line));
  if (cul) {
    const loc = fmtCulpritLoc(r);
    const parts = [t(loc || '?')];
    if (cul.module) {
      const flags = fmtModuleFlags(cul.moduleFlags);
      parts.push(`module ${t(cul.module, LIMIT.name)}${flags ? ` (${t(flags)})` : ''}${cul.thirdParty ? ', third-party' : ''}`);
    } else parts.push('core kernel');
    o.field('Culprit', parts.join(', '), 'bold');
    if (cul.reason) o.field('', t(cul.reason));
    o.field('', cul.backtraceReliable ? 'backtrace reliable' : 'backtrace NOT reliable (frames may be wrong)', cul.backtraceReliable ? undefined : 'yellow');
  }
  const rest = summaryRest(rc?.summary, v.why);
  if (rest) o.field('Summary', t(rest));
}

function primary(o: Out, r: Report): void {
  const c = r.crash;
  o.heading('PRIMARY CRASH');
  if (!c && r.dump?.vmcore) {
    o.field('', r.dump.vmcore.logRecords == null ? 'none readable: the dump was taken at a crash, but its kernel log could not be read' : 'none: the dump\'s kernel log holds no crash report');
  } else if (!c) {
    o.field('', 'none: no crash report was found in the input');
  } else {
    const ev = r.events.find((e) => e.index === c.index);
    o.field('Title', t(displayTitle(r), LIMIT.line), 'bold');
    o.field('Kind', `${t(c.kind, LIMIT.name)}${c.type ? ` (${t(c.type, LIMIT.name)})` : ''}${reportDamaged(ev ?? c) ? ', report corrupted' : ''}`);
    if (ev && fmtTime(ev.time)) o.field('When', `${t(fmtTime(ev.time))}${ev.time.uptime != null ? ' after boot' : ''}${ev.time.wallclock ? ' (wall clock as the log prints it)' : ''}`);
    const since = sinceText(ev);
    if (since) o.field('Since', t(since));
    const task = t(fmtTask(c.task));
    o.field('Task', `${task || '?'}${c.cpu != null ? ` on CPU ${t(c.cpu)}` : ''}`);
  }
  const p = r.panic;
  if (p) {
    o.field('Panic', p.message != null ? t(p.message, LIMIT.line) : '(no panic line printed: went straight to kdump)', 'red');
    const who = t(fmtTask(p.task));
    if (who || p.cpu != null) o.field('', `by ${who || '?'}${p.cpu != null ? ` on CPU ${t(p.cpu)}` : ''}`);
  }
}

function kernel(o: Out, r: Report): void {
  const k = r.kernel;
  o.heading('KERNEL');
  o.field('Release', [k.release, k.version, k.arch].filter((x) => x).map((x) => t(x, LIMIT.name)).join('  ') || '?');
  if (k.hostname) o.field('Host', t(k.hostname, LIMIT.name));
  if (k.hardware) o.field('Hardware', t(k.hardware, LIMIT.line));
  if (k.taint) {
    o.field('Taint', t(fmtTaintRaw(k.taint.raw)) || '-');
    for (const f of k.taint.flags) o.field('', `${t(f.flag, 8)}  ${t(f.meaning, LIMIT.line)}`);
  } else o.field('Taint', t(taintText(r)));
  const atPanic = taintAtPanic(r);
  if (atPanic) o.field('At the panic', t(atPanic));
  const third = r.modules.filter((m) => m.thirdParty);
  if (third.length) o.field('Third-party', third.map((m) => `${t(m.name, LIMIT.name)}(${t(m.flags, 16)})`).join(' '), 'yellow');
  const crashAt = r.events.find((e) => e.index === r.crash?.index)?.time.uptime ?? null;
  for (const m of third) {
    const l = m.loadedAt;
    if (!l) continue;
    const when = [typeof l.uptime === 'number' ? `${l.uptime.toFixed(6)} s after boot` : '', l.wallclock ? str(l.wallclock) : ''].filter(Boolean).join(' · ');
    const before = typeof l.uptime === 'number' && typeof crashAt === 'number' ? `, ${(crashAt - l.uptime).toFixed(1)} s before the crash` : '';
    o.field('', `${t(m.name, LIMIT.name)} loaded at ${t(when || '?')}${before} (${t(fmtSource(l.source, l.line))})`);
  }
  if (r.lastUnloaded) o.field('Last unloaded', t(r.lastUnloaded, LIMIT.name));
  for (const [k2, v] of vmcoreRows(r)) o.field(k2, t(v, LIMIT.line), k2 === 'Truncated' ? 'yellow' : undefined);
}

/** What the dump's own kernel objects say (vmcore read without debuginfo). */
function fromDump(o: Out, r: Report): void {
  const rows = dumpObjectRows(r);
  if (!rows.length) return;
  o.heading('FROM THE DUMP');
  for (const [k2, v] of rows) o.field(k2, t(v, LIMIT.line), /HIDDEN|outside kernel text/.test(v) ? 'yellow' : undefined);
}

function chain(o: Out, r: Report): void {
  const rc = r.diagnosis.rootCause;
  const cons = r.diagnosis.consequences;
  if (!rc && cons.length === 0) return;
  o.heading('CAUSAL CHAIN');
  const root = rc?.event ? eventLine(rc.event) : t(rc?.kind ?? '?', LIMIT.name);
  o.push(`  ${o.c(['bold', 'red'], 'ROOT')}  ${root}`);
  if (rc?.event?.title) o.push(`        ${t(rc.event.title, LIMIT.line)}`);
  const since = sinceText(r.events.find((e) => e.index === rc?.event?.index));
  if (since) o.push(`        ${o.c('dim', t(since))}`);
  cons.forEach((c, i) => {
    const last = i === cons.length - 1;
    const gap = gapText(rc?.event?.time, c.event.time);
    o.push(`   ${last ? '└─' : '├─'} ${o.c('magenta', t(c.rule, LIMIT.name))} → ${eventLine(c.event)}${gap ? `  (${gap})` : ''}`);
    const indent = last ? '      ' : '   │  ';
    for (const l of wrap(t(c.explanation), Math.max(20, o.width - indent.length - 2))) o.push(`${indent}  ${o.c('dim', l)}`);
  });
  const panicked = r.events.find((e) => e.panicked);
  if (r.panic && panicked) {
    o.push(`   ${o.c('red', 'PANIC')} after #${panicked.index}: ${t(r.panic.message ?? '(went straight to kdump)', LIMIT.line)}`);
  }
}

function findings(o: Out, r: Report): void {
  const fs = sortedFindings(r.diagnosis.findings);
  o.heading(`FINDINGS (${fs.length})`);
  if (fs.length === 0) o.push('  none');
  for (const f of fs) {
    const sev = str(f.severity).toUpperCase().padEnd(8);
    o.push(`  ${o.c(SEVERITY_STYLE[f.severity] ?? 'bold', sev)} ${o.c('bold', t(f.id, LIMIT.name))}`);
    o.prose(11, t(f.summary));
    for (const ev of f.evidence) {
      const src = t(fmtSource(ev.source, ev.line));
      o.push(`           ${o.c('cyan', src)}  ${t(ev.text, LIMIT.line)}`);
    }
  }
}

function knownIssues(o: Out, r: Report): void {
  const ks = r.diagnosis.knownIssues;
  o.heading(`KNOWN ISSUES (${ks.length})`);
  if (ks.length === 0) o.push('  none matched');
  for (const k of ks) {
    o.push(`  ${o.c('bold', t(k.id, LIMIT.name))}  ${t(k.title, LIMIT.line)}`);
    const affected = k.affected === 'yes' ? 'this kernel is affected' : k.affected === 'no' ? 'this kernel has the fix' : 'cannot tell whether this kernel has the fix';
    o.field('  Affected', affected, k.affected === 'yes' ? 'red' : undefined);
    if (k.status) o.field('  Versions', t(k.status, LIMIT.line));
    if (k.source === 'cve') o.field('  Match', `${t(k.confidence, LIMIT.name)} confidence, by ${k.matchedBy.map((x) => t(x, LIMIT.name)).join(', ')} (CVE index)`);
    if (k.fixedIn.length) o.field('  Fixed in', k.fixedIn.map((x) => t(x, LIMIT.name)).join(', '));
    for (const w of k.workarounds) o.field('  Workaround', t(w));
    for (const ref of k.references) o.field('  Reference', t(ref, LIMIT.line));
    for (const ev of k.evidence) o.field('  Evidence', `${t(fmtSource(ev.source, ev.line))}  ${t(ev.text, LIMIT.line)}`);
  }
}

function recommendations(o: Out, r: Report): void {
  const rs = r.diagnosis.recommendations;
  o.heading('RECOMMENDATIONS');
  if (rs.length === 0) o.push('  none');
  rs.forEach((x, i) => {
    const n = `  ${i + 1}. `;
    wrap(t(x.text), Math.max(20, o.width - n.length)).forEach((l, j) => o.push(`${j === 0 ? n : ' '.repeat(n.length)}${l}`));
    for (const c of x.commands ?? []) o.push(`${' '.repeat(n.length)}  $ ${t(c, LIMIT.line)}`);
    if (x.because.length) o.push(`${' '.repeat(n.length)}${o.c('dim', `because: ${x.because.map((b) => t(b, LIMIT.name)).join(', ')}`)}`);
  });
}

function events(o: Out, r: Report): void {
  const roles = eventRoles(r);
  const cul = r.diagnosis.culprit;
  const thirdParty = new Set(r.modules.filter((m) => m.thirdParty).map((m) => m.name));
  if (cul?.thirdParty && cul.module) thirdParty.add(cul.module);
  o.heading(`EVENTS (${r.events.length}${r.eventsOmitted.count ? ` + ${r.eventsOmitted.count} omitted` : ''})`);
  if (r.events.length === 0) o.push('  none');
  for (const e of r.events) {
    const labels = roleLabels(roles.get(e.index));
    o.push();
    o.push(`  ${o.c('bold', `#${e.index} ${t(e.kind, LIMIT.name)}`)}  ${o.c('bold', t(eventTitle(e), LIMIT.line))}${labels.length ? `  ${o.c('magenta', `[${labels.join(', ')}]`)}` : ''}`);
    const facts = [
      fmtTime(e.time), t(fmtTask(e.task)), e.cpu != null ? `CPU ${t(e.cpu)}` : '',
      e.taint ? `taint ${t(fmtTaintRaw(e.taint))}` : '', t(fmtSource(e.source.file, e.source.startLine, e.source.endLine)),
    ].filter(Boolean);
    o.push(`     ${o.c('dim', facts.join('  '))}`);
    if (e.header) o.push(`     ${t(e.header, LIMIT.line)}`);
    if (reportDamaged(e)) o.push(`     ${o.c('yellow', `report corrupted${e.corruptedReason ? `: ${t(e.corruptedReason, LIMIT.line)}` : ''}`)}`);
    const details = Object.entries(e.details).slice(0, 50);
    if (details.length) o.push(`     ${o.c('dim', details.map(([k, v]) => `${t(k, LIMIT.name)}=${t(v, LIMIT.name)}`).join('  '))}`);
    if (e.rip) {
      const mark = isCulpritFrame(e.rip, cul);
      o.push(`   ${mark ? o.c(['bold', 'red'], '>') : ' '}   RIP: ${mark ? o.c(['bold', 'red'], t(fmtLoc(e.rip))) : t(fmtLoc(e.rip))}${mark ? o.c('red', '  <- culprit') : ''}`);
    }
    const { frames, omitted } = shownFrames(e);
    if (frames.length) {
      o.push('     Call Trace:');
      let ctx: string | null = 'task';
      for (const f of frames) {
        if (f.context && f.context !== ctx) {
          o.push(`        ${o.c('dim', `<${t(f.context, 16).toUpperCase()}>`)}`);
          ctx = f.context;
        }
        const mark = isCulpritFrame(f, cul);
        const loc = t(fmtLoc(f), LIMIT.line);
        const style: Style[] = mark ? ['bold', 'red'] : f.reliable === false ? ['dim'] : f.module && thirdParty.has(f.module) ? ['yellow'] : [];
        const body = style.length ? o.c(style, loc) : loc;
        o.push(`   ${mark ? o.c(['bold', 'red'], '>') : ' '}  ${f.reliable === false ? '?' : ' '} ${body}${mark ? o.c('red', '  <- culprit') : ''}`);
      }
      if (omitted) o.push(`        ... ${omitted} more frames`);
    }
  }
  if (r.eventsOmitted.count) {
    o.push();
    o.push(`  ${r.eventsOmitted.count} more events, by title:`);
    for (const [title, n] of Object.entries(r.eventsOmitted.byTitle).slice(0, 100)) o.push(`    ${t(n, 20)}  ${t(title, LIMIT.line)}`);
  }
  if (r.events.some((e) => e.frames.length)) {
    o.push();
    o.push(o.c('dim', '  > culprit frame   ? unreliable frame (the unwinder was not sure)'));
  }
}

function gaps(o: Out, r: Report): void {
  if (r.gaps.length === 0) return;
  o.heading(o.c('yellow', `GAPS (${r.gaps.length}): some input could only be read in part`));
  for (const g of r.gaps) o.push(`  ${t(g.source, LIMIT.name)}: ${t(g.what, LIMIT.line)}`);
}

/** The sections of one incident. */
function incident(o: Out, r: Report): void {
  verdict(o, r);
  primary(o, r);
  kernel(o, r);
  fromDump(o, r);
  chain(o, r);
  findings(o, r);
  knownIssues(o, r);
  recommendations(o, r);
  events(o, r);
}

/** The text report: with several incidents, their number and headlines first, then each in full. */
export function renderText(input: Report, opts: TextOptions = {}): string {
  const r = normalizeReport(input);
  const width = Math.min(400, Math.max(40, Math.trunc(Number(opts.width) || 100)));
  const o = new Out(Boolean(opts.color), width);
  const srcs = r.sources.map((s) => t(s.file, LIMIT.name));
  o.push(o.c('bold', `ktriage ${t(r.tool.version, 40)}`) + o.c('dim', ` · ${srcs.length} source${srcs.length === 1 ? '' : 's'}${srcs.length ? `: ${srcs.slice(0, 5).join(', ')}${srcs.length > 5 ? ', ...' : ''}` : ''}`));
  const n = r.incidents.length;
  if (n > 1) {
    o.heading(`${n} INCIDENTS (nothing links across them)`);
    r.incidents.forEach((inc, i) => {
      o.field(`#${i + 1}`, t(verdictOf(incidentReport(r, i)).headline, LIMIT.line), 'bold');
      o.field('', t(fmtParts(inc.parts)));
    });
  }
  gaps(o, r);
  if (n <= 1) incident(o, r);
  else {
    r.incidents.forEach((inc, i) => {
      o.heading(o.c(['bold', 'cyan'], `=== INCIDENT ${i + 1} of ${n}: ${t(fmtParts(inc.parts))} ===`));
      if (inc.splitReason) o.field('Why apart', t(inc.splitReason));
      incident(o, incidentReport(r, i));
    });
  }
  return `${o.lines.join('\n')}\n`;
}
