// `npm run fleet:demo -- [--hosts N] [--database URL --workers 2] [--out DIR]`: issue 16's Done-when, as a new
// user would do it, through the real CLI (dist/ktriage.mjs) as child processes: `ktriage serve` (embedded
// PGlite in a temporary data dir, or PostgreSQL with --database and `ktriage worker` processes), `ktriage
// push` of the lab's console logs (and, with workers, two lab vmcores analysed as jobs), `ktriage fleet
// simulate` of ~10 crashes per host over 30 days, then the web UI in Debian's headless Chromium
// (playwright-core): crash list, buckets, the largest bucket's page, host pages, a full report, the fleet
// timeline, the patterns page. Each page is checked (status 200, no console error, its elements), saved as
// a full-page PNG in the output dir; the patterns on the server are matched to the simulator's ground
// truth (evaluate()). Prints the tables and timings; exits 1 if any check failed, 2 on a usage error.
//   --hosts N          simulated hosts (default 10000: ~100,000 crashes at --rate 0.333)
//   --days D           simulated days (default 30); --rate R: crashes per host-day (default 0.333)
//   --seed S           the simulator's seed (default 42)
//   --database URL     PostgreSQL (an empty database) instead of the embedded store
//   --workers N        `ktriage worker` processes (default 2 with --database, 0 without); with workers, two
//                      lab vmcores are pushed and must be analysed
//   --out DIR          screenshots, logs and the ground truth (default /tmp/ktriage-demo)
//   --timeout-min M    the whole run's bound (default 120)
//   --lab-time ISO     push the lab logs (no wall clock in them) with this crash time instead of the push's;
//                      `before`: a day before the simulated fleet (outside the patterns' 30 days)
//   --keep             keep the embedded data dir (printed)
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { repoRoot, sharedDir } from '../src/util/repo.js';
import { evaluate, type Episode } from '../src/fleet/simulate.js';
import type { Pattern } from '../src/fleet/patterns.js';

const CHROMIUM = '/usr/bin/chromium';
const BIN = join(repoRoot(), 'dist', 'ktriage.mjs');
const PATTERN_IDS = ['fleet-simultaneous', 'fleet-spreading', 'fleet-compromise', 'fleet-regression'] as const;
const LAB_HOST = 'lab-qemu';

interface Opts { hosts: number; days: number; rate: number; seed: number; database: string | null; workers: number; out: string; timeoutMin: number; keep: boolean; labTime: string | null }

function parse(argv: string[]): Opts {
  const o: Opts = { hosts: 10000, days: 30, rate: 0.333, seed: 42, database: null, workers: -1, out: '/tmp/ktriage-demo', timeoutMin: 120, keep: false, labTime: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = () => {
      const n = Number(v());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} needs a positive number`);
      return n;
    };
    if (a === '--hosts') o.hosts = Math.floor(num());
    else if (a === '--days') o.days = Math.floor(num());
    else if (a === '--rate') o.rate = num();
    else if (a === '--seed') o.seed = Math.floor(num());
    else if (a === '--database') o.database = v();
    else if (a === '--workers') o.workers = Math.floor(Number(v()));
    else if (a === '--out') o.out = v();
    else if (a === '--timeout-min') o.timeoutMin = num();
    else if (a === '--keep') o.keep = true;
    else if (a === '--lab-time') o.labTime = v();
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.workers < 0) o.workers = o.database ? 2 : 0;
  if (o.workers > 0 && !o.database) throw new Error('--workers needs --database (the embedded store is owned by one process; its jobs are for workers of a shared PostgreSQL)');
  return o;
}

const children = new Set<ChildProcess>();
const logStreams: ReturnType<typeof createWriteStream>[] = [];

/** A child process of the CLI; its stderr (and stdout unless captured) goes to a log file in the output dir. */
function cli(args: string[], log: string): ChildProcess {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(p);
  p.once('exit', () => children.delete(p));
  const w = createWriteStream(log);
  logStreams.push(w);
  p.stderr!.pipe(w, { end: false });
  return p;
}

/** Runs a CLI command to its end (bounded): exit code, stdout, stderr. */
function run(args: string[], log: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  const p = cli(args, log);
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => p.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr: stderr + (code === null ? `\n(killed after ${timeoutMs} ms)` : ''), ms: performance.now() - t0 });
  }));
}

/** Stops a child: SIGTERM, then SIGKILL after 20 s. */
function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const k = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.once('exit', () => {
      clearTimeout(k);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

async function startServe(args: string[], log: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = cli(['serve', '--listen', '127.0.0.1:0', ...args], log);
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ktriage serve did not start within 120 s: ${err.slice(-500)}`)), 120_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ktriage serve: (http:\/\/[\d.:]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`ktriage serve exited ${c}: ${err.slice(-1000)}`));
    });
  });
  return { proc, url };
}

