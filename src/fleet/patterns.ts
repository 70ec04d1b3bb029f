// Patterns across hosts, found in the crashes a fleet store holds: fleet-simultaneous, fleet-spreading,
// fleet-compromise, fleet-regression (docs/fleet.md gives each test). Pure functions over crash rows, so the
// simulator's ground truth can check them without a database. A crash loop (one host, one bucket, crashes
// within an hour of the previous one) counts as one incident everywhere.
import { createHash } from 'node:crypto';
import { benjaminiHochberg, binomialSf, poissonSf } from './stats.js';
import { branchOf, compareFleetVersions } from './versions.js';
import { compareVersions } from '../knowledge/version.js';
import { DAY_MS, INTEGRITY_FINDINGS } from './store.js';
import type { Sql } from './db.js';

export interface PatternCrash {
  id: number; host: string; timeMs: number; bucket: string | null; title: string;
  labels: Record<string, string>; kernelVersion: string | null; findings: string[];
}

export type PatternId = 'fleet-simultaneous' | 'fleet-spreading' | 'fleet-compromise' | 'fleet-regression';

export interface Pattern {
  id: PatternId;
  /** Stable key of this occurrence (same data, same key). */
  key: string;
  severity: 'critical' | 'high' | 'medium';
  summary: string;
  start: string; end: string; startMs: number; endMs: number;
  hosts: string[];
  buckets: { id: string | null; title: string; crashes: number }[];
  /** Label values every host of the pattern shares. */
  labels: Record<string, string>;
  statistics: Record<string, number | string | null>;
  /** The crashes it rests on (at most 200): id, host, time, labels. */
  evidence: { crash: number; host: string; time: string; labels: Record<string, string> }[];
  crashCount: number;
  /** fleet-compromise: first time each host showed the finding, in order (the infection curve). */
  curve?: { host: string; firstSeen: string }[];
}

/** What the service answers: the patterns, when they were computed, and whether crashes came since. */
export interface PatternResult {
  patterns: Pattern[];
  computedAt: string;
  /** True while a newer computation runs (the result is served meanwhile). */
  stale: boolean;
}

export interface PatternOptions {
  /** fleet-simultaneous window (default 5 minutes). */
  windowMs?: number;
  /** fleet-simultaneous: a scope's rate is taken over this much time either side of a window (default a day). */
  baselineMs?: number;
  /** Family-wise level of the Poisson tests (Bonferroni over windows × scopes; default 0.01). */
  alpha?: number;
  /** False-discovery rate of the regression tests (default 0.001). */
  fdr?: number;
  loopMs?: number;
  minHosts?: number;
}

const iso = (t: number) => new Date(t).toISOString();

/** Crash loops folded: one incident per (host, bucket) per hour of consecutive crashes. */
export function incidents(crashes: PatternCrash[], loopMs = 3_600_000): PatternCrash[] {
  const sorted = [...crashes].sort((a, b) => a.host.localeCompare(b.host) || String(a.bucket).localeCompare(String(b.bucket)) || a.timeMs - b.timeMs);
  const out: PatternCrash[] = [];
  let prev: PatternCrash | null = null;
  for (const c of sorted) {
    if (prev && prev.host === c.host && prev.bucket === c.bucket && c.timeMs - prev.timeMs <= loopMs) {
      prev = c; // the loop goes on: compare the next crash with the latest one
      continue;
    }
    out.push(c);
    prev = c;
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || a.id - b.id);
}




function keyOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

/**
 * The incidents a detection reads, column by column (a million of them in a few tens of MB), in time
 * order; strings are indexes into the dictionaries beside them. Built from crash rows (columnsOf) or, in
 * the service, read from the store a day at a time with the crash loops folded in SQL (loadColumns).
 */
export interface IncidentColumns {
  n: number;
  id: Float64Array;
  time: Float64Array;
  host: Int32Array;
  /** Index into `buckets`, -1 for none. */
  bucket: Int32Array;
  /** Index into `labelSets`. */
  lset: Int32Array;
  /** Index into `kernels`, -1 for none. */
  kver: Int32Array;
  hosts: string[];
  buckets: string[];
  /** The title of each bucket's first incident. */
  titles: string[];
  labelSets: Record<string, string>[];
  kernels: string[];
  /** Integrity findings of the rows that have one. */
  integrity: Map<number, string[]>;
}

class Dict {
  readonly index = new Map<string, number>();
  readonly list: string[] = [];
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(s, i);
      this.list.push(s);
    }
    return i;
  }
}

/** Accumulates incidents (pushed in time order) into columns. */
export class ColumnBuilder {
  private ids: number[] = [];
  private times: number[] = [];
  private hostIx: number[] = [];
  private bucketIx: number[] = [];
  private lsetIx: number[] = [];
  private kverIx: number[] = [];
  private readonly hosts = new Dict();
  private readonly buckets = new Dict();
  private readonly titles: string[] = [];
  private readonly lsets = new Dict();
  private readonly labelSets: Record<string, string>[] = [];
  private readonly kernels = new Dict();
  private readonly integrity = new Map<number, string[]>();

