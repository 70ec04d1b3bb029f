// What every report format shares: a defensive copy of the report (a partial report still renders),
// formatting of times, tasks and code locations, the role each event plays in the diagnosis, and
// the length limits applied to strings from the crash.
import type {
  CodeLocation, Consequence, CrashEvent, Culprit, EventRef, EventTime, Finding, Frame, Incident, Report, Severity, Task,
} from '../model/types.js';
import { clip, str } from '../util/escape.js';

/** Longest string shown for each kind of field (longer ones are cut with `…[+N chars]`). */
export const LIMIT = { name: 160, line: 1000, text: 4000 } as const;
/** Frames shown per stack, lines per raw event excerpt. */
export const MAX_FRAMES = 200;
export const MAX_LINES = 400;

const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const obj = <T extends object>(v: unknown, dflt: T): T => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as T) : dflt);

/** A copy of `r` with every container present, so the formats can read a partial report. */
export function normalizeReport(input: Report): Report {
  const base = normalizeTop(input);
  const r = obj<Partial<Report>>(input, {});
  const list = arr<Partial<Incident>>(r.incidents).filter((i) => typeof i === 'object' && i !== null);
  // A report without the list (schema 1.0) is one incident: the top-level one.
  base.incidents = list.length === 0 ? [incidentOf(base, 0, null, [])] : list.map((inc, i) => {
    const n = normalizeTop({ ...r, ...inc } as Report);
    return incidentOf(n, i, typeof inc.splitReason === 'string' ? inc.splitReason : null, arr(inc.parts));
  });
  return base;
}

function incidentOf(n: Report, index: number, splitReason: string | null, parts: Incident['parts']): Incident {
  return {
    index, splitReason, parts, kernel: n.kernel, modules: n.modules, lastUnloaded: n.lastUnloaded, crash: n.crash,
    panic: n.panic, events: n.events, eventsOmitted: n.eventsOmitted, dump: n.dump, diagnosis: n.diagnosis,
  };
}

/** The report's (or one incident's) own fields, normalised; `incidents` is left empty. */
function normalizeTop(input: Report): Report {
  const r = obj<Partial<Report>>(input, {});
  const d = obj<Partial<Report['diagnosis']>>(r.diagnosis, {});
  const kernel = obj<Partial<Report['kernel']>>(r.kernel, {});
  return {
    schemaVersion: str(r.schemaVersion),
    tool: { name: 'ktriage', version: str(obj<{ version?: string }>(r.tool, {}).version) },
    sources: arr(r.sources),
    kernel: {
      release: kernel.release ?? null, version: kernel.version ?? null, arch: kernel.arch ?? null,
      hostname: kernel.hostname ?? null, hardware: kernel.hardware ?? null,
      taint: kernel.taint ? { raw: str(kernel.taint.raw), flags: arr(kernel.taint.flags) } : null,
    },
    modules: arr(r.modules),
    lastUnloaded: r.lastUnloaded ?? null,
    crash: r.crash ? { ...r.crash, task: obj(r.crash.task, { pid: null, comm: null }) } : null,
    panic: r.panic ? { ...r.panic, task: obj(r.panic.task, { pid: null, comm: null }) } : null,
    events: arr<CrashEvent>(r.events).filter((e) => typeof e === 'object' && e !== null).map((e, i) => ({
      ...e,
      index: typeof e.index === 'number' ? e.index : i,
      altTitles: arr(e.altTitles), frames: arr(e.frames), modules: arr(e.modules), lines: arr(e.lines),
      registers: obj(e.registers, {}), details: obj(e.details, {}),
      task: obj(e.task, { pid: null, comm: null }), time: obj(e.time, { uptime: null, wallclock: null }),
      source: obj(e.source, { file: '', startLine: 0, endLine: 0 }),
    })),
    eventsOmitted: { count: Number(obj<{ count?: number }>(r.eventsOmitted, {}).count) || 0, byTitle: obj(r.eventsOmitted?.byTitle, {}) },
    dump: r.dump ?? null,
    diagnosis: {
      rootCause: d.rootCause ? { ...d.rootCause, evidence: arr(d.rootCause.evidence) } : null,
      consequences: arr<Consequence>(d.consequences).map((c) => {
        const e = obj<Partial<EventRef>>(c.event, {});
        return {
          ...c,
          event: {
            index: typeof e.index === 'number' ? e.index : -1, kind: e.kind ?? 'unknown', title: str(e.title),
            task: obj(e.task, { pid: null, comm: null }), time: obj(e.time, { uptime: null, wallclock: null }),
          },
        };
      }),
      culprit: d.culprit ?? null,
      findings: arr<Finding>(d.findings).map((f) => ({ ...f, evidence: arr(f.evidence), events: arr(f.events), data: obj(f.data, {}) })),
      knownIssues: arr<Report['diagnosis']['knownIssues'][number]>(d.knownIssues).map((k) => ({
        ...k, fixedIn: arr(k.fixedIn), references: arr(k.references), workarounds: arr(k.workarounds), evidence: arr(k.evidence),
        source: k.source === 'cve' ? 'cve' as const : 'ktriage' as const, confidence: k.confidence ?? 'medium', matchedBy: arr(k.matchedBy),
        status: typeof k.status === 'string' ? k.status : '', fixCommit: typeof k.fixCommit === 'string' ? k.fixCommit : null,
      })),
      recommendations: arr<Report['diagnosis']['recommendations'][number]>(d.recommendations)
        .map((x) => ({ ...x, because: arr<string>(x.because) }))
        .sort((a, b) => (Number(a.priority) || 0) - (Number(b.priority) || 0)),
    },
    gaps: arr(r.gaps),
    incidents: [],
  };
}

