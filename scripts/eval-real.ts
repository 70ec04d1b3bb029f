// `npm run eval:real`: agreement of ktriage's analysis with the expert labels of the real-world corpus
// (<repo>/../shared/corpus/real-world/labels.json, DECISIONS.md 7). An evaluation, not a test: it prints
// agreement per field, every mismatch on one line, and the share of cases right on every field.
// Exit 0 when the corpus was read, 2 when it is missing.
//   --verbose      also print the agreeing cases
//   --only SUBSTR  evaluate the files whose name contains SUBSTR
//   --json         print the per-case results as JSON (for tooling), not the table
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze } from '../src/analyze.js';
import { repoRoot } from '../src/util/repo.js';
import type { Report } from '../src/model/types.js';

interface LabelTask { comm: string | null; pid: number | null }
interface LabelCase {
  file: string;
  crash: { kind: string; task: LabelTask | null; cpu: number | null } | null;
  rootCause: { function: string | string[] | null; module: string | null } | null;
  thirdParty: string[];
  findings: string[];
  notes?: string;
}

export const FIELDS = ['crash', 'kind', 'comm', 'pid', 'cpu', 'function', 'module', 'thirdParty', 'findings'] as const;
export type Field = (typeof FIELDS)[number];

export interface CaseResult {
  file: string;
  /** Field -> [expected, got] for every field that disagrees. */
  mismatches: Partial<Record<Field, [string, string]>>;
  /** Fields this case was judged on. */
  judged: Field[];
  /** Required findings, each with whether it fired. */
  findings: { id: string; fired: boolean }[];
  falseAlarm: boolean;
}

export function corpusDir(): string {
  return join(repoRoot(), '..', 'shared', 'corpus', 'real-world');
}

/** Compiler clone suffixes (`.isra.0`, `.constprop.3`, `.part.1`, `.cold`) do not make another function. */
function baseName(fn: string): string {
  return fn.replace(/(\.(isra|constprop|part|cold|lto_priv|llvm)(\.\d+)?)+$/, '');
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  return String(v);
}

/** The third-party modules ktriage names: every module of a `third-party-module` finding. */
export function thirdPartyOf(report: Report): string[] {
  const out = new Set<string>();
  for (const f of report.diagnosis.findings) {
    if (f.id !== 'third-party-module') continue;
    const d = f.data as { module?: unknown; modules?: unknown };
    if (typeof d.module === 'string') out.add(d.module);
    if (Array.isArray(d.modules)) {
      for (const m of d.modules) {
        if (typeof m === 'string') out.add(m);
        else if (m && typeof m === 'object' && typeof (m as { name?: unknown }).name === 'string') out.add((m as { name: string }).name);
      }
    }
  }
  return [...out].sort();
}

