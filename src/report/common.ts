// What every report format shares: a defensive copy of the report (a partial report still renders),
// formatting of times, tasks and code locations, the role each event plays in the diagnosis, and
// the length limits applied to strings from the crash.
import type {
  CodeLocation, Consequence, CrashEvent, Culprit, EventRef, EventTime, Finding, Frame, Report, Severity, Task,
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