/** `38.911720 s` (printk precision) and/or the wall-clock time; '' when neither is known. */
export function fmtTime(t: EventTime | null | undefined): string {
  if (!t) return '';
  const parts: string[] = [];
  if (typeof t.uptime === 'number' && Number.isFinite(t.uptime)) parts.push(`${t.uptime.toFixed(6)} s`);
  if (t.wallclock) parts.push(clip(str(t.wallclock), 40));
  return parts.join(' · ');
}

/** `comm (pid N)`, `pid N`, `comm`, or ''. Not escaped. */
export function fmtTask(t: Task | null | undefined): string {
  if (!t) return '';
  const comm = t.comm != null && t.comm !== '' ? clip(str(t.comm), LIMIT.name) : '';
  const pid = typeof t.pid === 'number' ? `pid ${t.pid}` : '';
  if (comm && pid) return `${comm} (${pid})`;
  return comm || pid;
}

const hex = (n: unknown): string => (typeof n === 'number' && Number.isFinite(n) ? `0x${Math.trunc(n).toString(16)}` : '');

/** `func+0x1a/0x40 [module]` (or the address when no symbol is known). Not escaped. */
export function fmtLoc(l: CodeLocation | null | undefined): string {
  if (!l) return '';
  let s = l.function ? clip(str(l.function), LIMIT.name) : (l.address ? `0x${clip(str(l.address), 40)}` : '?');
  if (l.function && l.offset != null) s += `+${hex(l.offset)}${l.size != null ? `/${hex(l.size)}` : ''}`;
  if (l.module) s += ` [${clip(str(l.module), LIMIT.name)}]`;
  return s;
}

/** `function [module]` for the root cause / culprit, '' when neither is known. */
export function fmtFuncModule(fn: string | null | undefined, mod: string | null | undefined): string {
  const f = fn ? clip(str(fn), LIMIT.name) : '';
  const m = mod ? `[${clip(str(mod), LIMIT.name)}]` : '';
  return [f, m].filter(Boolean).join(' ');
}

/**
 * The culprit's location as printed: its frame or `function [module]`, with `[module, hidden]` when the dump
 * found the module only outside the module list. Not escaped.
 */
