// `ktriage fleet simulate`: a reproducible synthetic fleet. Crash reports are real ones (the lab's console
// logs and crash session, the real-world corpus), analysed once with analyze() and then placed on
// simulated hosts, times, labels and kernels; on top of a Poisson background, injected episodes of each
// pattern with their ground truth. Same seed, same fleet.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import type { Report } from '../model/types.js';
import { sharedDir } from '../util/repo.js';
import { bucketKeys } from './buckets.js';
import { crashFacts, DAY_MS, INTEGRITY_FINDINGS } from './store.js';
import { MODULE_LABEL, type Pattern, type PatternCrash } from './patterns.js';

export interface SimOptions {
  hosts: number;
  days: number;
  seed?: number;
  /** Background crashes per host-day (default 0.3). */
  rate?: number;
  start?: number;
  /** Template sources; default the lab and the real-world corpus under ../shared. */
  shared?: string;
}

export interface SimCrash {
  host: string;
  timeMs: number;
  labels: Record<string, string>;
  template: number;
  kernel: number;
  episode: number | null;
}

export interface Episode {
  index: number;
  pattern: Pattern['id'] | 'crash-loop';
  what: string;
  hosts: string[];
  startMs: number;
  endMs: number;
  /** Title of the bucket involved (null for several). */
  title: string | null;
  label?: string;
  version?: string;
  /** fleet-regression on a module's version: the module (version is then the module's). */
  module?: string;
  /** Patterns that this episode may also raise without counting as false (a rootkit also spreads). */
  alsoAllowed?: Pattern['id'][];
}

export interface Template {
  name: string;
  report: Report;
  title: string;
  integrity: boolean;
}

/** Simulated kernels: one Debian branch, three versions in order. */
export const SIM_KERNELS = [
  { release: '6.1.0-54-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.190-1 (2026-08-02)' },
  { release: '6.1.0-56-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-09-20)' },
  { release: '6.1.0-58-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.199-1 (2026-11-05)' },
];

