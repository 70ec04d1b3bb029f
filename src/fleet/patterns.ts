// Patterns across hosts, found in the crashes a fleet store holds: fleet-simultaneous, fleet-spreading,
// fleet-compromise, fleet-regression (docs/fleet.md gives each test). Pure functions over crash rows, so the
// simulator's ground truth can check them without a database. A crash loop (one host, one bucket, crashes
// within an hour of the previous one) counts as one incident everywhere.
import { createHash } from 'node:crypto';
import { benjaminiHochberg, binomialSf, poissonSf } from './stats.js';
import { branchOf, compareFleetVersions } from './versions.js';
import { compareVersions } from '../knowledge/version.js';
import { DAY_MS, INTEGRITY_FINDINGS } from './store.js';

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

export interface PatternOptions {
  /** fleet-simultaneous window (default 10 minutes). */
  windowMs?: number;
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

function commonLabels(cs: PatternCrash[]): Record<string, string> {
  if (cs.length === 0) return {};
  const out: Record<string, string> = { ...cs[0]!.labels };
  for (const c of cs) for (const k of Object.keys(out)) if (c.labels[k] !== out[k]) delete out[k];
  return out;
}

function bucketsOf(cs: PatternCrash[]) {
  const m = new Map<string, { id: string | null; title: string; crashes: number }>();
  for (const c of cs) {
    const k = c.bucket ?? '';
    const e = m.get(k) ?? { id: c.bucket, title: c.title, crashes: 0 };
    e.crashes++;
    m.set(k, e);
  }
  return [...m.values()].sort((a, b) => b.crashes - a.crashes);
}

function evidenceOf(cs: PatternCrash[]) {
  return cs.slice(0, 200).map((c) => ({ crash: c.id, host: c.host, time: iso(c.timeMs), labels: c.labels }));
}

function keyOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];

export function detectPatterns(all: PatternCrash[], opt: PatternOptions = {}): Pattern[] {
  const inc = incidents(all, opt.loopMs);
  if (inc.length === 0) return [];
  const burst = new Set<number>();
  const sim = simultaneous(inc, opt, burst);
  // A burst already explained as simultaneous (every crash of every significant window of its bucket or
  // scope) is no evidence of a rate that rises with a version.
  const inBurst = burst;
  const steady = inBurst.size ? inc.filter((c) => !inBurst.has(c.id)) : inc;
  return [...sim, ...spreading(inc, opt), ...compromise(inc), ...regression(steady, opt)];
}

/**
 * fleet-simultaneous: in a window of W minutes (two grids offset by W/2), more distinct hosts crashed,
 * fleet-wide or within one label value, than that scope's own rate over the data's active windows (those
 * in which the fleet reported any crash) explains (Poisson upper
 * tail, Bonferroni over every window and scope tested); one bucket fleet-wide is a scope too. Overlapping significant windows are one episode,
 * reported in the scope with the smallest p-value.
 */