interface JobState { state: string; worker: string | null; result: { id?: number; title?: string } | null; error: string | null }

interface Check { what: string; ok: boolean; detail: string }
const checks: Check[] = [];
function check(what: string, ok: boolean, detail = ''): boolean {
  checks.push({ what, ok, detail });
  process.stderr.write(`fleet-demo: ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}\n`);
  return ok;
}

async function getJson<T>(url: string): Promise<{ status: number; json: T }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  return { status: r.status, json: (await r.json()) as T };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number) => n.toLocaleString('en-US');

async function main(): Promise<number> {
  let o: Opts;
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fleet-demo: ${(err as Error).message}\n`);
    return 2;
  }
  const lab = join(sharedDir(), 'lab', 'out');
  if (!existsSync(BIN)) return fail(`${BIN} is missing: npm run build`);
  if (!existsSync(lab)) return fail(`${lab} is missing (the lab corpus)`);
  if (!existsSync(CHROMIUM)) return fail(`${CHROMIUM} is missing (apt-get install chromium)`);
  mkdirSync(o.out, { recursive: true });
  for (const f of readdirSync(o.out)) if (f.endsWith('.png') || f.endsWith('.log')) rmSync(join(o.out, f));
  const store = o.database ? 'postgres' : 'pglite';
  const load0 = loadavg();
  const t00 = performance.now();
  process.stderr.write(`fleet-demo: ${store}${o.workers ? ` with ${o.workers} workers` : ''}, ${fmt(o.hosts)} hosts x ${o.days} days at ${o.rate}/host-day (seed ${o.seed}); ${cpus().length} CPUs, load average ${load0.map((x) => x.toFixed(2)).join(' ')}; output in ${o.out}\n`);
  const token = randomBytes(12).toString('hex');
  const dataDir = o.database ? null : mkdtempSync(join(tmpdir(), 'ktriage-demo-data-'));
  const timings: [string, string][] = [];
  const procs: ChildProcess[] = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`fleet-demo: FAIL the run took more than ${o.timeoutMin} minutes; stopping\n`);
    for (const p of children) p.kill('SIGKILL');
    process.exit(1);
  }, o.timeoutMin * 60_000);
  try {
    // 1. The service (and its workers).
    const t0 = performance.now();
    const { proc, url } = await startServe([...(o.database ? ['--database', o.database] : ['--data-dir', dataDir!]), '--ingest-token', token], join(o.out, 'serve.log'));
    procs.push(proc);
    timings.push(['serve start', `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
    process.stderr.write(`fleet-demo: ktriage serve at ${url}\n`);
    const before = await getJson<{ buckets: unknown[] }>(`${url}/api/v1/buckets?level=1&limit=1`);
    if (!check('the store starts empty', before.json.buckets.length === 0, `${before.json.buckets.length} buckets already there: use an empty database`)) return 1;
    for (let k = 0; k < o.workers; k++) procs.push(cli(['worker', '--server', url, '--token', token, '--name', `demo-worker-${k + 1}`, '--poll-ms', '500'], join(o.out, `worker-${k + 1}.log`)));

    // The simulated fleet ends now (the patterns page looks at the 30 days before the latest crash).
    const startMs = Math.floor((Date.now() - o.days * 86_400_000) / 3_600_000) * 3_600_000;
    if (o.labTime === 'before') o.labTime = new Date(startMs - 86_400_000).toISOString();

    // 2. The lab's console logs, raw: the server analyses them.
    const logs = readdirSync(lab).sort().map((d) => join(lab, d, 'console.log')).filter((f) => existsSync(f));
    const labTime = o.labTime ? ['--time', o.labTime] : [];
    const push = await run(['push', '--server', url, '--token', token, '--host', LAB_HOST, ...labTime, ...logs], join(o.out, 'push.log'), 300_000);
    const pushed = push.stdout.split('\n').filter((l) => /\tcrash \d+/.test(l));
    check(`ktriage push of ${logs.length} lab console logs`, push.code === 0 && pushed.length === logs.length, `${pushed.length} crashes stored, exit ${push.code}${push.code ? `: ${push.stderr.slice(-300)}` : ''}`);
    timings.push(['push: lab console logs (raw, analysed by the server)', `${logs.length} in ${(push.ms / 1000).toFixed(1)} s (${(logs.length / (push.ms / 1000)).toFixed(1)}/s, one process)`]);
    const labCrash = (scenario: string) => Number(/\tcrash (\d+)/.exec(pushed.find((l) => l.includes(`/${scenario}/`)) ?? '')?.[1] ?? NaN);

    // 3. With workers: two lab vmcores, analysed by the workers as jobs.
    const vmcoreCrashes: number[] = [];
    if (o.workers > 0) {
      const dumps = [join(lab, 'oops-null-module', 'vmcore.zst'), join(lab, 'stack-protector-module', 'vmcore')].filter((f) => existsSync(f));
      const tv = performance.now();
      const pv = await run(['push', '--server', url, '--token', token, '--host', `${LAB_HOST}-kdump`, ...labTime, ...dumps], join(o.out, 'push-vmcores.log'), 300_000);
      const jobs = [...pv.stdout.matchAll(/\tjob (\d+)/g)].map((m) => Number(m[1]));
      check(`ktriage push of ${dumps.length} lab vmcores`, pv.code === 0 && jobs.length === 2, `jobs ${jobs.join(', ')}${pv.code ? `: ${pv.stderr.slice(-300)}` : ''}`);
      const workersSeen = new Set<string>();
      for (const j of jobs) {
        let st: JobState | null = null;
        for (let i = 0; i < 600; i++) {
          st = (await getJson<JobState>(`${url}/api/v1/jobs/${j}`)).json;
          if (st.state === 'done' || st.state === 'failed') break;
          await sleep(1000);
        }
        if (st?.worker) workersSeen.add(st.worker);
        if (st?.result?.id) vmcoreCrashes.push(st.result.id);
        check(`vmcore job ${j} analysed by a worker`, st?.state === 'done', `${st?.state} by ${st?.worker}: crash ${st?.result?.id} ${st?.result?.title ?? st?.error ?? ''}`);
      }
      timings.push(['vmcores: upload and analysis by the workers', `${dumps.length} in ${((performance.now() - tv) / 1000).toFixed(1)} s (${[...workersSeen].join(', ')})`]);
    }

    // 4. The simulated fleet.
    const start = new Date(startMs).toISOString();
    const truthFile = join(o.out, 'truth.json');
    const sim = await run(['fleet', 'simulate', '--hosts', String(o.hosts), '--days', String(o.days), '--rate', String(o.rate), '--seed', String(o.seed), '--start', start,
      '--server', url, '--token', token, '--truth', truthFile, '--json'], join(o.out, 'simulate.log'), o.timeoutMin * 60_000);
    const simLine = /fleet simulate: (\d+) pushed in ([\d.]+) s, (\d+) refused/.exec(sim.stderr);
    const simPushed = Number(simLine?.[1] ?? 0);
    const simSecs = Number(simLine?.[2] ?? NaN);
    check('ktriage fleet simulate pushed every crash', !!simLine && simLine[3] === '0', simLine ? `${fmt(simPushed)} pushed, ${simLine[3]} refused` : sim.stderr.slice(-500));
    timings.push(['push: simulated fleet (ktriage JSON, 16 connections)', `${fmt(simPushed)} in ${simSecs.toFixed(0)} s (${(simPushed / simSecs).toFixed(0)}/s, load average ${loadavg()[0]!.toFixed(2)} at the end)`]);

    // 5. What the server holds, and its patterns against the ground truth.
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as { episodes: Episode[]; startMs: number; endMs: number };
    const b1 = (await getJson<{ buckets: { id: string; crashes: number; hosts: number; title: string }[] }>(`${url}/api/v1/buckets?level=1&sort=crashes&limit=1000`)).json.buckets;
    const b2 = (await getJson<{ buckets: { id: string; crashes: number; hosts: number; title: string }[] }>(`${url}/api/v1/buckets?level=2&sort=crashes&limit=1000`)).json.buckets;
    const stored = b1.reduce((a, b) => a + b.crashes, 0);
    const expected = simPushed + pushed.length + vmcoreCrashes.length;
    check('the server holds every crash pushed', stored === expected, `${fmt(stored)} crashes in ${b1.length} level-1 / ${b2.length} level-2 buckets (pushed: ${fmt(simPushed)} simulated + ${pushed.length} lab logs + ${vmcoreCrashes.length} vmcores)`);
    const tp = performance.now();
    const pr = await getJson<{ patterns: Pattern[] }>(`${url}/api/v1/patterns`);
    timings.push(['GET /api/v1/patterns (uncached; the 30 days before the latest crash)', `${((performance.now() - tp) / 1000).toFixed(2)} s`]);
    const patterns = pr.json.patterns;
    const ev = evaluate(patterns, truth.episodes);
    check('every injected episode found, no false pattern (GET /api/v1/patterns)', ev.allFound && ev.falsePatterns.length === 0, `${patterns.length} patterns, ${ev.falsePatterns.length} false${ev.falsePatterns.map((p) => `; false: ${p.id} ${p.summary.slice(0, 160)}`).join('')}`);

    // 6. The UI in headless Chromium.
    const pages = await browse(url, o.out, { patterns, truth, largest: b2[0]!, labCrash: labCrash('oops-null-module'), vmcoreCrash: vmcoreCrashes[0] ?? null, store });
    for (const p of pages) timings.push([`page ${p.path.length > 70 ? p.path.slice(0, 67) + '...' : p.path}`, `${p.ms.toFixed(0)} ms (${p.shot})`]);

    // The tables.
    const w = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
    const out: string[] = [];
    out.push(`fleet demo (${store}${o.workers ? `, ${o.workers} workers` : ''}): ${fmt(stored)} crashes on ${fmt(o.hosts)} simulated hosts and the lab (lab logs at ${o.labTime ?? 'the time of the push'}); ${new Date().toISOString().slice(0, 10)}, ${cpus().length} CPUs, load average ${load0[0]!.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at the end`, '');
    out.push('episode  injected             found                                 ok   what');
    for (const r of ev.rows) out.push(`${String(r.episode).padEnd(8)} ${r.pattern.padEnd(20)} ${w(r.found.join(',') || '-', 37)} ${r.ok ? 'yes' : 'NO '}  ${r.what}`);
    out.push(`patterns found: ${patterns.length}; false patterns: ${ev.falsePatterns.length}; every episode found: ${ev.allFound ? 'yes' : 'no'}`, '');
    out.push('pattern              window (UTC)                         hosts  crashes  bucket');
    for (const p of patterns) out.push(`${p.id.padEnd(20)} ${p.start.slice(0, 16).replace('T', ' ')} – ${p.end.slice(0, 16).replace('T', ' ')}  ${String(p.hosts.length).padStart(5)}  ${String(p.buckets.reduce((a, b) => a + b.crashes, 0)).padStart(7)}  ${w(p.buckets.length === 1 ? p.buckets[0]!.title : `${p.buckets.length} buckets`, 60)}`);
    out.push('');
    const tw = Math.max(...timings.map((t) => t[0].length));
    for (const [k, v] of timings) out.push(`${k.padEnd(tw)}  ${v}`);
    out.push(`total ${((performance.now() - t00) / 1000).toFixed(0)} s; checks: ${checks.filter((c) => c.ok).length} passed, ${checks.filter((c) => !c.ok).length} failed`);
    for (const c of checks.filter((x) => !x.ok)) out.push(`  FAILED: ${c.what}: ${c.detail}`);
    process.stdout.write(out.join('\n') + '\n');
    return checks.every((c) => c.ok) ? 0 : 1;
  } catch (err) {
    check('the demo ran to its end', false, (err as Error).stack ?? String(err));
    return 1;
  } finally {
    clearTimeout(deadline);
    for (const p of procs.reverse()) await stop(p);
    for (const p of children) await stop(p);
    for (const s of logStreams) s.end();
    if (dataDir && !o.keep) rmSync(dataDir, { recursive: true, force: true });
    else if (dataDir) process.stderr.write(`fleet-demo: data kept in ${dataDir} (ktriage serve --data-dir ${dataDir})\n`);
  }
}