export function fmtCulpritLoc(r: Report): string {
  const cul = r.diagnosis.culprit;
  if (!cul) return '';
  const loc = cul.frame ? fmtLoc(cul.frame) : fmtFuncModule(cul.function, cul.module);
  const hidden = !!cul.module && (r.dump?.loadedModules ?? []).some((m) => m.name === cul.module && m.hidden === true) &&
    !(r.dump?.loadedModules ?? []).some((m) => m.name === cul.module && m.hidden !== true);
  const tag = cul.module ? `[${clip(str(cul.module), LIMIT.name)}]` : '';
  return hidden && tag && loc.endsWith(tag) ? `${loc.slice(0, -1)}, hidden]` : loc;
}

/** Whether `f` is the culprit's frame (same function and module). */
export function isCulpritFrame(f: CodeLocation | null | undefined, c: Culprit | null | undefined): boolean {
  if (!f || !c || !c.function) return false;
  return f.function === c.function && (f.module ?? null) === (c.module ?? null);
}

const MODULE_FLAG_MEANING: Record<string, string> = {
  P: 'proprietary', O: 'out-of-tree', E: 'unsigned', U: 'unsupported', C: 'staging', F: 'force-loaded',
  X: 'auxiliary', T: 'randstruct', K: 'live-patched',
};

/** `OE: out-of-tree, unsigned` for a module's taint letters, '' when none. */
export function fmtModuleFlags(flags: string | null | undefined): string {
  const f = clip(str(flags), 16);
  if (!f) return '';
  const meanings = [...f].map((c) => MODULE_FLAG_MEANING[c]).filter(Boolean);
  return meanings.length ? `${f}: ${meanings.join(', ')}` : f;
}

/** `G           OE` as printed, with runs of spaces collapsed: `G OE`. */
export function fmtTaintRaw(raw: string | null | undefined): string {
  return clip(str(raw).trim().replace(/ {2,}/g, ' '), 40);
}

export interface EventRole {
  root: boolean;
  /** The rule linking the event to the root cause when it is a consequence. */
  rule: string | null;
  primary: boolean;
  panicked: boolean;
}

/** The role of each event (by index) in the diagnosis. */
export function eventRoles(r: Report): Map<number, EventRole> {
  const roles = new Map<number, EventRole>();
  for (const e of r.events) roles.set(e.index, { root: false, rule: null, primary: r.crash?.index === e.index, panicked: Boolean(e.panicked) });
  const rootIdx = r.diagnosis.rootCause?.event?.index;
  if (typeof rootIdx === 'number' && roles.has(rootIdx)) roles.get(rootIdx)!.root = true;
  for (const c of r.diagnosis.consequences) {
    const role = roles.get(c.event.index);
    if (role && role.rule === null) role.rule = str(c.rule);
  }
  return roles;
}

/** The role labels of one event, in a fixed order. */
export function roleLabels(role: EventRole | undefined): string[] {
  if (!role) return [];
  const out: string[] = [];
  if (role.root) out.push('root cause');
  if (role.rule !== null) out.push('consequence');
  if (role.primary) out.push('primary');
  if (role.panicked) out.push('panicked');
  return out;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Findings, most severe first (report order kept within a severity). */
export function sortedFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => ((SEVERITY_RANK[a.f.severity] ?? 5) - (SEVERITY_RANK[b.f.severity] ?? 5)) || a.i - b.i)
    .map((x) => x.f);
}

/** `console.log:392`, `console.log:357-390`, `vmcore`. Not escaped. */
export function fmtSource(file: unknown, start: unknown, end?: unknown): string {
  const f = clip(str(file), LIMIT.name);
  if (typeof start !== 'number' || start <= 0) return f;
  return typeof end === 'number' && end > start ? `${f}:${start}-${end}` : `${f}:${start}`;
}

/** The frames of an event to show (at most MAX_FRAMES) and how many were left out. */
export function shownFrames(e: CrashEvent): { frames: Frame[]; omitted: number } {
  return { frames: e.frames.slice(0, MAX_FRAMES), omitted: Math.max(0, e.frames.length - MAX_FRAMES) };
}