  /** `labels` as an object or as its JSON text (PostgreSQL's jsonb output); `title` is read for a new bucket only. */
  push(id: number, timeMs: number, host: string, bucket: string | null, title: () => string, labels: string | Record<string, string>,
    kernelVersion: string | null, findings: readonly string[] | null): void {
    const row = this.ids.length;
    this.ids.push(id);
    this.times.push(timeMs);
    this.hostIx.push(this.hosts.id(host));
    if (bucket === null) this.bucketIx.push(-1);
    else {
      const n = this.buckets.list.length;
      const b = this.buckets.id(bucket);
      if (b === n) this.titles.push(title());
      this.bucketIx.push(b);
    }
    const text = typeof labels === 'string' ? labels : JSON.stringify(labels);
    const n = this.lsets.list.length;
    const l = this.lsets.id(text);
    if (l === n) this.labelSets.push(typeof labels === 'string' ? (JSON.parse(labels) as Record<string, string>) : labels);
    this.lsetIx.push(l);
    this.kverIx.push(kernelVersion === null ? -1 : this.kernels.id(kernelVersion));
    const bad = findings?.filter((f) => INTEGRITY_FINDINGS.has(f));
    if (bad && bad.length) this.integrity.set(row, bad);
  }

  get length(): number {
    return this.ids.length;
  }

  finish(): IncidentColumns {
    return {
      n: this.ids.length, id: Float64Array.from(this.ids), time: Float64Array.from(this.times), host: Int32Array.from(this.hostIx),
      bucket: Int32Array.from(this.bucketIx), lset: Int32Array.from(this.lsetIx), kver: Int32Array.from(this.kverIx),
      hosts: this.hosts.list, buckets: this.buckets.list, titles: this.titles, labelSets: this.labelSets, kernels: this.kernels.list,
      integrity: this.integrity,
    };
  }
}

/** The columns of crash rows, crash loops folded. */
export function columnsOf(all: PatternCrash[], loopMs?: number): IncidentColumns {
  const b = new ColumnBuilder();
  for (const c of incidents(all, loopMs)) b.push(c.id, c.timeMs, c.host, c.bucket, () => c.title, c.labels, c.kernelVersion, c.findings);
  return b.finish();
}

/**
 * The incidents of [from, to) from the store, one day per statement (PGlite runs in the server's thread:
 * between two statements the event loop serves requests and ingest). The crash loops are folded in SQL:
 * a crash is kept when its host's previous crash of the same bucket is more than loopMs older (the
 * statement reads that far back). Only the integrity findings leave the database.
 */
export async function loadColumns(db: Sql, fromMs: number, toMs: number, opt: { loopMs?: number; chunkMs?: number; parallel?: number } = {}): Promise<IncidentColumns> {
  const loop = opt.loopMs ?? 3_600_000;
  const chunk = opt.chunkMs ?? DAY_MS;
  const b = new ColumnBuilder();
  const newBuckets: { row: number; bucket: string }[] = [];
  const titles = new Map<string, string>();
  // The next day's statement runs while this one's rows are read (PostgreSQL: on another core).
  const fetch = (a: number) => handled(db.query<{ id: string | number; host: string; bucket2: string | null; time_ms: string | number; labels: string; kernel_version: string | null; findings: string[] | null }>(
    `WITH c AS (SELECT id, host, bucket2, time_ms, labels, kernel_version, findings,
                  lag(time_ms) OVER (PARTITION BY host, bucket2 ORDER BY time_ms, id) AS prev
                FROM crashes WHERE time_ms >= $1 AND time_ms < $3 AND title <> '')
     SELECT id, host, bucket2, time_ms, labels::text AS labels, kernel_version,
       CASE WHEN findings && $5::text[] THEN findings END AS findings
     FROM c WHERE time_ms >= $2 AND (prev IS NULL OR time_ms - prev > $4) ORDER BY time_ms, id`,
    [Math.max(fromMs, a - loop), a, Math.min(toMs, a + chunk), loop, [...INTEGRITY_FINDINGS]]));
  // Up to `parallel` statements in flight (PostgreSQL: other cores work while these rows are read).
  const pending: Promise<Awaited<ReturnType<typeof fetch>>>[] = [];
  let a = fromMs;
  const more = () => {
    while (pending.length < Math.max(1, opt.parallel ?? 1) && a < toMs) {
      pending.push(fetch(a));
      a += chunk;
    }
  };
  more();
  while (pending.length) {
    const rows = await pending.shift()!;
    more();
    for (const r of rows) {
      if (r.bucket2 !== null && !titles.has(r.bucket2)) {
        titles.set(r.bucket2, '');
        newBuckets.push({ row: b.length, bucket: r.bucket2 });
      }
      b.push(Number(r.id), Number(r.time_ms), r.host, r.bucket2, () => '', r.labels, r.kernel_version, r.findings);
    }
  }
  const cols = b.finish();
  // Each bucket's title: that of its first incident (one row by id per bucket).
  if (newBuckets.length) {
    const ids = newBuckets.map((x) => cols.id[x.row]!);
    const tr = await db.query<{ id: string | number; title: string }>(`SELECT id, title FROM crashes WHERE id = ANY($1::bigint[])`, [ids]);
    const byId = new Map<number, string>(tr.map((r) => [Number(r.id), r.title]));
    for (const x of newBuckets) cols.titles[cols.bucket[x.row]!] = byId.get(cols.id[x.row]!) ?? '';
  }
  return cols;
}

