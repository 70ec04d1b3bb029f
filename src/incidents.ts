// Incidents (DECISIONS.md 6): an incident is one boot of one machine that holds crash events. The inputs of
// `ktriage analyze` are cut into units (a boot of a log that holds reports; a dump or crash session with
// what its own log says), and units are grouped: a unit joins the first incident whose facts it does not
// contradict (release, build id, hostname, the reports both print, the panic string, the dump's uptime and
// crash time). Two boots of one input never share an incident. Whatever does not fit starts an incident of
// its own, and says why.

import type { CrashEvent, DumpFacts, KernelInfo, PanicInfo } from './model/types.js';
import type { BootFacts, LogReadResult } from './readers/log/index.js';

/** What one input gave: its log (if any), and for a dump or crash session the facts besides the log. */
export interface Part {
  name: string;
  log: LogReadResult | null;
  /** Facts of the input as a whole (crash's `sys`, the vmcore's utsname), before those of its log. */
  kernel: Partial<KernelInfo>;
  dump: DumpFacts | null;
  /** crash's `sys` PANIC string. */
  panicMessage: string | null;
  /** Seconds since boot at the dump (crash's UPTIME), null if unknown. */
  dumpUptime: number | null;
  /** When the dump was taken (crash's DATE, the vmcore's CRASHTIME) as ISO 8601 UTC, null if unknown. */
  crashTime: string | null;
  buildId: string | null;
  /** Whether the input is a dump or crash session (its facts describe the crashed kernel's last moment). */
  isDump: boolean;
}

/** One boot of one input (or a dump without reports): the smallest piece an incident is made of. */
export interface Unit {
  part: number;
  source: string;
  boot: BootFacts | null;
  events: CrashEvent[];
  /** Whether the part's dump facts describe this unit (a dump's own log: its last boot with reports). */
  withDump: boolean;
}

export interface Grouping {
  units: number[];
  splitReason: string | null;
}

const PANIC_PREFIX = /^\s*Kernel panic - not syncing:\s*/;

function normPanic(s: string): string {
  return s.replace(PANIC_PREFIX, '').replace(/\s*\(check log for details\)\s*$/, '').replace(/^"|"$/g, '').trim();
}