/** The event a diagnosis item names, when it is in the report. */
export function eventByIndex(r: Report, index: number | null | undefined): CrashEvent | undefined {
  return typeof index === 'number' ? r.events.find((e) => e.index === index) : undefined;
}

/** What every format leads with (issue 15): ktriage's verdict, one line of why, the syzbot title beside it. Not escaped. */
export interface Verdict {
  /** `null-deref in ktl_null_process [ktl_null], third-party module ktl_null (OE)`. */
  headline: string;
  /** The first sentence of the root cause's summary, null when there is none. */
  why: string | null;
  confidence: 'high' | 'medium' | 'low' | null;
  /** The primary crash's syzbot-style title as a field beside the verdict, null without a crash. */
  title: string | null;
}

/** The first sentence of `s` (up to `. ` before a capital letter), clipped. */
function firstSentence(s: string): string {
  const m = /^(.*?[^.\s])\.(?=\s+[A-Z(]|$)/s.exec(s);
  return (m ? m[1]! : s).replace(/\s+/g, ' ').trim();
}

/**
 * The syzbot title as shown beside the verdict. syzkaller writes `in corrupted` when its rules find no frame
 * to name; for a report that is intact that word would call it damaged, so it is shown as what it means.
 */
export function displayTitle(r: Report): string | null {
  const c = r.crash;
  if (!c) return null;
  return eventTitle(r.events.find((e) => e.index === c.index) ?? c);
}

/** An event's syzbot title as shown (see displayTitle). Not escaped. */
export function eventTitle(e: { title: string; corrupted: boolean; corruptedReason?: string | null; frames?: Frame[] }): string {
  const title = clip(str(e.title), LIMIT.line);
  if (!reportDamaged(e) && / in corrupted$/.test(title)) return `${title.replace(/ in corrupted$/, '')} (syzkaller's rules name no function)`;
  return title;
}

export function verdictOf(r: Report): Verdict {
  const rc = r.diagnosis.rootCause;
  const cul = r.diagnosis.culprit;
  if (!rc) {
    const vm = r.dump?.vmcore;
    if (!r.crash && vm) {
      // A vmcore exists because the kernel crashed: never "no crash found" for one.
      const where = vm.panicCpu != null ? ` on CPU ${vm.panicCpu}` : '';
      return {
        headline: `a crash${where} whose report could not be read: root cause unknown`,
        why: [
          vm.logRecords == null ? 'the dump\'s kernel log could not be read' : 'the dump\'s kernel log holds no crash report',
          vm.truncation ? describeDumpTruncation(vm.truncation) : '',
        ].filter(Boolean).join('; '),
        confidence: null, title: null,
      };
    }
    const headline = r.crash ? `root cause not determined for ${clip(str(r.crash.kind), LIMIT.name)}` : 'no crash found in the input';
    return { headline, why: null, confidence: null, title: displayTitle(r) };
  }
  const where = fmtFuncModule(rc.function, rc.module);
  let headline = `${clip(str(rc.kind), LIMIT.name)}${where ? ` in ${where}` : ''}`;
  if (cul?.thirdParty && cul.module) headline += `, third-party module ${clip(str(cul.module), LIMIT.name)}${cul.moduleFlags ? ` (${clip(str(cul.moduleFlags), 16)})` : ''}`;
  else if (cul && !cul.module && cul.function && rc.kind !== 'rootkit') headline += ', core kernel';
  return { headline, why: rc.summary ? firstSentence(str(rc.summary)) : null, confidence: rc.confidence, title: displayTitle(r) };
}

/** Incident `i` seen as a report of its own (the fields the formats read). */
export function incidentReport(r: Report, i: number): Report {
  const inc = r.incidents[i]!;
  return {
    ...r, kernel: inc.kernel, modules: inc.modules, lastUnloaded: inc.lastUnloaded, crash: inc.crash, panic: inc.panic,
    events: inc.events, eventsOmitted: inc.eventsOmitted, dump: inc.dump, diagnosis: inc.diagnosis, incidents: [inc],
  };
}

/** `console.log (boot 3, from line 778) + crash-session.txt`: what an incident is made of. Not escaped. */
export function fmtParts(parts: Report['incidents'][number]['parts']): string {
  return parts.map((p) => `${clip(str(p.source), LIMIT.name)}${p.boot != null && p.boot > 0 ? ` (boot ${p.boot + 1}${p.firstLine != null ? `, from line ${p.firstLine}` : ''})` : ''}`).join(' + ');
}

/** What the summary says beyond its first sentence (the verdict's why), '' when nothing. Not escaped. */
export function summaryRest(summary: string | null | undefined, why: string | null): string {
  const s = str(summary).replace(/\s+/g, ' ').trim();
  if (!s) return '';
  if (!why) return s;
  if (!s.startsWith(why)) return s;
  return s.slice(why.length).replace(/^\.\s*/, '').trim();
}

/**
 * Whether a report is damaged: syzkaller's `corrupted`, except its "extracted no frames" for a report whose
 * backtrace ktriage did read (its rules look for frames in their own way; the report is intact).
 */
export function reportDamaged(e: { corrupted: boolean; corruptedReason?: string | null; frames?: Frame[] }): boolean {
  if (!e.corrupted) return false;
  if (/no frames/.test(str(e.corruptedReason)) && (e.frames?.length ?? 0) > 0) return false;
  return true;
}

/** `file ends at 8.1 MB of 16.2 MB: 10,972 of 19,291 dumped pages missing`. Not escaped. */
export function describeDumpTruncation(t: { fileBytes: number; expectedBytes: number | null; pagesMissing: number; pagesTotal: number | null }): string {
  const mb = (n: number) => `${(Number(n) / 1e6).toFixed(1)} MB`;
  return `the file ends at ${mb(t.fileBytes)}${t.expectedBytes != null ? ` of ${mb(t.expectedBytes)}` : ''}: ` +
    `${Number(t.pagesMissing).toLocaleString('en-US')}${t.pagesTotal != null ? ` of ${Number(t.pagesTotal).toLocaleString('en-US')}` : ''} dumped pages missing`;
}

/**
 * What the input says about taint: the flags, `not tainted` only where a CPU line printed `Not tainted`,
 * else `unknown` (no report line to tell, e.g. a dump whose log could not be read). Not escaped.
 */
export function taintText(r: Report): string {
  const k = r.kernel.taint;
  if (k) return fmtTaintRaw(k.raw) || '-';
  const said = r.events.some((e) => e.lines.slice(0, 40).some((l) => /\bNot tainted\b/.test(str(l))));
  return said ? 'not tainted' : 'unknown (no CPU line of a report says)';
}

/** What a vmcore says, as label/value rows (format, crash time, panic CPU and RIP, build id, truncation). Not escaped. */
export function vmcoreRows(r: Report): [string, string][] {
  const v = r.dump?.vmcore;
  if (!v) return [];
  const rows: [string, string][] = [];
  rows.push(['Dump', `${clip(str(v.variant), LIMIT.name)}${v.dumpLevel != null ? `, dump level ${v.dumpLevel}` : ''}${v.compression?.length ? `, pages ${v.compression.map((c) => clip(str(c), 16)).join('/')}` : ''}`]);
  rows.push(['Crash time', v.crashTime ? `${clip(str(v.crashTime), 40)} (the dump's CRASHTIME)` : 'unknown (the dump records none)']);
  if (v.panicCpu != null) {
    const rip = v.registers?.RIP ?? v.registers?.rip;
    rows.push(['Panic CPU', `${v.panicCpu}${v.panicCpuReason ? ` (${clip(str(v.panicCpuReason), LIMIT.line)})` : ''}${rip ? `, RIP ${clip(str(rip), 40)}` : ''}`]);
  } else rows.push(['Panic CPU', 'unknown']);
  if (v.buildId) rows.push(['Build id', clip(str(v.buildId), 80)]);
  if (v.truncation) rows.push(['Truncated', describeDumpTruncation(v.truncation)]);
  return rows;
}

/**
 * When the condition a report describes began (issue 15 item 4): the report's time minus "stuck for N s"
 * (soft lockup) or "blocked for more than N s" (hung task), on the uptime clock and, where the log has
 * one, the wall clock. '' when the report says no duration. Not escaped.
 */
export function sinceText(e: CrashEvent | undefined): string {
  if (!e) return '';
  const stuck = typeof e.details.stuckSeconds === 'number' ? e.details.stuckSeconds : null;
  const blocked = typeof e.details.blockedSeconds === 'number' ? e.details.blockedSeconds : null;
  const n = stuck ?? blocked;
  if (n === null || !Number.isFinite(n)) return '';
  const parts: string[] = [];
  if (typeof e.time.uptime === 'number') parts.push(`${Math.max(0, e.time.uptime - n).toFixed(1)} s after boot`);
  const w = e.time.wallclock ? Date.parse(str(e.time.wallclock)) : NaN;
  if (Number.isFinite(w)) parts.push(new Date(w - n * 1000).toISOString().replace('.000Z', 'Z'));
  if (parts.length === 0) return '';
  return stuck !== null ? `spinning since ${parts.join(' · ')} (stuck for ${n} s when reported)` : `blocked since ${parts.join(' · ')} or earlier (more than ${n} s when reported)`;
}

/** `18.2 s after the root` (or `before`) for a chain link, '' when either time is unknown. */
export function gapText(from: EventTime | null | undefined, to: EventTime | null | undefined): string {
  if (typeof from?.uptime !== 'number' || typeof to?.uptime !== 'number') return '';
  const d = to.uptime - from.uptime;
  return d >= 0 ? `${d.toFixed(1)} s after the root` : `${(-d).toFixed(1)} s before the root`;
}

/** The taint at the panic when it differs from the first report's (`G OEL`: an L gained on the way), else ''. Not escaped. */
export function taintAtPanic(r: Report): string {
  const first = r.events[0]?.taint ?? null;
  const p = r.events.find((e) => e.panicked)?.taint ?? null;
  if (!p || fmtTaintRaw(p) === fmtTaintRaw(first)) return '';
  const gained = [...fmtTaintRaw(p).replace(/\s/g, '')].filter((c) => !fmtTaintRaw(first).includes(c));
  return `${fmtTaintRaw(p)}${gained.length ? ` (gained ${gained.join('')} after the first report)` : ''}`;
}

/** A backtrace in one line, innermost first (`?` marks unreliable frames). Not escaped. */
function stackLine(frames: Frame[] | undefined, max: number, hidden: { name: string; lo: bigint; hi: bigint }[] = []): string {
  const inHidden = (a: string | null | undefined): string | null => {
    if (!a || !/^[0-9a-f]{1,16}$/i.test(a)) return null;
    const v = BigInt(`0x${a}`);
    return hidden.find((m) => v >= m.lo && v < m.hi)?.name ?? null;
  };
  const fs = (frames ?? []).slice(0, max).map((f) => {
    const h = f.function ? null : inHidden(f.address);
    const mod = f.module ? ` [${clip(str(f.module), LIMIT.name)}]` : h ? ` [${clip(str(h), LIMIT.name)}, hidden]` : '';
    return `${f.reliable === false ? '? ' : ''}${clip(str(f.function ?? f.address ?? '?'), LIMIT.name)}${mod}`;
  });
  return fs.join(' < ') + ((frames?.length ?? 0) > max ? ' < …' : '');
}

/**
 * What ktriage read from a vmcore's own kernel objects ("From the dump"), as label/value rows: system, panic
 * task and its stack, on-CPU and blocked tasks, modules (hidden ones named), the system call table. Empty
 * for a report without such facts. Not escaped.
 */
export function dumpObjectRows(r: Report): [string, string][] {
  const d = r.dump;
  if (!d?.vmcore || (!(d.tasks?.length) && !(d.loadedModules?.length) && !(d.syscallTable?.length))) return [];
  const rows: [string, string][] = [];
  const sys = d.sys ?? {};
  const sysBits = [
    sys['UPTIME'] ? `uptime ${sys['UPTIME']}` : '', sys['LOAD AVERAGE'] ? `load ${sys['LOAD AVERAGE']}` : '',
    sys['MEMORY'] ? `memory ${sys['MEMORY']}` : '', d.tasks?.length ? `${d.tasks.length} tasks` : '',
  ].filter(Boolean);
  if (sysBits.length) rows.push(['System', clip(sysBits.join(', '), LIMIT.line)]);
  const bts = d.backtraces ?? [];
  const hidden = (d.loadedModules ?? []).filter((m) => m.hidden && typeof m.base === 'string' && /^[0-9a-f]{1,16}$/i.test(m.base) && typeof m.size === 'number')
    .map((m) => ({ name: str(m.name), lo: BigInt(`0x${m.base}`), hi: BigInt(`0x${m.base}`) + BigInt(Math.max(0, Math.trunc(m.size!))) }));
  const panicBt = bts.find((b) => b.command === 'bt (panic task)');
  if (sys['PID']) rows.push(['Panic task', `${clip(str(sys['COMMAND'] ?? '?').replace(/^"(.*)"$/, '$1'), LIMIT.name)} (pid ${clip(str(sys['PID']), 20)})${sys['CPU'] ? ` on CPU ${clip(str(sys['CPU']), 20)}` : ''}${sys['TASK'] ? `, task ${clip(str(sys['TASK']), 40)}` : ''}`]);
  if (panicBt) rows.push(['Panic stack', stackLine(panicBt.frames, 10, hidden) || '(no frames)']);
  for (const b of bts.filter((x) => x.command === 'bt -a (on CPU)').slice(0, 16)) {
    rows.push([`CPU ${b.cpu ?? '?'}`, `${clip(str(b.comm ?? '?'), LIMIT.name)} (pid ${b.pid ?? '?'}): ${stackLine(b.frames, 6, hidden) || '(no frames)'}`]);
  }
  const blocked = (d.tasks ?? []).filter((t) => t.state === 'UN');
  if (blocked.length) {
    rows.push(['Blocked (D)', `${blocked.length} task${blocked.length > 1 ? 's' : ''}: ${blocked.slice(0, 8).map((t) => `${clip(str(t.comm), LIMIT.name)} (pid ${t.pid})`).join(', ')}${blocked.length > 8 ? ', …' : ''}`]);
    for (const b of bts.filter((x) => x.command === 'bt (blocked task)').slice(0, 4)) rows.push(['', `${clip(str(b.comm ?? '?'), LIMIT.name)} (pid ${b.pid ?? '?'}): ${stackLine(b.frames, 8, hidden)}`]);
  }
  const mods = d.loadedModules ?? [];
  if (mods.length) {
    const hidden = mods.filter((m) => m.hidden);
    rows.push(['Modules', `${mods.length - hidden.length} on the module list${hidden.length ? `; HIDDEN from it: ${hidden.slice(0, 8).map((m) => `${clip(str(m.name), LIMIT.name)} at ${clip(str(m.base ?? '?'), 40)}, ${m.size ?? '?'} bytes (in ${(m.foundIn ?? []).map((x) => clip(str(x), 40)).join(', ')})`).join('; ')}` : ''}`]);
  }
  const sc = d.syscallTable ?? [];
  if (sc.length) {
    const out = sc.filter((s) => s.suspicious);
    rows.push(['Syscalls', `sys_call_table: ${sc.length} entries, ${out.length ? `${out.length} outside kernel text: ${out.slice(0, 8).map((s) => `${s.number} ${clip(str(s.syscall ?? '?'), LIMIT.name)} -> ${clip(str(s.address), 40)}${s.owner ? ` [${clip(str(s.owner), LIMIT.name)}]` : ''}`).join(', ')}` : 'all in kernel text'}`]);
  }
  const strs = d.strings ?? [];
  if (strs.length) rows.push(['Strings', `${strs.length} in hidden module memory (see the hidden-module finding)`]);
  return rows;
}