export function judge(c: LabelCase, report: Report): CaseResult {
  const mm: CaseResult['mismatches'] = {};
  const judged: Field[] = ['crash'];
  const got = report.crash;
  const fired = new Set(report.diagnosis.findings.map((f) => f.id));
  const falseAlarm = c.crash === null && (got !== null || report.events.length > 0);
  if ((c.crash === null) !== (got === null)) {
    mm.crash = [c.crash ? 'crash' : 'no crash', got ? `crash (${got.kind}: ${got.title})` : 'no crash'];
  }
  if (c.crash && got) {
    judged.push('kind', 'comm', 'pid', 'cpu');
    if (c.crash.kind !== got.kind) mm.kind = [c.crash.kind, got.kind];
    const et = c.crash.task ?? { comm: null, pid: null };
    if ((et.comm ?? null) !== (got.task.comm ?? null)) mm.comm = [show(et.comm), show(got.task.comm)];
    if ((et.pid ?? null) !== (got.task.pid ?? null)) mm.pid = [show(et.pid), show(got.task.pid)];
    if ((c.crash.cpu ?? null) !== (got.cpu ?? null)) mm.cpu = [show(c.crash.cpu), show(got.cpu)];
  }
  if (c.crash) {
    judged.push('function', 'module');
    const rc = report.diagnosis.rootCause;
    const fn = rc?.function ?? null;
    const want = c.rootCause?.function ?? null;
    const accepted = want === null ? [] : (Array.isArray(want) ? want : [want]).map(baseName);
    const fnOk = want === null ? fn === null : fn !== null && accepted.includes(baseName(fn));
    if (!fnOk) mm.function = [show(want), show(fn)];
    const wantMod = c.rootCause?.module ?? null;
    const mod = rc?.module ?? null;
    if (wantMod !== mod) mm.module = [show(wantMod), show(mod)];
  }
  judged.push('thirdParty');
  const tp = thirdPartyOf(report);
  const wantTp = [...c.thirdParty].sort();
  if (tp.join(',') !== wantTp.join(',')) mm.thirdParty = [show(wantTp), show(tp)];
  const findings = c.findings.map((id) => ({ id, fired: fired.has(id) }));
  if (findings.length > 0) {
    judged.push('findings');
    const missing = findings.filter((f) => !f.fired).map((f) => f.id);
    if (missing.length > 0) mm.findings = [show(c.findings), `missing ${show(missing)}`];
  }
  return { file: c.file, mismatches: mm, judged, findings, falseAlarm };
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`;
}

function main(): number {
  const dir = corpusDir();
  const labelsPath = join(dir, 'labels.json');
  if (!existsSync(labelsPath)) {
    console.error(`eval-real: corpus not found: ${dir}`);
    return 2;
  }
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const asJson = args.includes('--json');
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
  const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as { cases: LabelCase[] };
  const cases = labels.cases.filter((c) => !only || c.file.includes(only));
  const results: CaseResult[] = [];
  const t0 = Date.now();
  for (const c of cases) {
    const path = join(dir, c.file);
    let report: Report;
    try {
      report = analyze([path]);
    } catch (e) {
      results.push({
        file: c.file, judged: ['crash'], findings: [], falseAlarm: false,
        mismatches: { crash: ['analysis', `threw ${(e as Error).message.split('\n')[0]}`] },
      });
      continue;
    }
    results.push(judge(c, report));
  }
  const ms = Date.now() - t0;
  if (asJson) {
    console.log(JSON.stringify(results, null, 1));
    return 0;
  }
  console.log(`eval:real: ${results.length} labelled cases from ${relative(repoRoot(), dir)} (${ms} ms)`);
  console.log('');
  console.log('field'.padEnd(12) + 'agree'.padStart(12) + 'share'.padStart(10));
  for (const f of FIELDS) {
    const judged = results.filter((r) => r.judged.includes(f));
    const ok = judged.filter((r) => !r.mismatches[f]).length;
    console.log(f.padEnd(12) + `${ok}/${judged.length}`.padStart(12) + pct(ok, judged.length).padStart(10));
  }
  const reqIds = new Map<string, { n: number; ok: number }>();
  for (const r of results) {
    for (const f of r.findings) {
      const e = reqIds.get(f.id) ?? { n: 0, ok: 0 };
      e.n++;
      if (f.fired) e.ok++;
      reqIds.set(f.id, e);
    }
  }
  console.log('');
  console.log('required finding'.padEnd(24) + 'fired'.padStart(10));
  for (const [id, e] of [...reqIds].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(id.padEnd(24) + `${e.ok}/${e.n}`.padStart(10));
  }
  const noCrash = results.filter((r, i) => cases[i].crash === null);
  const falseAlarms = results.filter((r) => r.falseAlarm);
  const allOk = results.filter((r) => Object.keys(r.mismatches).length === 0).length;
  console.log('');
  console.log(`false alarms on no-crash inputs: ${falseAlarms.length}/${noCrash.length}`);
  console.log(`cases right on every field: ${allOk}/${results.length} (${pct(allOk, results.length)})`);
  console.log('');
  console.log('mismatches (file: field expected -> got):');
  for (const r of results) {
    const keys = Object.keys(r.mismatches) as Field[];
    if (keys.length === 0) {
      if (verbose) console.log(`  ok  ${r.file}`);
      continue;
    }
    for (const k of keys) {
      const [e, g] = r.mismatches[k]!;
      console.log(`  ${r.file}: ${k} ${e} -> ${g}`);
    }
  }
  return 0;
}

if (process.argv[1] && /eval-real\.(js|ts)$/.test(process.argv[1])) process.exitCode = main();