/** crash's `UPTIME: 00:01:22` or `1 days, 02:03:04` in seconds. */
export function parseUptime(s: string | undefined): number | null {
  if (!s) return null;
  const m = /^\s*(?:(\d+) days?,\s*)?(\d+):(\d\d):(\d\d)\s*$/.exec(s);
  if (!m) return null;
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** crash's `DATE: Mon Nov 23 09:00:45 UTC 2026` as ISO 8601 when its zone is UTC, else null. */
export function parseCrashDate(s: string | undefined): string | null {
  if (!s) return null;
  const m = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)\s+(UTC|GMT)\s+(\d{4})\s*$/.exec(s);
  if (!m) return null;
  const mon = MONTHS.indexOf(m[1]!);
  if (mon < 0) return null;
  const t = Date.UTC(Number(m[7]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : null;
}

/** Cuts every input into units. Reports printed by a kdump capture kernel belong to no incident. */
export function unitsOf(parts: Part[]): { units: Unit[]; captureEvents: { source: string; count: number }[] } {
  const units: Unit[] = [];
  const captureEvents: { source: string; count: number }[] = [];
  parts.forEach((p, pi) => {
    const byBoot = new Map<number, CrashEvent[]>();
    for (const e of p.log?.events ?? []) {
      let l = byBoot.get(e.boot);
      if (!l) byBoot.set(e.boot, (l = []));
      l.push(e);
    }
    const facts = new Map<number, BootFacts>((p.log?.bootFacts ?? []).map((b) => [b.index, b]));
    const mine: Unit[] = [];
    let captured = 0;
    for (const [boot, events] of [...byBoot.entries()].sort((a, b) => a[0] - b[0])) {
      const bf = facts.get(boot) ?? null;
      if (bf?.capture) {
        captured += events.length;
        continue;
      }
      mine.push({ part: pi, source: p.name, boot: bf, events, withDump: false });
    }
    if (captured > 0) captureEvents.push({ source: p.name, count: captured });
    if (p.isDump) {
      // A dump's log is the crashed kernel's: its dump facts are those of its last boot with reports.
      if (mine.length > 0) mine[mine.length - 1]!.withDump = true;
      else mine.push({ part: pi, source: p.name, boot: null, events: [], withDump: true });
    }
    units.push(...mine);
  });
  return { units, captureEvents };
}

/** Two prints of one report: same header and task, and the same time stamp where both have one. */
function sameReport(a: CrashEvent, b: CrashEvent): boolean {
  if (a.header.trim() !== b.header.trim()) return false;
  if (a.task.pid !== null && b.task.pid !== null && a.task.pid !== b.task.pid) return false;
  if (a.time.uptime !== null && b.time.uptime !== null && Math.abs(a.time.uptime - b.time.uptime) > 0.001) return false;
  return true;
}

/** What a group of units says, as the checks below compare it. */
interface Facts {
  release: { v: string; from: string } | null;
  hostname: { v: string; from: string } | null;
  buildId: { v: string; from: string } | null;
  events: CrashEvent[];
  panics: { v: string; from: string }[];
  /** The panicked report's (else the last report's) uptime, from a log. */
  lastUptime: { v: number; from: string } | null;
  dumpUptime: { v: number; from: string } | null;
  /** Wall-clock time of the crash: a dump's crash time, or the last report's wall clock. */
  crashTime: { v: string; from: string; absolute: boolean } | null;
}

function factsOf(parts: Part[], units: Unit[]): Facts {
  const f: Facts = { release: null, hostname: null, buildId: null, events: [], panics: [], lastUptime: null, dumpUptime: null, crashTime: null };
  for (const u of units) {
    const p = parts[u.part]!;
    const src = u.boot && (p.log?.boots ?? 1) > 1 ? `${u.source} (boot ${u.boot.index + 1})` : u.source;
    const rel = u.boot?.release ?? (u.withDump ? p.kernel.release : null) ?? (u.events[0]?.details.release as string | undefined) ?? null;
    if (rel && !f.release) f.release = { v: rel, from: src };
    const host = u.boot?.hostname ?? (u.withDump ? p.kernel.hostname : null) ?? null;
    if (host && !f.hostname) f.hostname = { v: host, from: src };
    if (u.withDump && p.buildId && !f.buildId) f.buildId = { v: p.buildId, from: src };
    f.events.push(...u.events);
    if (u.boot?.panic?.message) f.panics.push({ v: u.boot.panic.message, from: src });
    if (u.withDump && p.panicMessage) f.panics.push({ v: p.panicMessage, from: src });
    const last = u.events.find((e) => e.panicked && e.time.uptime !== null) ?? [...u.events].reverse().find((e) => e.time.uptime !== null);
    if (last && last.time.uptime !== null && !f.lastUptime) f.lastUptime = { v: last.time.uptime, from: src };
    if (u.withDump && p.dumpUptime !== null && !f.dumpUptime) f.dumpUptime = { v: p.dumpUptime, from: src };
    if (u.withDump && p.crashTime && !f.crashTime) f.crashTime = { v: p.crashTime, from: src, absolute: true };
    const wall = [...u.events].reverse().find((e) => e.time.wallclock)?.time.wallclock;
    if (wall && !f.crashTime) f.crashTime = { v: wall, from: src, absolute: /(?:Z|[+-]\d\d:?\d\d)$/.test(wall) };
  }
  return f;
}

/** Whether a panic string is told by the other side: its panic line, or a line of one of its reports. */
function panicFits(msg: string, panics: { v: string }[], events: CrashEvent[]): boolean {
  const m = normPanic(msg);
  if (m === '') return true;
  if (panics.some((p) => normPanic(p.v) === m)) return true;
  for (const e of events) {
    if (normPanic(e.header) === m) return true;
    const n = Math.min(e.lines.length, 60);
    for (let i = 0; i < n; i++) if (e.lines[i]!.includes(m)) return true;
  }
  return false;
}

const q = (s: string) => JSON.stringify(s.length > 100 ? s.slice(0, 100) + '…' : s);

/** Why a unit does not belong with a group of units ([] when nothing contradicts). */
export function disagreements(parts: Part[], group: Unit[], unit: Unit): string[] {
  const same = group.find((u) => u.part === unit.part);
  if (same) {
    const b = unit.boot;
    return [`${unit.source} rebooted${b ? ` (boot ${b.index + 1}, from line ${b.firstLine})` : ''}: each boot is an incident of its own`];
  }
  const a = factsOf(parts, group);
  const b = factsOf(parts, [unit]);
  const out: string[] = [];
  if (a.release && b.release && a.release.v !== b.release.v) out.push(`release ${a.release.v} (${a.release.from}) vs ${b.release.v} (${b.release.from})`);
  if (a.buildId && b.buildId && a.buildId.v !== b.buildId.v) out.push(`build id ${a.buildId.v} vs ${b.buildId.v}`);
  if (a.hostname && b.hostname && a.hostname.v !== b.hostname.v) out.push(`hostname ${a.hostname.v} (${a.hostname.from}) vs ${b.hostname.v} (${b.hostname.from})`);
  if (a.events.length > 0 && b.events.length > 0 && !a.events.some((x) => b.events.some((y) => sameReport(x, y)))) {
    const e1 = a.events[0]!;
    const e2 = b.events[0]!;
    const at = (e: CrashEvent) => (e.time.uptime !== null ? ` at ${e.time.uptime.toFixed(1)} s` : '');
    out.push(`no crash report in common (${a.release?.from ?? group[0]!.source}: ${q(e1.header.trim())}${at(e1)}; ${unit.source}: ${q(e2.header.trim())}${at(e2)})`);
  }
  const pa = a.panics[0];
  const pb = b.panics[0];
  if (pa && pb && normPanic(pa.v) !== normPanic(pb.v)) {
    out.push(`panic ${q(pa.v)} (${pa.from}) vs ${q(pb.v)} (${pb.from})`);
  } else if (!pa && pb && a.events.length > 0 && !panicFits(pb.v, [], a.events)) {
    out.push(`the panic ${q(pb.v)} (${pb.from}) is in none of the reports of ${group[0]!.source}`);
  } else if (pa && !pb && b.events.length > 0 && !panicFits(pa.v, [], b.events)) {
    out.push(`the panic ${q(pa.v)} (${pa.from}) is in none of the reports of ${unit.source}`);
  }
  // A dump is taken at the crash: the log's last report (the panicked one) comes within seconds of it
  // (crash's UPTIME is whole seconds from jiffies, which lag printk's clock by a second or two).
  const up = (d: Facts, l: Facts) => {
    if (d.dumpUptime && l.lastUptime && Math.abs(d.dumpUptime.v - l.lastUptime.v) > 10) {
      out.push(`the dump of ${d.dumpUptime.from} was taken ${d.dumpUptime.v} s after boot, the crash of ${l.lastUptime.from} came at ${l.lastUptime.v.toFixed(1)} s`);
    }
  };
  up(a, b);
  if (out.length === 0 || !a.dumpUptime) up(b, a);
  if (a.crashTime && b.crashTime) {
    const ta = Date.parse(a.crashTime.v);
    const tb = Date.parse(b.crashTime.v);
    // Without a zone a log's wall clock is local time: only a difference beyond any zone's offset counts.
    const tol = a.crashTime.absolute && b.crashTime.absolute ? 10 * 60e3 : 26 * 3600e3;
    if (Number.isFinite(ta) && Number.isFinite(tb) && Math.abs(ta - tb) > tol) {
      out.push(`crash time ${a.crashTime.v} (${a.crashTime.from}) vs ${b.crashTime.v} (${b.crashTime.from})`);
    }
  }
  return out;
}

/** Groups units into incidents, in input order: a unit joins the first incident it does not contradict. */
export function groupUnits(parts: Part[], units: Unit[]): Grouping[] {
  const groups: Grouping[] = [];
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    let firstReasons: string[] | null = null;
    let joined = false;
    for (const g of groups) {
      const why = disagreements(parts, g.units.map((k) => units[k]!), u);
      if (why.length === 0) {
        g.units.push(i);
        joined = true;
        break;
      }
      firstReasons ??= why;
    }
    if (!joined) {
      groups.push({
        units: [i],
        splitReason: !firstReasons ? null : firstReasons.length === 1 && firstReasons[0]!.includes(' rebooted') ? firstReasons[0]!
          : `does not fit incident 1: ${firstReasons.join('; ')}`,
      });
    }
  }
  return groups;
}

/** The panic of a group: its first boot's panic line (or implied panic), else null (the dump's comes later). */
export function panicOfUnits(units: Unit[]): PanicInfo | null {
  for (const u of units) if (u.boot?.panic) return u.boot.panic;
  return null;
}