/** The simulated out-of-tree module: its two versions in order, and the lab scenario that crashes in it. */
export const SIM_MODULE = { name: 'ktl_bug', versions: ['1.2.4', '1.3.0'] as const, scenario: 'bug-module' };

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps what the fleet and its pages read; the simulated copies need not carry every log line. */
function slim(r: Report): Report {
  const primary = r.crash ? r.events[r.crash.index] : undefined;
  // The simulated host and time replace the original's: no wall clock (the push gives ?time=).
  const events = primary ? [{ ...primary, index: 0, lines: primary.lines.slice(0, 60), time: { ...primary.time, wallclock: null } }] : [];
  return {
    ...r,
    sources: r.sources.map((s) => ({ ...s, file: s.file.replace(/^.*\//, '') })),
    events,
    crash: r.crash ? { ...r.crash, index: 0 } : null,
    kernel: { ...r.kernel, hostname: null },
    dump: r.dump ? { ...r.dump, strings: r.dump.strings.slice(0, 50), memoryWords: [], disassembly: [], unparsed: [] } : null,
    diagnosis: { ...r.diagnosis, findings: r.diagnosis.findings.map((f) => ({ ...f, events: f.events.filter((e) => e === r.crash?.index).map(() => 0) })) },
  } as Report;
}

let templateCache: Template[] | null = null;

/** The report templates: every lab scenario and real-world corpus file that holds a crash, analysed once. */
export function loadTemplates(shared = sharedDir()): Template[] {
  if (templateCache) return templateCache;
  const out: Template[] = [];
  const lab = join(shared, 'lab', 'out');
  const add = (name: string, inputs: string[]) => {
    try {
      const r = analyze(inputs);
      if (!r.crash || !bucketKeys(r)) return;
      const facts = crashFacts(r);
      out.push({ name, report: slim(r), title: r.crash.title, integrity: facts.findings.some((f) => INTEGRITY_FINDINGS.has(f)) });
    } catch {
      // an input the analysis cannot read is no template
    }
  };
  if (existsSync(lab)) {
    for (const d of readdirSync(lab).sort()) {
      const con = join(lab, d, 'console.log');
      if (!existsSync(con)) continue;
      const session = join(lab, d, 'crash-session.txt');
      add(`lab/${d}`, d === 'rootkit-hidden-module' && existsSync(session) ? [con, session] : [con]);
    }
  }
  const rw = join(shared, 'corpus', 'real-world', 'inputs');
  if (existsSync(rw)) for (const f of readdirSync(rw).sort()) add(`real-world/${f}`, [join(rw, f)]);
  if (out.length < 6) throw new Error(`fleet simulate needs the lab and corpus reports (found ${out.length} templates under ${shared})`);
  templateCache = out;
  return out;
}

export interface SimFleet {
  crashes: SimCrash[];
  episodes: Episode[];
  templates: Template[];
  hosts: { name: string; labels: Record<string, string> }[];
  startMs: number;
  endMs: number;
  /** The report body a crash is pushed with (one per template and kernel, cached). */
  body(c: SimCrash): string;
}

export function simulate(o: SimOptions): SimFleet {
  const rnd = mulberry32(o.seed ?? 1);
  const templates = loadTemplates(o.shared);
  const days = Math.max(6, o.days);
  const startMs = o.start ?? Date.UTC(2026, 9, 1);
  const endMs = startMs + days * DAY_MS;
  const nHosts = Math.max(20, o.hosts);
  const pad = String(nHosts).length;
  const zones = Math.max(2, Math.ceil(nHosts / 2000));
  const hosts = Array.from({ length: nHosts }, (_, i) => {
    const hv = Math.floor(i / 8);
    const rack = Math.floor(i / 40);
    return {
      name: `node-${String(i).padStart(pad, '0')}`,
      labels: { zone: `z${rack % zones}`, rack: `r${rack}`, hypervisor: `hv${hv}`, image: `img-${i % 3}` },
    };
  });
  // Which kernel each host runs: v0/v1 mixed; from mid-period 30 % of the hosts move to v2 over a day.
  const upgradeAt = startMs + Math.floor(days / 2) * DAY_MS;
  const upgrade = hosts.map(() => (rnd() < 0.3 ? upgradeAt + rnd() * DAY_MS : Infinity));
  const baseKernel = hosts.map(() => (rnd() < 0.5 ? 0 : 1));
  const kernelAt = (h: number, t: number) => (t >= upgrade[h]! ? 2 : baseKernel[h]!);
  // Every host runs the out-of-tree module SIM_MODULE (its version as the `module.NAME` label, as pushes
  // carry it); from day 0.25 of the period 40 % of the hosts move from the old version to the new one over
  // a day, independently of the kernel upgrade.
  const modUpgradeAt = startMs + Math.floor(days * 0.25) * DAY_MS;
  const modUpgrade = hosts.map(() => (rnd() < 0.4 ? modUpgradeAt + rnd() * DAY_MS : Infinity));
  const modLabel = MODULE_LABEL + SIM_MODULE.name;
  const labelSets = hosts.map((h) => [
    { ...h.labels, [modLabel]: SIM_MODULE.versions[0] },
    { ...h.labels, [modLabel]: SIM_MODULE.versions[1] },
  ] as const);
  const moduleAt = (h: number, t: number) => (t >= modUpgrade[h]! ? 1 : 0);
  const labelsAt = (h: number, t: number) => labelSets[h]![moduleAt(h, t)]!;

  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const normal = templates.map((t, i) => ({ t, i })).filter((x) => !x.t.integrity);
  const rootkit = templates.findIndex((t) => t.integrity && t.name.includes('rootkit'));
  const integrityIdx = rootkit >= 0 ? rootkit : templates.findIndex((t) => t.integrity);
  // Reserved templates: one only for spreading (never in the background), one for the regression.
  const spreadT = normal.find((x) => x.t.name.includes('list-corruption'))?.i ?? normal[normal.length - 1]!.i;
  const regressT = normal.find((x) => x.t.name.includes('hung-task') && x.t.name.startsWith('lab/'))?.i ?? normal[0]!.i;
  // The module regression's bucket: a crash in the simulated module (the lab's BUG() in its own module).
  const moduleT = normal.find((x) => x.t.name === `lab/${SIM_MODULE.scenario}`)?.i ?? normal.find((x) => x.i !== regressT && x.i !== spreadT)!.i;
  const background = normal.filter((x) => x.i !== spreadT);
  // Zipf-like weights over the background templates (common crashes and a tail of rarer ones), each at
  // least 1/4 of the average, so every background bucket shows up from the first day.
  const weights = background.map((_, k) => 1 / (1 + k * 0.15) + 0.25);
  const wsum = weights.reduce((a, b) => a + b, 0);
  const cum: number[] = [];
  weights.reduce((a, w, k) => ((cum[k] = (a + w) / wsum), a + w), 0);
  const drawTemplate = () => {
    const u = rnd();
    const k = cum.findIndex((c) => u <= c);
    return background[k < 0 ? background.length - 1 : k]!.i;
  };

  const crashes: SimCrash[] = [];
  const rate = o.rate ?? 0.3;
  const total = Math.round(rate * nHosts * days);
  const regressShareV2 = 8; // the regression bucket's rate multiplier on the newest kernel
  const regressShareModule = 8; // the module bucket's rate multiplier on the module's new version
  for (let n = 0; n < total; n++) {
    const h = Math.floor(rnd() * nHosts);
    const t = startMs + Math.floor(rnd() * (endMs - startMs));
    const k = kernelAt(h, t);
    let template = drawTemplate();
    // The regression: on the new kernel, extra crashes of the regression bucket.
    if (k === 2 && template !== regressT && rnd() < (regressShareV2 - 1) * (weights[background.findIndex((x) => x.i === regressT)]! / wsum)) template = regressT;
    // The module regression: on the module's new version, extra crashes of the module's bucket.
    else if (moduleAt(h, t) === 1 && template !== moduleT && rnd() < (regressShareModule - 1) * (weights[background.findIndex((x) => x.i === moduleT)]! / wsum)) template = moduleT;
    crashes.push({ host: hosts[h]!.name, timeMs: t, labels: labelsAt(h, t), template, kernel: k, episode: null });
  }
  const episodes: Episode[] = [];
  const at = (h: number, t: number, template: number, episode: number) =>
    crashes.push({ host: hosts[h]!.name, timeMs: Math.floor(t), labels: labelsAt(h, t), template, kernel: kernelAt(h, t), episode });
  const distinctHosts = (n: number, avoid = new Set<number>()) => {
    const s = new Set<number>();
    while (s.size < n) {
      const h = Math.floor(rnd() * nHosts);
      if (!avoid.has(h)) s.add(h);
    }
    return [...s];
  };
  // 1. Shared infrastructure: all 8 hosts of one hypervisor die within 3 minutes, each its own crash.
  {
    const hv = Math.floor(rnd() * Math.floor(nHosts / 8));
    const t = startMs + Math.floor(days * 0.3) * DAY_MS + 37 * 60_000 + rnd() * 3_600_000;
    const hs = Array.from({ length: 8 }, (_, k) => hv * 8 + k);
    const idx = episodes.length;
    for (const h of hs) at(h, t + rnd() * 180_000, drawTemplate(), idx);
    episodes.push({ index: idx, pattern: 'fleet-simultaneous', what: `hypervisor hv${hv}: its 8 hosts die within 3 minutes`, hosts: hs.map((h) => hosts[h]!.name),
      startMs: t, endMs: t + 180_000, title: null, label: `hypervisor=hv${hv}` });
  }
  // 2. Shared trigger: 12 unrelated hosts crash the same way within 4 minutes.
  {
    const t = startMs + Math.floor(days * 0.6) * DAY_MS + 13 * 3_600_000 + rnd() * 3_600_000;
    const hs = distinctHosts(12);
    const template = background[Math.floor(background.length / 2)]!.i;
    const idx = episodes.length;
    for (const h of hs) at(h, t + rnd() * 240_000, template, idx);
    episodes.push({ index: idx, pattern: 'fleet-simultaneous', what: '12 hosts across the fleet, one bucket, within 4 minutes', hosts: hs.map((h) => hosts[h]!.name),
      startMs: t, endMs: t + 240_000, title: templates[template]!.title });
  }
  // 3. Spreading: a new bucket (a bad module rolled out) reaches 2-4 new hosts a day for 6 days.
  {
    const d0 = Math.floor(days * 0.35);
    const hs: number[] = [];
    const idx = episodes.length;
    const used = new Set<number>();
    for (let d = 0; d < 6; d++) {
      const n = 2 + Math.floor(rnd() * 3);
      for (const h of distinctHosts(n, used)) {
        used.add(h);
        hs.push(h);
        at(h, startMs + (d0 + d) * DAY_MS + rnd() * DAY_MS, spreadT, idx);
      }
    }
    episodes.push({ index: idx, pattern: 'fleet-spreading', what: `${hs.length} hosts over 6 days from day ${d0}`, hosts: hs.map((h) => hosts[h]!.name),
      startMs: startMs + d0 * DAY_MS, endMs: startMs + (d0 + 6) * DAY_MS, title: templates[spreadT]!.title });
  }
  // 4. Compromise: the rootkit found on machine after machine (6 hosts over 4 days).
  if (integrityIdx >= 0) {
    const d0 = Math.floor(days * 0.5);
    const hs = distinctHosts(6);
    const idx = episodes.length;
    hs.forEach((h, k) => at(h, startMs + d0 * DAY_MS + (k * 4 * DAY_MS) / 6 + rnd() * 3_600_000, integrityIdx, idx));
    episodes.push({ index: idx, pattern: 'fleet-compromise', what: '6 hosts over 4 days', hosts: hs.map((h) => hosts[h]!.name),
      startMs: startMs + d0 * DAY_MS, endMs: startMs + (d0 + 4) * DAY_MS, title: templates[integrityIdx]!.title, alsoAllowed: ['fleet-spreading'] });
  }
  // 5. Regression: the regression bucket at 8x its rate on the newest kernel (placed in the background loop).
  {
    const onV2 = crashes.filter((c) => c.template === regressT && c.kernel === 2);
    episodes.push({ index: episodes.length, pattern: 'fleet-regression', what: `${templates[regressT]!.title} at ${regressShareV2}x on the new kernel`,
      hosts: [...new Set(onV2.map((c) => c.host))], startMs: upgradeAt, endMs, title: templates[regressT]!.title,
      version: `debian:${/Debian (\S+)/.exec(SIM_KERNELS[2]!.version)![1]}` });
  }
  // 5b. Module regression: the module's bucket at 8x its rate on the module's new version.
  {
    const onNew = crashes.filter((c) => c.template === moduleT && c.labels[modLabel] === SIM_MODULE.versions[1]);
    episodes.push({ index: episodes.length, pattern: 'fleet-regression', what: `${templates[moduleT]!.title} at ${regressShareModule}x on module ${SIM_MODULE.name} ${SIM_MODULE.versions[1]}`,
      hosts: [...new Set(onNew.map((c) => c.host))], startMs: modUpgradeAt, endMs, title: templates[moduleT]!.title,
      version: SIM_MODULE.versions[1], module: SIM_MODULE.name });
  }
  // 6. Noise that must raise nothing: one host in a crash loop (20 crashes within an hour).
  {
    const h = Math.floor(rnd() * nHosts);
    const t = startMs + Math.floor(days * 0.2) * DAY_MS + rnd() * DAY_MS;
    const template = drawTemplate();
    const idx = episodes.length;
    for (let k = 0; k < 20; k++) at(h, t + k * 150_000, template, idx);
    episodes.push({ index: idx, pattern: 'crash-loop', what: 'one host, one bucket, 20 crashes in 50 minutes (counts as one)', hosts: [hosts[h]!.name],
      startMs: t, endMs: t + 20 * 150_000, title: templates[template]!.title });
  }
  crashes.sort((a, b) => a.timeMs - b.timeMs);
  const bodies = new Map<string, string>();
  return {
    crashes, episodes, templates, hosts, startMs, endMs,
    body(c) {
      const key = `${c.template}/${c.kernel}`;
      let b = bodies.get(key);
      if (!b) {
        const t = templates[c.template]!.report;
        b = JSON.stringify({ ...t, kernel: { ...t.kernel, ...SIM_KERNELS[c.kernel]! } });
        bodies.set(key, b);
      }
      return b;
    },
  };
}

/** The rows patterns read, without a database (for tests and the simulator's own check). */
export function patternRows(f: SimFleet): PatternCrash[] {
  const facts = new Map<string, ReturnType<typeof crashFacts>>();
  return f.crashes.map((c, i) => {
    const key = `${c.template}/${c.kernel}`;
    let x = facts.get(key);
    if (!x) {
      x = crashFacts(JSON.parse(f.body(c)) as Report);
      facts.set(key, x);
    }
    return { id: i + 1, host: c.host, timeMs: c.timeMs, bucket: x.buckets?.level2.id ?? null, title: x.title, labels: c.labels, kernelVersion: x.kernelVersion, findings: x.findings };
  });
}

export interface Evaluation {
  rows: { episode: number; pattern: string; what: string; found: string[]; ok: boolean }[];
  falsePatterns: Pattern[];
  allFound: boolean;
}

/** Matches found patterns to the injected episodes: same pattern id, at least half the episode's hosts. */
export function evaluate(patterns: Pattern[], episodes: Episode[]): Evaluation {
  const used = new Set<Pattern>();
  const rows = episodes.map((e) => {
    const hs = new Set(e.hosts);
    const matches = patterns.filter((p) => {
      if (p.id !== e.pattern && !(e.alsoAllowed ?? []).includes(p.id) && e.pattern !== 'crash-loop') return false;
      const overlap = p.hosts.filter((h) => hs.has(h)).length;
      const timeOk = p.startMs <= e.endMs + 3_600_000 && p.endMs >= e.startMs - 3_600_000;
      return overlap >= Math.max(1, Math.ceil(hs.size / 2)) && timeOk && (e.version ? p.statistics.version === e.version && (p.statistics.module ?? null) === (e.module ?? null) : true);
    });
    for (const m of matches) used.add(m);
    const found = matches.map((m) => m.id);
    const ok = e.pattern === 'crash-loop' ? found.length === 0 : found.includes(e.pattern as Pattern['id']);
    return { episode: e.index, pattern: e.pattern, what: e.what, found, ok };
  });
  const falsePatterns = patterns.filter((p) => !used.has(p));
  return { rows, falsePatterns, allFound: rows.every((r) => r.ok) };
}