function simultaneous(inc: PatternCrash[], opt: PatternOptions, burst: Set<number>): Pattern[] {
  const W = opt.windowMs ?? 600_000;
  const alpha = opt.alpha ?? 0.01;
  const minHosts = opt.minHosts ?? 3;
  const t0 = inc[0]!.timeMs;
  const t1 = inc[inc.length - 1]!.timeMs;
  // The baseline counts only the windows in which the fleet reported at all: a month without any crash
  // (a gap in collection) must not dilute the rate and make every later window look like a burst.
  const activeIn = (offset: number) => new Set(inc.map((c) => Math.floor((c.timeMs - t0 + offset) / W))).size;
  const active = { 0: activeIn(0), [W / 2]: activeIn(W / 2) } as Record<number, number>;
  const nWindows = Math.max(1, Math.min(Math.ceil((t1 - t0 + 1) / W), Math.max(active[0]!, active[W / 2]!)));
  // Scopes: the fleet and every label value seen on at least minHosts hosts.
  const scopeHosts = new Map<string, Set<string>>();
  const scopeCrashes = new Map<string, PatternCrash[]>([['', inc]]);
  for (const c of inc) for (const [k, v] of Object.entries(c.labels)) {
    const s = `${k}=${v}`;
    if (!scopeHosts.has(s)) {
      scopeHosts.set(s, new Set());
      scopeCrashes.set(s, []);
    }
    scopeHosts.get(s)!.add(c.host);
    scopeCrashes.get(s)!.push(c);
  }
  // One bucket fleet-wide is a scope too: a shared trigger stands out against that bucket's own rate.
  for (const c of inc) if (c.bucket) {
    const s = `bucket=${c.bucket}`;
    if (!scopeHosts.has(s)) {
      scopeHosts.set(s, new Set());
      scopeCrashes.set(s, []);
    }
    scopeHosts.get(s)!.add(c.host);
    scopeCrashes.get(s)!.push(c);
  }
  const scopes = ['', ...[...scopeHosts].filter(([, hs]) => hs.size >= minHosts).map(([s]) => s)];
  const tests = nWindows * 2 * scopes.length;
  const threshold = alpha / tests;
  interface Hit { scope: string; start: number; end: number; p: number; hosts: number; expected: number; crashes: PatternCrash[] }
  const hits: Hit[] = [];
  for (const scope of scopes) {
    const mine = scopeCrashes.get(scope)!;
    // The rate of distinct-host incidents per window in this scope (host, window) pairs over the data.
    for (const offset of [0, W / 2]) {
      const byWin = new Map<number, PatternCrash[]>();
      for (const c of mine) {
        const w = Math.floor((c.timeMs - t0 + offset) / W);
        if (!byWin.has(w)) byWin.set(w, []);
        byWin.get(w)!.push(c);
      }
      let pairs = 0;
      for (const cs of byWin.values()) pairs += new Set(cs.map((c) => c.host)).size;
      const nw = Math.max(1, active[offset]!);
      const mu = pairs / nw;
      for (const [w, cs] of byWin) {
        const hosts = new Set(cs.map((c) => c.host)).size;
        if (hosts < minHosts || hosts <= mu) continue;
        // The window's own hosts are left out of the rate it is tested against.
        const muOut = Math.max((pairs - hosts) / Math.max(1, nw - 1), 0.5 / nw);
        const p = poissonSf(hosts, muOut);
        if (p < threshold) hits.push({ scope, start: t0 + w * W - offset, end: t0 + (w + 1) * W - offset, p, hosts, expected: muOut, crashes: cs });
      }
    }
  }
  // Episodes: hits whose windows overlap; each reported once, in its best scope.
  for (const h of hits) if (h.scope) for (const c of h.crashes) burst.add(c.id);
  hits.sort((a, b) => a.start - b.start);
  const groups: Hit[][] = [];
  for (const h of hits) {
    const g = groups[groups.length - 1];
    if (g && h.start < Math.max(...g.map((x) => x.end))) g.push(h);
    else groups.push([h]);
  }
  return groups.map((g) => {
    const best = g.reduce((a, b) => (b.p < a.p || (b.p === a.p && b.scope.length > a.scope.length) ? b : a));
    const cs = best.crashes;
    const hosts = uniq(cs.map((c) => c.host)).sort();
    const buckets = bucketsOf(cs);
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
      hosts, buckets, labels: commonLabels(cs),
      statistics: { scope: best.scope || 'fleet', observedHosts: best.hosts, expectedHosts: Number(best.expected.toFixed(4)), p: best.p,
        threshold, tests, windowMinutes: W / 60000, interpretation: shared ? 'shared-infrastructure' : 'shared-trigger' },
      evidence: evidenceOf(cs), crashCount: cs.length,
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
function spreading(inc: PatternCrash[], opt: PatternOptions): Pattern[] {
  const alpha = opt.alpha ?? 0.01;
  const t0 = inc[0]!.timeMs;
  const total = Math.max(DAY_MS, inc[inc.length - 1]!.timeMs - t0);
  const byBucket = groupBy(inc.filter((c) => c.bucket), (c) => c.bucket!);
  const out: Pattern[] = [];
  // The family: buckets that reached at least 5 hosts (no other can be raised).
  let tested = 0;
  for (const cs of byBucket.values()) if (new Set(cs.map((c) => c.host)).size >= 5) tested++;
  for (const [bucket, cs] of byBucket) {
    const first = cs[0]!.timeMs;
    const priorDays = (first - t0) / DAY_MS;
    if (priorDays < 2) continue;
    const firstByHost = new Map<string, number>();
    for (const c of cs) if (!firstByHost.has(c.host)) firstByHost.set(c.host, c.timeMs);
    const hostFirsts = [...firstByHost].sort((a, b) => a[1] - b[1]);
    const days = new Set(hostFirsts.map(([, t]) => Math.floor(t / DAY_MS)));
    const spanMs = hostFirsts[hostFirsts.length - 1]![1] - first;
    const span = spanMs / DAY_MS;
    const n = hostFirsts.length;
    if (n < 5 || days.size < 3 || span < 2) continue;
    const p = Math.min(1, n * Math.pow(spanMs / total, n - 1));
    if (p >= alpha / tested) continue;
    out.push({
      id: 'fleet-spreading', key: keyOf('spread', bucket), severity: 'high',
      summary: `${cs[0]!.title || bucket} reached ${hostFirsts.length} hosts over ${span.toFixed(1)} days, new hosts on ${days.size} days ` +
        `(${(hostFirsts.length / span).toFixed(2)} new hosts a day; first host ${hostFirsts[0]![0]} at ${iso(first)}; ` +
        `absent for the ${priorDays.toFixed(1)} days before)`,
      start: iso(first), end: iso(cs[cs.length - 1]!.timeMs), startMs: first, endMs: cs[cs.length - 1]!.timeMs,
      hosts: hostFirsts.map(([h]) => h), buckets: bucketsOf(cs), labels: commonLabels(cs),
      statistics: { firstHost: hostFirsts[0]![0], hosts: hostFirsts.length, daysWithNewHosts: days.size, spanDays: Number(span.toFixed(3)),
        newHostsPerDay: Number((hostFirsts.length / span).toFixed(3)), priorDays: Number(priorDays.toFixed(3)), dataDays: Number((total / DAY_MS).toFixed(3)), p, threshold: alpha / tested },
      evidence: evidenceOf(cs), crashCount: cs.length,
      curve: hostFirsts.map(([host, t]) => ({ host, firstSeen: iso(t) })),
    });
  }
  return out;
}

/** fleet-compromise: the same integrity finding on two or more hosts, always raised, with the infection curve. */
function compromise(inc: PatternCrash[]): Pattern[] {
  const byFinding = new Map<string, PatternCrash[]>();
  for (const c of inc) for (const f of c.findings) if (INTEGRITY_FINDINGS.has(f)) {
    if (!byFinding.has(f)) byFinding.set(f, []);
    byFinding.get(f)!.push(c);
  }
  // Findings that rest on exactly the same hosts are one pattern (a rootkit raises several at once).
  const bySet = new Map<string, { findings: string[]; crashes: PatternCrash[] }>();
  for (const [f, cs] of [...byFinding].sort()) {
    const hosts = uniq(cs.map((c) => c.host)).sort();
    if (hosts.length < 2) continue;
    const k = hosts.join('\0');
    const e = bySet.get(k) ?? { findings: [], crashes: cs };
    e.findings.push(f);
    bySet.set(k, e);
  }
  return [...bySet.values()].map(({ findings, crashes: cs }) => {
    const firsts = new Map<string, number>();
    for (const c of cs) if (!firsts.has(c.host)) firsts.set(c.host, c.timeMs);
    const curve = [...firsts].sort((a, b) => a[1] - b[1]).map(([host, t]) => ({ host, firstSeen: iso(t) }));
    const start = cs[0]!.timeMs;
    const end = cs[cs.length - 1]!.timeMs;
    return {
      id: 'fleet-compromise' as const, key: keyOf('compromise', findings), severity: 'critical' as const,
      summary: `${findings.join(', ')} on ${curve.length} hosts, first ${curve[0]!.host} at ${curve[0]!.firstSeen}, ` +
        `last new host ${curve[curve.length - 1]!.host} at ${curve[curve.length - 1]!.firstSeen}: treat every one as compromised`,
      start: iso(start), end: iso(end), startMs: start, endMs: end,
      hosts: curve.map((c) => c.host), buckets: bucketsOf(cs), labels: commonLabels(cs),
      statistics: { findings: findings.join(','), hosts: curve.length, spanDays: Number(((end - start) / DAY_MS).toFixed(3)) },
      evidence: evidenceOf(cs), crashCount: cs.length, curve,
    };
  });
}

/** Label key prefix of a module's version on a host: `module.NAME=VERSION` (docs/fleet.md). */
export const MODULE_LABEL = 'module.';

/**
 * Host-days per version of one dimension: each host runs, between two of its crashes, the version of the
 * nearer one (it changes halfway between them), from the data's first crash to its last.
 */
export function hostDays(inc: PatternCrash[], versionOf: (c: PatternCrash) => string | null = (c) => c.kernelVersion, sinceMs = -Infinity): Map<string, number> {
  const t0 = inc[0]!.timeMs;
  const t1 = inc[inc.length - 1]!.timeMs;
  const out = new Map<string, number>();
  for (const cs of groupBy(inc, (c) => c.host).values()) {
    let from = t0;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      const to = i + 1 < cs.length ? (c.timeMs + cs[i + 1]!.timeMs) / 2 : t1;
      const v = versionOf(c);
      const a = Math.max(from, sinceMs);
      if (v && to > a) out.set(v, (out.get(v) ?? 0) + (to - a) / DAY_MS);
      from = to;
    }
  }
  return out;
}

/** A versioned dimension the regression test runs over: the kernel, or one module's versions. */
interface Dimension {
  kind: 'kernel' | 'module';
  module: string | null;
  versionOf: (c: PatternCrash) => string | null;
  /** The ordered series of versions (kernel: one per branch; a module: one). */
  series: (versions: string[]) => string[][];
}

function kernelDimension(): Dimension {
  return {
    kind: 'kernel', module: null, versionOf: (c) => c.kernelVersion,
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
function moduleDimension(name: string): Dimension {
  const key = MODULE_LABEL + name;
  return {
    kind: 'module', module: name, versionOf: (c) => c.labels[key] ?? null,
    series: (vs) => [[...vs].sort((a, b) => compareVersions('debian', a, b))],
  };
}

/**
 * fleet-regression: a bucket's incidents per host-day rise on version v of a dimension (a kernel branch,
 * or one module's versions from the `module.NAME` labels) against the earlier versions over the same time
 * (from v's first crash on): conditional on the bucket's n incidents on v and earlier versions then, the
 * x on v are tested against Binomial(n, hostdays(v) / hostdays(<= v)); at least 5 incidents on 3 hosts on
 * v; Benjamini-Hochberg over every (bucket, dimension, version) tested.
 */
function regression(inc: PatternCrash[], opt: PatternOptions): Pattern[] {
  const q = opt.fdr ?? 0.001;
  const modules = new Set<string>();
  for (const c of inc) for (const k of Object.keys(c.labels)) if (k.startsWith(MODULE_LABEL) && k.length > MODULE_LABEL.length) modules.add(k.slice(MODULE_LABEL.length));
  const dims = [kernelDimension(), ...[...modules].sort().map(moduleDimension)];
  interface T { dim: Dimension; bucket: string; version: string; earlier: string[]; x: number; n: number; p0: number; p: number; hostsOn: number; cs: PatternCrash[]; rate: number; rateBefore: number }
  const tests: T[] = [];
  const withBucket = inc.filter((c) => c.bucket);
  for (const dim of dims) {
    // Version v is compared with the earlier ones over the same time: from v's first crash in the fleet
    // on. Otherwise a rate that changed over time for another reason (another rollout, another episode)
    // would count for or against v merely because v came late.
    const firstOn = new Map<string, number>();
    for (const c of inc) {
      const v = dim.versionOf(c);
      if (v && !firstOn.has(v)) firstOn.set(v, c.timeMs);
    }
    const series = dim.series([...firstOn.keys()]);
    const hdSince = new Map<string, Map<string, number>>();
    for (const [bucket, cs] of groupBy(withBucket.filter((c) => dim.versionOf(c)), (c) => c.bucket!)) {
      for (const vs of series) {
        for (let i = 1; i < vs.length; i++) {
          const v = vs[i]!;
          const since = firstOn.get(v)!;
          const byV = groupBy(cs.filter((c) => c.timeMs >= since), (c) => dim.versionOf(c)!);
          const on = byV.get(v) ?? [];
          const hostsOn = new Set(on.map((c) => c.host)).size;
          if (on.length < 5 || hostsOn < 3) continue;
          let hd = hdSince.get(v);
          if (!hd) hdSince.set(v, (hd = hostDays(inc, dim.versionOf, since)));
          const earlier = vs.slice(0, i);
          const before = earlier.reduce((s, u) => s + (byV.get(u)?.length ?? 0), 0);
          const hdBefore = earlier.reduce((s, u) => s + (hd.get(u) ?? 0), 0);
          const hdV = hd.get(v) ?? 0;
          if (hdBefore <= 0 || hdV <= 0) continue;
          const n = on.length + before;
          const p0 = hdV / (hdV + hdBefore);
          tests.push({ dim, bucket, version: v, earlier, x: on.length, n, p0, p: binomialSf(on.length, n, p0), hostsOn, cs: on, rate: on.length / hdV, rateBefore: before / hdBefore });
        }
      }
    }
  }
  const keep = benjaminiHochberg(tests.map((t) => t.p), q);
  return tests.filter((t, i) => keep[i] && t.rate > t.rateBefore).map((t) => {
    const start = t.cs[0]!.timeMs;
    const end = t.cs[t.cs.length - 1]!.timeMs;
    const ratio = t.rateBefore > 0 ? t.rate / t.rateBefore : Infinity;
    const what = t.dim.kind === 'kernel' ? `kernel ${t.version}` : `module ${t.dim.module} ${t.version}`;
    return {
      id: 'fleet-regression' as const, key: keyOf('regression', t.bucket, t.dim.module, t.version), severity: 'high' as const,
      summary: `${t.cs[0]!.title || t.bucket} rose on ${what}: ${t.rate.toFixed(4)} crashes per host-day against ` +
        `${t.rateBefore.toFixed(4)} on ${t.earlier.join(', ')} (${Number.isFinite(ratio) ? ratio.toFixed(1) + 'x' : 'new'}; ` +
        `${t.x} crashes on ${t.hostsOn} hosts; p = ${t.p.toExponential(2)})`,
      start: iso(start), end: iso(end), startMs: start, endMs: end,
      hosts: uniq(t.cs.map((c) => c.host)).sort(), buckets: bucketsOf(t.cs), labels: commonLabels(t.cs),
      statistics: { dimension: t.dim.kind, module: t.dim.module, version: t.version, earlierVersions: t.earlier.join(','), crashesOnVersion: t.x, crashesInBranch: t.n,
        expectedShare: Number(t.p0.toFixed(6)), ratePerHostDay: Number(t.rate.toFixed(6)), rateBefore: Number(t.rateBefore.toFixed(6)),
        rateRatio: Number.isFinite(ratio) ? Number(ratio.toFixed(3)) : null, p: t.p, testsInFamily: tests.length, fdr: q },
      evidence: evidenceOf(t.cs), crashCount: t.cs.length,
    };
  });
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = m.get(k);
    if (l) l.push(x);
    else m.set(k, [x]);
  }
  return m;
}