function fail(msg: string): number {
  process.stderr.write(`fleet-demo: ${msg}\n`);
  return 2;
}

interface PageResult { path: string; ms: number; shot: string }

interface BrowseCtx {
  patterns: Pattern[];
  truth: { episodes: Episode[] };
  largest: { id: string; crashes: number; hosts: number; title: string };
  labCrash: number;
  vmcoreCrash: number | null;
  store: string;
}

/** Every page a user looks at, in Chromium: status 200, no console error, the page's own elements; a PNG of each. */
async function browse(url: string, out: string, c: BrowseCtx): Promise<PageResult[]> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ktriage-demo-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results: PageResult[] = [];
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(60_000);
    let errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    const visit = async (name: string, path: string, expect: () => Promise<string | null>) => {
      errors = [];
      const t0 = performance.now();
      let status = 0;
      let problem: string | null = null;
      try {
        const res = await page.goto(url + path, { waitUntil: 'load', timeout: 120_000 });
        status = res?.status() ?? 0;
        problem = await expect();
      } catch (err) {
        problem = (err as Error).message.split('\n')[0]!;
      }
      const ms = performance.now() - t0;
      const shot = `${c.store}-${name}.png`;
      await page.screenshot({ path: join(out, shot), fullPage: true }).catch(() => undefined);
      const kb = existsSync(join(out, shot)) ? statSync(join(out, shot)).size / 1024 : 0;
      check(`page ${name} (${path.slice(0, 80)})`, status === 200 && errors.length === 0 && problem === null,
        `${status}, ${ms.toFixed(0)} ms, ${kb.toFixed(0)} KB PNG${errors.length ? `, console: ${errors.join(' | ').slice(0, 300)}` : ''}${problem ? `, ${problem}` : ''}`);
      results.push({ path, ms, shot });
    };
    const count = (sel: string) => page.locator(sel).count();
    const atLeast = async (sel: string, n: number) => {
      const k = await count(sel);
      return k >= n ? null : `${k} × ${sel}, expected at least ${n}`;
    };

    await visit('crashes', '/', () => atLeast('table.crashes tbody tr', 100));
    await visit('buckets', '/buckets?level=2&sort=crashes', () => atLeast('table.buckets tbody tr', 10));
    await visit('bucket', `/buckets/${encodeURIComponent(c.largest.id)}`, async () => {
      await page.waitForSelector('#chart[data-ready="1"] canvas', { timeout: 30_000 });
      const text = (await page.locator('main .card').first().textContent()) ?? '';
      if (!text.includes(`${c.largest.crashes} crashes on ${c.largest.hosts} hosts`)) return `the bucket card does not say ${c.largest.crashes} crashes on ${c.largest.hosts} hosts`;
      return (await page.locator('h1 .state').textContent())?.match(/^(new|ongoing|resolved|regressed)$/) ? null : 'no bucket state';
    });
    await visit('host-lab', `/hosts/${LAB_HOST}`, () => atLeast('table.crashes tbody tr', 9));
    const compromise = c.patterns.find((p) => p.id === 'fleet-compromise');
    if (compromise) await visit('host-compromised', `/hosts/${encodeURIComponent(compromise.hosts[0]!)}`, () => atLeast('table.crashes tbody tr', 1));
    await visit('report', `/crashes/${c.labCrash}`, async () => (/ktl_null_process/.test(await page.title()) ? null : `report title ${await page.title()}`));
    if (c.vmcoreCrash !== null) await visit('report-vmcore', `/crashes/${c.vmcoreCrash}`, async () => ((await page.title()).length > 0 ? null : 'no report title'));
    await visit('patterns', '/patterns', async () => {
      const ids = await page.locator('[data-pattern]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pattern')));
      const missing = PATTERN_IDS.filter((id) => !ids.includes(id));
      return missing.length ? `patterns page lacks ${missing.join(', ')} (has ${ids.join(',')})` : null;
    });
    await visit('timeline', '/timeline', () => atLeast('svg.timeline circle', 100));
    // The timelines the patterns page links to: the hypervisor's vertical line, the spreading diagonal.
    const sim = c.patterns.find((p) => p.id === 'fleet-simultaneous' && Object.keys(p.labels).some((k) => k === 'hypervisor'))
      ?? c.patterns.find((p) => p.id === 'fleet-simultaneous');
    if (sim) {
      const from = new Date(sim.startMs - 6 * 3_600_000).toISOString();
      const to = new Date(sim.endMs + 6 * 3_600_000).toISOString();
      await visit('timeline-simultaneous', `/timeline?from=${from}&to=${to}`, () => atLeast('svg.timeline rect.mark.fleet-simultaneous', 1));
    }
    // (not the rootkit's bucket, which spreads too: its page is the compromise host's)
    const spread = c.patterns.find((p) => p.id === 'fleet-spreading' && !compromise?.buckets.some((b) => b.id === p.buckets[0]?.id));
    if (spread) {
      const from = new Date(spread.startMs - 86_400_000).toISOString();
      const to = new Date(spread.endMs + 86_400_000).toISOString();
      await visit('timeline-spreading', `/timeline?from=${from}&to=${to}&bucket=${encodeURIComponent(spread.buckets[0]!.id ?? '')}`, () => atLeast('svg.timeline circle', spread.hosts.length));
    }
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return results;
}

// Interrupted (Ctrl-C, SIGTERM): the service, its workers and the pusher go too.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`fleet-demo: ${sig}: stopping ${children.size} child processes\n`);
    for (const p of children) p.kill('SIGTERM');
    setTimeout(() => process.exit(130), 3000).unref();
  });
}

main().then((code) => {
  process.exitCode = code;
}, (err) => {
  process.stderr.write(`fleet-demo: ${(err as Error).stack}\n`);
  for (const p of children) p.kill('SIGKILL');
  process.exitCode = 1;
});