/** A promise whose rejection is reported where it is awaited, never as an unhandled one meanwhile. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

export function detectPatterns(all: PatternCrash[], opt: PatternOptions = {}): Pattern[] {
  return detectColumns(columnsOf(all, opt.loopMs), opt);
}

/**
 * The four detectors over incidents in columns, one per step. A burst already explained as simultaneous
 * (every crash of every significant window of its bucket or scope) is no evidence of a rate that rises
 * with a version: the first step's burst mask feeds the last.
 */
function* detectorSteps(c: IncidentColumns, opt: PatternOptions): Generator<Pattern[]> {
  if (c.n === 0) return;
  const burst = new Uint8Array(c.n);
  yield simultaneous(c, opt, burst);
  yield spreading(c, opt);
  yield compromise(c);
  yield regression(c, opt, burst);
}

/** The four detectors over incidents in columns (columnsOf, loadColumns). */
export function detectColumns(c: IncidentColumns, opt: PatternOptions = {}): Pattern[] {
  return [...detectorSteps(c, opt)].flat();
}

/**
 * The same, giving the event loop a turn between the detectors (the service: each takes up to a few
 * seconds at 1M incidents, and requests and ingest must not wait for all of them).
 */
export async function detectColumnsYielding(c: IncidentColumns, opt: PatternOptions = {}): Promise<Pattern[]> {
  const out: Pattern[] = [];
  for (const ps of detectorSteps(c, opt)) {
    out.push(...ps);
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

function labelsOf(c: IncidentColumns, rows: ArrayLike<number>): Record<string, string> {
  if (rows.length === 0) return {};
  const out: Record<string, string> = { ...c.labelSets[c.lset[rows[0]!]!]! };
  const seen = new Set<number>();
  for (let k = 0; k < rows.length; k++) {
    const l = c.lset[rows[k]!]!;
    if (seen.has(l)) continue;
    seen.add(l);
    const ls = c.labelSets[l]!;
    for (const key of Object.keys(out)) if (ls[key] !== out[key]) delete out[key];
  }
  return out;
}

function bucketsOfRows(c: IncidentColumns, rows: ArrayLike<number>) {
  const m = new Map<number, { id: string | null; title: string; crashes: number }>();
  for (let k = 0; k < rows.length; k++) {
    const b = c.bucket[rows[k]!]!;
    let e = m.get(b);
    if (!e) m.set(b, (e = { id: b < 0 ? null : c.buckets[b]!, title: b < 0 ? '' : c.titles[b]!, crashes: 0 }));
    e.crashes++;
  }
  return [...m.values()].sort((a, b) => b.crashes - a.crashes);
}

function evidenceRows(c: IncidentColumns, rows: ArrayLike<number>) {
  const out = [];
  for (let k = 0; k < Math.min(200, rows.length); k++) {
    const i = rows[k]!;
    out.push({ crash: c.id[i]!, host: c.hosts[c.host[i]!]!, time: iso(c.time[i]!), labels: c.labelSets[c.lset[i]!]! });
  }
  return out;
}

function hostsOfRows(c: IncidentColumns, rows: ArrayLike<number>): string[] {
  const s = new Set<string>();
  for (let k = 0; k < rows.length; k++) s.add(c.hosts[c.host[rows[k]!]!]!);
  return [...s].sort();
}

/**
 * fleet-simultaneous: in a window of W minutes (two grids offset by W/2), more distinct hosts crashed,
 * fleet-wide, within one label value or in one bucket fleet-wide, than that scope's own rate over the
 * data's active windows (those in which the fleet reported any crash) explains (Poisson upper tail,
 * Bonferroni over every window and scope tested). Overlapping significant windows are one episode,
 * reported in the scope with the smallest p-value. Counted with typed arrays: one pass per grid over the
 * incidents in time order, each window's distinct (scope, host) pairs in one set.
 */
function simultaneous(c: IncidentColumns, opt: PatternOptions, burst: Uint8Array): Pattern[] {
  const W = opt.windowMs ?? 300_000;
  const alpha = opt.alpha ?? 0.01;
  const minHosts = opt.minHosts ?? 3;
  const n = c.n;
  const t0 = c.time[0]!;
  const t1 = c.time[n - 1]!;
  // Scopes: 0 the fleet, then every label value and every bucket (in order of first appearance).
  const names: string[] = [''];
  const index = new Map<string, number>();
  const scope = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = names.length;
      index.set(s, i);
      names.push(s);
    }
    return i;
  };
  const lsetScopes = c.labelSets.map((l) => Int32Array.from(Object.entries(l).map(([k, v]) => scope(`${k}=${v}`))));
  const bucketScope = Int32Array.from(c.buckets.map((b) => scope(`bucket=${b}`)));
  const nS = names.length;
  const nH = c.hosts.length;
  // Hosts seen per scope, up to minHosts (a scope of fewer hosts is not tested).
  const hostsIn = new Int32Array(nS);
  const firstHosts: (Set<number> | undefined)[] = new Array(nS);
  const addHost = (s: number, h: number) => {
    if (hostsIn[s]! >= minHosts) return;
    const set = (firstHosts[s] ??= new Set());
    set.add(h);
    hostsIn[s] = set.size;
  };
  for (let i = 0; i < n; i++) {
    const h = c.host[i]!;
    const b = c.bucket[i]!;
    if (b >= 0) addHost(bucketScope[b]!, h);
    const ls = lsetScopes[c.lset[i]!]!;
    for (let k = 0; k < ls.length; k++) addHost(ls[k]!, h);
  }
  let tested = 1;
  for (let s = 1; s < nS; s++) if (hostsIn[s]! >= minHosts) tested++;
  interface Win { s: number; w: number; start: number; hosts: number; from: number; to: number; off: number }
  const wins: Win[] = [];
  // Per grid and scope, the windows it had hosts in and how many (in window order): the baseline.
  const series = [0, 1].map(() => Array.from({ length: nS }, () => ({ w: [] as number[], hosts: [] as number[] })));
  const active = [0, 0];
  const cnt = new Int32Array(nS);
  const touched: number[] = [];
  const seen = new Set<number>();
  // A host crashes once in most windows: its scopes are counted directly; only a host with several
  // incidents in one window goes through the set of (scope, host) pairs.
  const stamp = new Int32Array(nH).fill(-1);
  const times = new Int32Array(nH);
  let stampId = 0;
  const count = (s: number) => {
    if (cnt[s]++ === 0) touched.push(s);
  };
  const countOnce = (s: number, h: number) => {
    const key = s * nH + h;
    if (seen.has(key)) return;
    seen.add(key);
    count(s);
  };
  [0, W / 2].forEach((off, g) => {
    const sg = series[g]!;
    for (let i = 0; i < n;) {
      const w = Math.floor((c.time[i]! - t0 + off) / W);
      let j = i;
      stampId++;
      while (j < n && Math.floor((c.time[j]! - t0 + off) / W) === w) {
        const h = c.host[j]!;
        if (stamp[h] !== stampId) {
          stamp[h] = stampId;
          times[h] = 0;
        }
        times[h]!++;
        j++;
      }
      for (let k = i; k < j; k++) {
        const h = c.host[k]!;
        const b = c.bucket[k]!;
        const ls = lsetScopes[c.lset[k]!]!;
        if (times[h] === 1) {
          count(0);
          if (b >= 0) count(bucketScope[b]!);
          for (let x = 0; x < ls.length; x++) count(ls[x]!);
        } else {
          countOnce(0, h);
          if (b >= 0) countOnce(bucketScope[b]!, h);
          for (let x = 0; x < ls.length; x++) countOnce(ls[x]!, h);
        }
      }
      active[g]!++;
      for (const s of touched) {
        sg[s]!.w.push(w);
        sg[s]!.hosts.push(cnt[s]!);
        if (cnt[s]! >= minHosts) wins.push({ s, w, start: t0 + w * W - off, hosts: cnt[s]!, from: i, to: j, off: g });
        cnt[s] = 0;
      }
      touched.length = 0;
      if (seen.size) seen.clear();
      i = j;
    }
  });
  // The baseline counts only the windows in which the fleet reported at all: a month without any crash
  // (a gap in collection) must not dilute the rate and make every later window look like a burst.
  const nWindows = Math.max(1, Math.min(Math.ceil((t1 - t0 + 1) / W), Math.max(active[0]!, active[1]!)));
  const tests = nWindows * 2 * tested;
  const threshold = alpha / tests;
  // A scope's rate is taken around the window (baselineMs either side): a label value's population
  // changes (a module version rolled out to 40 % of the hosts halves the old version's rate), and a
  // rate from the whole range would make every window before the change look like a burst.
  const K = Math.max(1, Math.round((opt.baselineMs ?? DAY_MS) / W));
  const prefix = [0, 1].map(() => new Map<number, Float64Array>());
  const lowerBound = (xs: number[], x: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** Hosts of scope s over windows [w - K, w + K] of grid g, and the fleet's active windows there. */
  const around = (g: number, s: number, w: number) => {
    const ser = series[g]![s]!;
    let pre = prefix[g]!.get(s);
    if (!pre) {
      pre = new Float64Array(ser.hosts.length + 1);
      for (let k = 0; k < ser.hosts.length; k++) pre[k + 1] = pre[k]! + ser.hosts[k]!;
      prefix[g]!.set(s, pre);
    }
    const a = lowerBound(ser.w, w - K);
    const b = lowerBound(ser.w, w + K + 1);
    const fw = series[g]![0]!.w;
    return { hosts: pre[b]! - pre[a]!, windows: lowerBound(fw, w + K + 1) - lowerBound(fw, w - K) };
  };
  const inScope = (i: number, s: number) => {
    if (s === 0) return true;
    const b = c.bucket[i]!;
    if (b >= 0 && bucketScope[b] === s) return true;
    const ls = lsetScopes[c.lset[i]!]!;
    for (let k = 0; k < ls.length; k++) if (ls[k] === s) return true;
    return false;
  };
  interface Hit { scope: string; start: number; end: number; p: number; hosts: number; expected: number; rows: number[] }
  const hits: Hit[] = [];
  for (const x of wins) {
    const local = around(x.off, x.s, x.w);
    const nw = Math.max(1, local.windows);
    if (x.hosts <= local.hosts / nw) continue;
    // The window's own hosts are left out of the rate it is tested against.
    const muOut = Math.max((local.hosts - x.hosts) / Math.max(1, nw - 1), 0.5 / nw);
    const p = poissonSf(x.hosts, muOut);
    if (p >= threshold) continue;
    const rows: number[] = [];
    for (let i = x.from; i < x.to; i++) if (inScope(i, x.s)) rows.push(i);
    hits.push({ scope: names[x.s]!, start: x.start, end: x.start + W, p, hosts: x.hosts, expected: muOut, rows });
  }
  // Episodes: hits whose windows overlap; each reported once, in its best scope.
  for (const h of hits) if (h.scope) for (const i of h.rows) burst[i] = 1;
  hits.sort((a, b) => a.start - b.start);
  const groups: Hit[][] = [];
  for (const h of hits) {
    const g = groups[groups.length - 1];
    if (g && h.start < Math.max(...g.map((x) => x.end))) g.push(h);
    else groups.push([h]);
  }
  return groups.map((g) => {
    const best = g.reduce((a, b) => (b.p < a.p || (b.p === a.p && b.scope.length > a.scope.length) ? b : a));
    const rows = best.rows;
    const hosts = hostsOfRows(c, rows);
    const buckets = bucketsOfRows(c, rows);
    const shared = buckets.length > 1;
    const where = !best.scope ? 'fleet-wide' : best.scope.startsWith('bucket=') ? 'fleet-wide in one bucket' : `within ${best.scope}`;
    return {
      id: 'fleet-simultaneous' as const,
      key: keyOf('sim', best.scope, best.start),
      severity: 'high' as const,
      summary: `${hosts.length} hosts crashed within ${Math.round((best.end - best.start) / 60000)} minutes ${where} ` +
        `(${best.expected.toFixed(2)} expected from the baseline; p = ${best.p.toExponential(2)}); ` +
        (shared ? `${buckets.length} different buckets at once point to shared infrastructure (power, hypervisor, network, a management agent)`
          : `one bucket on all of them points to a shared trigger`),
      start: iso(best.start), end: iso(best.end), startMs: best.start, endMs: best.end,
      hosts, buckets, labels: labelsOf(c, rows),
      statistics: { scope: best.scope || 'fleet', observedHosts: best.hosts, expectedHosts: Number(best.expected.toFixed(4)), p: best.p,
        threshold, tests, windowMinutes: W / 60000, interpretation: shared ? 'shared-infrastructure' : 'shared-trigger' },
      evidence: evidenceRows(c, rows), crashCount: rows.length,
    };
  });
}

/**
 * fleet-spreading: a bucket absent from the data's first two days whose first crash per host then comes
 * host after host: at least 5 hosts, new hosts on at least 3 days, over at least 2 days (faster is
 * fleet-simultaneous). The test: under a steady rate, the hosts' first crashes fall uniformly over the
 * data's T days; N of them within w days has probability at most N (w/T)^(N-1) (the scan statistic's
 * bound); Bonferroni over the buckets that reached 5 hosts. A rare bucket that merely shows up late is spread over the
 * rest of the data and is not raised.
 */
function spreading(c: IncidentColumns, opt: PatternOptions): Pattern[] {
  const alpha = opt.alpha ?? 0.01;
  const n = c.n;
  const t0 = c.time[0]!;
  const total = Math.max(DAY_MS, c.time[n - 1]! - t0);
  const nb = c.buckets.length;
  const first = new Float64Array(nb).fill(Infinity);
  const few: (Set<number> | undefined)[] = new Array(nb);
  for (let i = 0; i < n; i++) {
    const b = c.bucket[i]!;
    if (b < 0) continue;
    if (first[b] === Infinity) first[b] = c.time[i]!;
    const s = (few[b] ??= new Set());
    if (s.size < 5) s.add(c.host[i]!);
  }
  // The family: buckets that reached at least 5 hosts (no other can be raised).
  let tested = 0;
  for (let b = 0; b < nb; b++) if ((few[b]?.size ?? 0) >= 5) tested++;
  // Only a bucket absent for two days can be raised: its rows alone are gathered.
  const late = new Map<number, number[]>();
  for (let b = 0; b < nb; b++) if ((first[b]! - t0) / DAY_MS >= 2 && (few[b]?.size ?? 0) >= 5) late.set(b, []);
  if (late.size) for (let i = 0; i < n; i++) late.get(c.bucket[i]!)?.push(i);
  const out: Pattern[] = [];
  for (const [b, rows] of late) {
    const bucket = c.buckets[b]!;
    const start = c.time[rows[0]!]!;
    const priorDays = (start - t0) / DAY_MS;
    const firstByHost = new Map<string, number>();
    for (const i of rows) {
      const h = c.hosts[c.host[i]!]!;
      if (!firstByHost.has(h)) firstByHost.set(h, c.time[i]!);
    }
    const allFirsts = [...firstByHost].sort((x, y) => x[1] - y[1]);
    const run = densestRun(allFirsts.map(([, t]) => t), total);
    if (!run || run.p >= alpha / tested) continue;
    // The spread: the hosts of its densest run (a host that met the bucket long before or after, a lab
    // machine say, neither hides the spread nor stretches it).
    const hostFirsts = allFirsts.slice(run.from, run.to + 1);
    const days = new Set(hostFirsts.map(([, t]) => Math.floor(t / DAY_MS)));
    const span = (hostFirsts[hostFirsts.length - 1]![1] - hostFirsts[0]![1]) / DAY_MS;
    const k = hostFirsts.length;
    const p = run.p;
    const others = allFirsts.length - k;
    // The pattern's crashes, window and evidence: those of the run's hosts (an outside host's are not the spread's).
    const inRun = new Set(hostFirsts.map(([h]) => h));
    const runRows = others ? rows.filter((i) => inRun.has(c.hosts[c.host[i]!]!)) : rows;
    const runStart = c.time[runRows[0]!]!;
    const runEnd = c.time[runRows[runRows.length - 1]!]!;
    out.push({
      id: 'fleet-spreading', key: keyOf('spread', bucket), severity: 'high',
      summary: `${c.titles[b] || bucket} reached ${k} hosts over ${span.toFixed(1)} days, new hosts on ${days.size} days ` +
        `(${(k / span).toFixed(2)} new hosts a day; first host ${hostFirsts[0]![0]} at ${iso(hostFirsts[0]![1])}; ` +
        `absent for the ${priorDays.toFixed(1)} days before${others ? `; ${others} more host${others > 1 ? 's' : ''} outside the spread` : ''})`,
      start: iso(runStart), end: iso(runEnd), startMs: runStart, endMs: runEnd,
      hosts: hostFirsts.map(([h]) => h), buckets: bucketsOfRows(c, runRows), labels: labelsOf(c, runRows),
      statistics: { firstHost: hostFirsts[0]![0], hosts: k, hostsOutside: others, daysWithNewHosts: days.size, spanDays: Number(span.toFixed(3)),
        newHostsPerDay: Number((k / span).toFixed(3)), priorDays: Number(priorDays.toFixed(3)), dataDays: Number((total / DAY_MS).toFixed(3)), p, threshold: alpha / tested },
      evidence: evidenceRows(c, runRows), crashCount: runRows.length,
      curve: hostFirsts.map(([host, t]) => ({ host, firstSeen: iso(t) })),
    });
  }
  return out;
}

/**
 * The densest run of a bucket's first crash times per host (sorted): the hosts i..j that met it within
 * w = t[j] - t[i], at least 5 of them, on at least 3 days, over at least 2 days. Under a steady rate the
 * k first times fall uniformly over the data's T; m of them within some window w has probability at most
 * k * C(k-1, m-1) * (w/T)^(m-1) (the scan statistic's union bound over the first point of the window),
 * and the run is chosen among at most k sizes: times k. Returns the run with the smallest bound.
 */
export function densestRun(t: readonly number[], total: number): { from: number; to: number; p: number } | null {
  const k = t.length;
  if (k < 5) return null;
  // log C(k-1, m-1) for every m, from a running sum of logs.
  const lf = new Float64Array(k + 1);
  for (let i = 2; i <= k; i++) lf[i] = lf[i - 1]! + Math.log(i);
  const logChoose = (n: number, r: number) => lf[n]! - lf[r]! - lf[n - r]!;
  const day = t.map((x) => Math.floor(x / DAY_MS));
  let best: { from: number; to: number; logP: number } | null = null;
  // O(k^2) over a bucket's hosts: ~10 ms at 2,000 hosts (only buckets absent at first get here).
  for (let i = 0; i + 4 < k; i++) {
    let days = 1;
    for (let j = i + 1; j < k; j++) {
      if (day[j] !== day[j - 1]) days++;
      const m = j - i + 1;
      const w = t[j]! - t[i]!;
      if (m < 5 || days < 3 || w < 2 * DAY_MS) continue;
      const logP = 2 * Math.log(k) + logChoose(k - 1, m - 1) + (m - 1) * Math.log(Math.min(1, w / total));
      if (!best || logP < best.logP) best = { from: i, to: j, logP };
    }
  }
  return best && { from: best.from, to: best.to, p: Math.min(1, Math.exp(best.logP)) };
}

/** fleet-compromise: the same integrity finding on two or more hosts, always raised, with the infection curve. */
function compromise(c: IncidentColumns): Pattern[] {
  const byFinding = new Map<string, number[]>();
  for (const [i, fs] of [...c.integrity].sort((a, b) => a[0] - b[0])) for (const f of fs) {
    if (!byFinding.has(f)) byFinding.set(f, []);
    byFinding.get(f)!.push(i);
  }
  // Findings that rest on mostly the same hosts are one pattern: a rootkit raises several at once, and a
  // host that left only its console log shows fewer of them (unknown-code-address without the crash
  // session's syscall-table-hooked) but is the same compromise. Two findings join when more than half of
  // the hosts of the smaller set have both (union-find over the findings); disjoint outbreaks stay apart.
  const sets = [...byFinding].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([f, rows]) => ({ f, rows, hosts: new Set(hostsOfRows(c, rows)) }))
    .filter((x) => x.hosts.size >= 2);
  const parent = sets.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  for (let i = 0; i < sets.length; i++) for (let j = i + 1; j < sets.length; j++) {
    const [a, b] = sets[i]!.hosts.size <= sets[j]!.hosts.size ? [sets[i]!, sets[j]!] : [sets[j]!, sets[i]!];
    let both = 0;
    for (const h of a.hosts) if (b.hosts.has(h)) both++;
    if (2 * both > a.hosts.size) parent[root(j)] = root(i);
  }
  const groups = new Map<number, typeof sets>();
  for (let i = 0; i < sets.length; i++) {
    const r = root(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(sets[i]!);
  }
  return [...groups.values()].map((members) => {
    const findings = members.map((m) => m.f);
    const rows = [...new Set(members.flatMap((m) => m.rows))].sort((a, b) => a - b);
    const firsts = new Map<string, number>();
    for (const i of rows) {
      const h = c.hosts[c.host[i]!]!;
      if (!firsts.has(h)) firsts.set(h, c.time[i]!);
    }
    const curve = [...firsts].sort((a, b) => a[1] - b[1]).map(([host, t]) => ({ host, firstSeen: iso(t) }));
    const start = c.time[rows[0]!]!;
    const end = c.time[rows[rows.length - 1]!]!;
    return {
      id: 'fleet-compromise' as const, key: keyOf('compromise', findings), severity: 'critical' as const,
      summary: `${findings.join(', ')} on ${curve.length} hosts, first ${curve[0]!.host} at ${curve[0]!.firstSeen}, ` +
        `last new host ${curve[curve.length - 1]!.host} at ${curve[curve.length - 1]!.firstSeen}: treat every one as compromised`,
      start: iso(start), end: iso(end), startMs: start, endMs: end,
      hosts: curve.map((x) => x.host), buckets: bucketsOfRows(c, rows), labels: labelsOf(c, rows),
      statistics: { findings: findings.join(','), hostsPerFinding: members.map((m) => `${m.f}=${m.hosts.size}`).join(','), hosts: curve.length, spanDays: Number(((end - start) / DAY_MS).toFixed(3)) },
      evidence: evidenceRows(c, rows), crashCount: rows.length, curve,
    };
  });
}

/** Label key prefix of a module's version on a host: `module.NAME=VERSION` (docs/fleet.md). */
export const MODULE_LABEL = 'module.';

/** A versioned dimension the regression test runs over: the kernel, or one module's versions. */
interface Dimension {
  kind: 'kernel' | 'module';
  module: string | null;
  /** The version names, and each row's version index (-1: none). */
  names: string[];
  of: (row: number) => number;
  /** The ordered series of versions (kernel: one per branch; a module: one). */
  series: (versions: string[]) => string[][];
}

function kernelDimension(c: IncidentColumns): Dimension {
  return {
    kind: 'kernel', module: null, names: c.kernels, of: (i) => c.kver[i]!,
    series(vs) {
      const branches = new Map<string, string[]>();
      for (const v of vs) {
        const b = branchOf(v);
        if (!b) continue;
        if (!branches.has(b)) branches.set(b, []);
        branches.get(b)!.push(v);
      }
      return [...branches.values()].map((l) => l.sort(compareFleetVersions));
    },
  };
}

/** Module versions (MODULE_VERSION strings such as 1.4.2, 2.0-rc1) are ordered as dpkg orders versions. */
function moduleDimension(c: IncidentColumns, name: string): Dimension {
  const key = MODULE_LABEL + name;
  const dict = new Dict();
  const byLset = Int32Array.from(c.labelSets.map((l) => (l[key] === undefined ? -1 : dict.id(l[key]!))));
  return {
    kind: 'module', module: name, names: dict.list, of: (i) => byLset[c.lset[i]!]!,
    series: (vs) => [[...vs].sort((a, b) => compareVersions('debian', a, b))],
  };
}

/**
 * fleet-regression: a bucket's incidents per host-day rise on version v of a dimension (a kernel branch,
 * or one module's versions from the `module.NAME` labels) against the earlier versions over the same time
 * (from v's first crash on): conditional on the bucket's n incidents on v and earlier versions then, the
 * x on v are tested against Binomial(n, hostdays(v) / hostdays(<= v)); at least 5 incidents on 3 hosts on
 * v; Benjamini-Hochberg over every (bucket, dimension, version) tested. Host-days: each host runs, between
 * two of its incidents, the version of the nearer one (it changes halfway between them), from the data's
 * first incident to its last. Incidents of a simultaneous burst are left out of all of it.
 */
function regression(c: IncidentColumns, opt: PatternOptions, burst: Uint8Array): Pattern[] {
  const q = opt.fdr ?? 0.001;
  const steady: number[] = [];
  for (let i = 0; i < c.n; i++) if (!burst[i]) steady.push(i);
  if (steady.length === 0) return [];
  const t0 = c.time[steady[0]!]!;
  const t1 = c.time[steady[steady.length - 1]!]!;
  const usedLsets = new Set<number>();
  for (const i of steady) usedLsets.add(c.lset[i]!);
  const modules = new Set<string>();
  for (const l of usedLsets) for (const k of Object.keys(c.labelSets[l]!)) if (k.startsWith(MODULE_LABEL) && k.length > MODULE_LABEL.length) modules.add(k.slice(MODULE_LABEL.length));
  const dims = [kernelDimension(c), ...[...modules].sort().map((m) => moduleDimension(c, m))];
  // The steady incidents host by host, each host's in time order (a counting sort by host).
  const nH = c.hosts.length;
  const hostStart = new Int32Array(nH + 1);
  for (const i of steady) hostStart[c.host[i]! + 1]!++;
  for (let h = 0; h < nH; h++) hostStart[h + 1]! += hostStart[h]!;
  const byHost = new Int32Array(steady.length);
  const fill = hostStart.slice(0, nH);
  for (const i of steady) byHost[fill[c.host[i]!]!++] = i;
  const hostDays = (dim: Dimension, since: number): Float64Array => {
    const out = new Float64Array(dim.names.length);
    for (let h = 0; h < nH; h++) {
      let from = t0;
      for (let k = hostStart[h]!; k < hostStart[h + 1]!; k++) {
        const i = byHost[k]!;
        const to = k + 1 < hostStart[h + 1]! ? (c.time[i]! + c.time[byHost[k + 1]!]!) / 2 : t1;
        const v = dim.of(i);
        const a = Math.max(from, since);
        if (v >= 0 && to > a) out[v]! += (to - a) / DAY_MS;
        from = to;
      }
    }
    return out;
  };
  // The first steady incident at or after a time (the rows are in time order).
  const firstAt = (t: number) => {
    let lo = 0;
    let hi = steady.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.time[steady[mid]!]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  interface T { dim: Dimension; bucket: number; version: string; earlier: string[]; x: number; n: number; p0: number; p: number; hostsOn: number; rows: number[]; rate: number; rateBefore: number }
  const tests: T[] = [];
  for (const dim of dims) {
    // Version v is compared with the earlier ones over the same time: from v's first crash in the fleet
    // on. Otherwise a rate that changed over time for another reason (another rollout, another episode)
    // would count for or against v merely because v came late.
    const firstOn = new Float64Array(dim.names.length).fill(Infinity);
    for (const i of steady) {
      const v = dim.of(i);
      if (v >= 0 && firstOn[v] === Infinity) firstOn[v] = c.time[i]!;
    }
    const present = dim.names.filter((_, v) => firstOn[v] !== Infinity);
    const ix = new Map(dim.names.map((s, v) => [s, v]));
    for (const vs of dim.series(present)) {
      for (let k = 1; k < vs.length; k++) {
        const v = ix.get(vs[k]!)!;
        const since = firstOn[v]!;
        const earlier = vs.slice(0, k);
        const pos = new Map<number, number>(); // version index -> 0 (v) or 1 (earlier)
        pos.set(v, 0);
        for (const u of earlier) pos.set(ix.get(u)!, 1);
        // Per bucket: incidents on v (their rows) and on the earlier versions, from `since` on.
        const on = new Map<number, number[]>();
        const before = new Map<number, number>();
        for (let s = firstAt(since); s < steady.length; s++) {
          const i = steady[s]!;
          const b = c.bucket[i]!;
          if (b < 0) continue;
          const w = pos.get(dim.of(i));
          if (w === 0) {
            const l = on.get(b);
            if (l) l.push(i);
            else on.set(b, [i]);
          } else if (w === 1) before.set(b, (before.get(b) ?? 0) + 1);
        }
        let hd: Float64Array | null = null;
        for (const [b, rows] of on) {
          if (rows.length < 5) continue;
          const hostsOn = new Set(rows.map((i) => c.host[i]!)).size;
          if (hostsOn < 3) continue;
          hd ??= hostDays(dim, since);
          const nBefore = before.get(b) ?? 0;
          const hdBefore = earlier.reduce((a, u) => a + hd![ix.get(u)!]!, 0);
          const hdV = hd[v]!;
          if (hdBefore <= 0 || hdV <= 0) continue;
          const n = rows.length + nBefore;
          const p0 = hdV / (hdV + hdBefore);
          tests.push({ dim, bucket: b, version: vs[k]!, earlier, x: rows.length, n, p0, p: binomialSf(rows.length, n, p0), hostsOn, rows, rate: rows.length / hdV, rateBefore: nBefore / hdBefore });
        }
      }
    }
  }
  const keep = benjaminiHochberg(tests.map((t) => t.p), q);
  return tests.filter((t, i) => keep[i] && t.rate > t.rateBefore).map((t) => {
    const start = c.time[t.rows[0]!]!;
    const end = c.time[t.rows[t.rows.length - 1]!]!;
    const bucket = c.buckets[t.bucket]!;
    const ratio = t.rateBefore > 0 ? t.rate / t.rateBefore : Infinity;
    const what = t.dim.kind === 'kernel' ? `kernel ${t.version}` : `module ${t.dim.module} ${t.version}`;
    return {
      id: 'fleet-regression' as const, key: keyOf('regression', bucket, t.dim.module, t.version), severity: 'high' as const,
      summary: `${c.titles[t.bucket] || bucket} rose on ${what}: ${t.rate.toFixed(4)} crashes per host-day against ` +
        `${t.rateBefore.toFixed(4)} on ${t.earlier.join(', ')} (${Number.isFinite(ratio) ? ratio.toFixed(1) + 'x' : 'new'}; ` +
        `${t.x} crashes on ${t.hostsOn} hosts; p = ${t.p.toExponential(2)})`,
      start: iso(start), end: iso(end), startMs: start, endMs: end,
      hosts: hostsOfRows(c, t.rows), buckets: bucketsOfRows(c, t.rows), labels: labelsOf(c, t.rows),
      statistics: { dimension: t.dim.kind, module: t.dim.module, version: t.version, earlierVersions: t.earlier.join(','), crashesOnVersion: t.x, crashesInBranch: t.n,
        expectedShare: Number(t.p0.toFixed(6)), ratePerHostDay: Number(t.rate.toFixed(6)), rateBefore: Number(t.rateBefore.toFixed(6)),
        rateRatio: Number.isFinite(ratio) ? Number(ratio.toFixed(3)) : null, p: t.p, testsInFamily: tests.length, fdr: q },
      evidence: evidenceRows(c, t.rows), crashCount: t.rows.length,
    };
  });
}
