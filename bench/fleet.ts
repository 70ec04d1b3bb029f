// `npm run bench -- fleet [--crashes N] [--hosts H] [--days D] [--store pglite|postgres|both]`: the fleet
// service from a separate process on loopback (autocannon, bounded request counts): ingest of ktriage JSON
// reports (acknowledged only when durable), raw-log ingest with server-side analysis, bucket list, bucket
// page and timeline queries on a simulated fleet, and pattern detection against its ground truth.
// PostgreSQL runs use KTRIAGE_BENCH_DATABASE_URL (a server you started; each run gets a fresh database).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { repoRoot, sharedDir } from './util.js';
import { analyze } from '../src/analyze.js';
import { openDb } from '../src/fleet/db.js';
import { simulate, evaluate } from '../src/fleet/simulate.js';
import { migrate } from '../src/fleet/migrations.js';
import { Store, crashFacts, type CrashFacts } from '../src/fleet/store.js';
import type { Report } from '../src/model/types.js';
import type { Pattern } from '../src/fleet/patterns.js';

const TOKEN = 'bench-token-0123';
const DAY = 86_400_000;
// KTRIAGE_BENCH_BIN: another build's bin.js (to compare two versions of the server with one bench);
// KTRIAGE_BENCH_SERVE_ARGS: extra `serve` arguments (e.g. `--ingest-threads 0`).
const BIN = process.env.KTRIAGE_BENCH_BIN ?? join(repoRoot(), 'dist', 'src', 'cli', 'bin.js');

async function serve(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [...(process.env.KTRIAGE_BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean), BIN, 'serve', '--listen', '127.0.0.1:0', '--ingest-token', TOKEN, '--max-inflight', '512', ...(process.env.KTRIAGE_BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ktriage serve: (http:\/\/[\d.:]+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return { proc, url };
}

/** CPU time (user + system, ms) a process used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const stop = (p: ChildProcess) => new Promise<void>((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); });

interface Run { label: string; reqs: number; rps: number; p50: number; p97: number; p99: number; non2xx: number; errors: number; cannonMs: number }

async function cannon(label: string, o: autocannon.Options): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let last = t0;
  // The rate from the last response's time: autocannon ends a run (and its duration) on its 1 s sample tick.
  const inst = autocannon({ connections: 32, timeout: 30, ...o }) as unknown as Promise<autocannon.Result> & autocannon.Instance;
  inst.on('response', () => (last = performance.now()));
  const r = await inst;
  const wallS = Math.max(1e-3, (last - t0) / 1000);
  const c = process.cpuUsage(c0);
  return { label, cannonMs: (c.user + c.system) / 1000 / Math.max(1, r.requests.total), reqs: r.requests.total, rps: r.requests.total / wallS /* not requests.average nor duration: both in whole seconds' samples */, p50: r.latency.p50, p97: r.latency.p97_5, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

function row(r: Run): string {
  return `${r.label.padEnd(58)} ${String(r.reqs).padStart(7)} ${r.rps.toFixed(0).padStart(7)}/s  p50 ${String(r.p50).padStart(4)} ms  p97.5 ${String(r.p97).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  non-2xx ${r.non2xx}  errors ${r.errors}`;
}

export async function benchFleet(argv: string[]): Promise<string> {
  if (argv.includes('--bulk')) return benchFleetBulk(argv);
  const arg = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1]! : d; };
  const crashes = Number(arg('--crashes', '100000'));
  const days = Number(arg('--days', '30'));
  const hosts = Number(arg('--hosts', String(Math.max(100, Math.round(crashes / days / 0.3)))));
  const which = arg('--store', 'both');
  // --only ingest: the two ingest runs alone (no simulated fleet, no queries).
  const only = arg('--only', 'all');
  const amount = Number(arg('--amount', '20000'));
  const pgUrl = process.env.KTRIAGE_BENCH_DATABASE_URL ?? '';
  const out: string[] = [`bench/fleet: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at start; autocannon from this process, the server in another, loopback only`];
  const report = JSON.stringify(analyze([join(sharedDir(), 'lab', 'out', 'oops-null-module', 'console.log')]));
  const raw = readFileSync(join(sharedDir(), 'lab', 'out', 'softlockup-rcu-module', 'console.log'), 'utf8');
  const stores = ['pglite', 'postgres'].filter((s) => which === 'both' || which === s).filter((s) => s === 'pglite' || pgUrl);
  if (which !== 'pglite' && !pgUrl) out.push('(postgres skipped: set KTRIAGE_BENCH_DATABASE_URL)');
  for (const store of stores) {
    const dir = mkdtempSync(join(tmpdir(), 'ktriage-bench-fleet-'));
    let dbUrl = '';
    let dbName = '';
    if (store === 'postgres') {
      dbName = `ktbench_${randomBytes(5).toString('hex')}`;
      const a = await openDb({ url: pgUrl, poolSize: 1 });
      await a.query(`CREATE DATABASE ${dbName}`);
      await a.close();
      const u = new URL(pgUrl);
      u.pathname = `/${dbName}`;
      dbUrl = u.toString();
    }
    const { proc, url } = await serve(store === 'pglite' ? ['--data-dir', join(dir, 'data')] : ['--database', dbUrl]);
    try {
      out.push('', `== ${store} ==`);
      let n = 0;
      const cpu0 = cpuMs(proc.pid);
      const ingest = await cannon(`ingest JSON report (${(report.length / 1024).toFixed(0)} KB)`, {
        url, amount,
        requests: [{ method: 'POST', path: '/api/v1/reports?host=x', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: report,
          setupRequest: (req) => ({ ...req, path: `/api/v1/reports?host=bench-${n++ % 5000}&time=${new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString()}` }) }],
      });
      out.push(row(ingest));
      const cpu1 = cpuMs(proc.pid);
      const stored = (await (await fetch(`${url}/metrics`)).text()).match(/^ktriage_fleet_reports_ingested_total (\d+)$/m)?.[1];
      out.push(`  acknowledged ${ingest.reqs - ingest.non2xx}, stored ${stored}; server CPU ${((cpu1 - cpu0) / ingest.reqs).toFixed(2)} ms per report (PGlite included; load-independent); load generator CPU ${ingest.cannonMs.toFixed(2)} ms per request`);
      // The same, every report distinct (as a fleet's are: each body stored, compressed, in the WAL), from
      // 32 connections and from 128 (a fleet's hosts push at once: more requests ride in each group commit).
      const parts = report.split('"schemaVersion"');
      for (const connections of [32, 128]) {
        const cpu2 = cpuMs(proc.pid);
        const distinct = await cannon(`ingest distinct JSON reports (${(report.length / 1024).toFixed(0)} KB), ${connections} conn.`, {
          url, amount, connections,
          requests: [{ method: 'POST', path: '/api/v1/reports?host=x', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: report,
            setupRequest: (req) => ({ ...req, body: parts.join(`"benchSeq":${n},"schemaVersion"`), path: `/api/v1/reports?host=bench-${n++ % 5000}&time=${new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString()}` }) }],
        });
        out.push(row(distinct));
        out.push(`  acknowledged ${distinct.reqs - distinct.non2xx}; server CPU ${((cpuMs(proc.pid) - cpu2) / distinct.reqs).toFixed(2)} ms per report; load generator CPU ${distinct.cannonMs.toFixed(2)} ms per request`);
      }
      // Two connections: the server analyses at most max(2, ingest threads) logs at once and answers 429
      // beyond (a client retries after Retry-After); the figure per core is from the server's CPU.
      const cpu3 = cpuMs(proc.pid);
      const rawRun = await cannon(`ingest raw log, analysed by the server (${(raw.length / 1024).toFixed(0)} KB)`, {
        url, amount: 400, connections: 2,
        requests: [{ method: 'POST', path: '/api/v1/reports?host=raw', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: raw,
          setupRequest: (req) => ({ ...req, path: `/api/v1/reports?host=raw-${n++}` }) }],
      });
      const rawCpu = (cpuMs(proc.pid) - cpu3) / Math.max(1, rawRun.reqs - rawRun.non2xx);
      out.push(row(rawRun));
      out.push(`  server CPU ${rawCpu.toFixed(2)} ms per analysed log: ${(1000 / rawCpu).toFixed(0)} logs/s per core`);
      if (only === 'ingest') continue;
      // The simulated fleet through the API (the simulator's own pusher), then the queries on it.
      const t0 = Date.now();
      const f = simulate({ hosts, days, seed: 7, rate: crashes / hosts / days });
      const sim = spawn(process.execPath, [BIN, 'fleet', 'simulate', '--hosts', String(hosts), '--days', String(days), '--seed', '7', '--rate', String(crashes / hosts / days), '--server', url, '--token', TOKEN, '--concurrency', '32'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let simOut = '';
      let simErr = '';
      sim.stdout!.on('data', (d: Buffer) => (simOut += d.toString()));
      sim.stderr!.on('data', (d: Buffer) => (simErr += d.toString()));
      await new Promise((r) => sim.once('exit', r));
      out.push(`simulated fleet: ${f.crashes.length} crashes on ${hosts} hosts over ${days} days pushed in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${simErr.trim().split('\n').at(-1)}`);
      const buckets = (await (await fetch(`${url}/api/v1/buckets?level=2&sort=crashes&limit=5`)).json()) as { buckets: { id: string }[] };
      const top = buckets.buckets[0]!.id;
      const day = new Date(f.startMs + Math.floor(days / 2) * 86_400_000);
      const q = (label: string, path: string) => cannon(label, { url: url + path, amount: 2000, connections: 8 });
      out.push(row(await q('GET /api/v1/buckets (level 2, by crashes)', '/api/v1/buckets?level=2&sort=crashes')));
      out.push(row(await q('GET /api/v1/buckets/{largest}', `/api/v1/buckets/${top}`)));
      out.push(row(await q('GET /api/v1/timeline (one day)', `/api/v1/timeline?from=${day.toISOString()}&to=${new Date(day.getTime() + 86_400_000).toISOString()}`)));
      out.push(row(await q('GET /buckets/{largest} (HTML page)', `/buckets/${top}`)));
      const pt = Date.now();
      const ps = ((await (await fetch(`${url}/api/v1/patterns?from=${new Date(f.startMs).toISOString()}&to=${new Date(f.endMs).toISOString()}`)).json()) as { patterns: Pattern[] }).patterns;
      out.push(`patterns over ${f.crashes.length} crashes: ${Date.now() - pt} ms (first, uncached)`);
      const ev = evaluate(ps, f.episodes);
      out.push('  episode  injected             found                                 ok   what');
      for (const r of ev.rows) out.push(`  ${String(r.episode).padEnd(8)} ${r.pattern.padEnd(20)} ${(r.found.join(',') || '-').padEnd(37)} ${r.ok ? 'yes' : 'NO '}  ${r.what}`);
      out.push(`  false patterns: ${ev.falsePatterns.length}${ev.falsePatterns.map((p) => `\n    ${p.id}: ${p.summary.slice(0, 160)}`).join('')}`);
      void simOut;
    } finally {
      await stop(proc);
      rmSync(dir, { recursive: true, force: true });
      if (dbName) {
        const a = await openDb({ url: pgUrl, poolSize: 1 });
        await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
        await a.close();
      }
    }
  }
  out.push('', `load average ${loadavg()[0]!.toFixed(1)} at the end`);
  return out.join('\n');
}

/** p50/p95/max of `n` sequential GETs (one connection, from this process: the server is another). */
async function sequential(label: string, url: string, n: number): Promise<string> {
  const ms: number[] = [];
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    if (r.status !== 200) bad++;
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!.toFixed(1);
  return `${label.padEnd(44)} ${String(n).padStart(5)} sequential  p50 ${q(0.5).padStart(6)} ms  p95 ${q(0.95).padStart(6)} ms  max ${q(1).padStart(6)} ms  non-200 ${bad}`;
}

/**
 * `fleet --bulk --crashes N [--hosts H] [--days D] [--keep]`: the query figures at fleet scale. The simulated
 * fleet is written straight into PostgreSQL (KTRIAGE_BENCH_DATABASE_URL, a fresh database) with the
 * ingest's own multi-row statement, 5,000 crashes per statement, NOT through HTTP (a load through the API
 * is what the ingest figures measure); the aggregator then folds them as the service would. Then
 * `ktriage serve` on that database answers the bucket list, bucket pages and timeline, measured from here.
 */
async function benchFleetBulk(argv: string[]): Promise<string> {
  const arg = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1]! : d; };
  const crashes = Number(arg('--crashes', '1000000'));
  const hosts = Number(arg('--hosts', '10000'));
  const days = Number(arg('--days', '30'));
  const n = Number(arg('--requests', '100'));
  const pgUrl = process.env.KTRIAGE_BENCH_DATABASE_URL ?? '';
  if (!pgUrl) return 'bench fleet --bulk: set KTRIAGE_BENCH_DATABASE_URL (a PostgreSQL server)';
  const out: string[] = [`bench/fleet --bulk: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at start`];
  const dbName = arg('--database', `ktbench_${randomBytes(5).toString('hex')}`);
  const u = new URL(pgUrl);
  u.pathname = `/${dbName}`;
  const dbUrl = u.toString();
  const reuse = argv.includes('--reuse');
  if (!reuse) {
    const a = await openDb({ url: pgUrl, poolSize: 1 });
    await a.query(`CREATE DATABASE ${dbName}`);
    await a.close();
  }
  const f = simulate({ hosts, days, seed: 7, rate: crashes / hosts / days });
  try {
    if (!reuse) {
      const db = await openDb({ url: dbUrl, poolSize: 4 });
      await migrate(db);
      const store = new Store(db);
      await store.init();
      store.batching = false;
      const facts = new Map<string, CrashFacts>();
      const t0 = Date.now();
      let done = 0;
      const CHUNK = 5000;
      const chunks: number[] = [];
      for (let i = 0; i < f.crashes.length; i += CHUNK) chunks.push(i);
      // Two statements in flight (the machine has 2 cores).
      const worker = async () => {
        for (let i = chunks.shift(); i !== undefined; i = chunks.shift()) {
          const items = f.crashes.slice(i, i + CHUNK).map((c) => {
            const body = f.body(c);
            const key = `${c.template}/${c.kernel}`;
            let x = facts.get(key);
            if (!x) facts.set(key, (x = crashFacts(JSON.parse(body) as Report)));
            return { facts: x, body, meta: { host: c.host, timeMs: c.timeMs, labels: c.labels, source: 'json' as const } };
          });
          // Buckets first (the ingest path does this per request).
          for (const x of items) if (x.facts.buckets) await (store as unknown as { ensureBuckets(b: unknown, t: number): Promise<void> }).ensureBuckets(x.facts.buckets, x.meta.timeMs);
          const created = await store.ingestMany(items);
          done += created;
          if (done % 100_000 < CHUNK) process.stderr.write(`  loaded ${done} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
        }
      };
      await Promise.all([worker(), worker()]);
      const loadS = (Date.now() - t0) / 1000;
      out.push(`loaded ${done} crashes (${f.crashes.length} simulated, ${hosts} hosts, ${days} days) in ${loadS.toFixed(0)} s (${(done / loadS).toFixed(0)}/s, multi-row INSERT straight into the store, not HTTP)`);
      const t1 = Date.now();
      const folded = await store.aggregate();
      out.push(`aggregated ${folded} in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
      await db.query('ANALYZE');
      await db.close();
    }
    const { proc, url } = await serve(['--database', dbUrl]);
    try {
      const buckets = (await (await fetch(`${url}/api/v1/buckets?level=2&sort=crashes&limit=5`)).json()) as { buckets: { id: string; crashes: number; hosts: number; parent: string }[] };
      const top = buckets.buckets[0]!;
      out.push(`largest level-2 bucket: ${top.crashes} crashes on ${top.hosts} hosts`);
      const day = new Date(f.startMs + Math.floor(days / 2) * DAY);
      const dayEnd = new Date(day.getTime() + DAY).toISOString();
      const tests: [string, string][] = [
        ['GET /api/v1/buckets (level 2, by crashes)', '/api/v1/buckets?level=2&sort=crashes'],
        ['GET /api/v1/buckets (level 1, by last seen)', '/api/v1/buckets?level=1'],
        ['GET /api/v1/buckets/{largest level 2}', `/api/v1/buckets/${top.id}`],
        ['GET /api/v1/buckets/{its level 1}', `/api/v1/buckets/${top.parent}`],
        ['GET /api/v1/timeline (one day)', `/api/v1/timeline?from=${day.toISOString()}&to=${dayEnd}`],
        ['GET /api/v1/timeline (one day, largest bucket)', `/api/v1/timeline?from=${day.toISOString()}&to=${dayEnd}&bucket=${top.id}`],
        ['GET /buckets (HTML)', '/buckets'],
        ['GET /buckets/{largest} (HTML)', `/buckets/${top.id}`],
        ['GET /timeline (HTML, one day)', `/timeline?from=${day.toISOString()}&to=${dayEnd}`],
        ['GET /api/v1/crashes (newest 50)', '/api/v1/crashes?limit=50'],
      ];
      for (const [label, path] of tests) {
        await fetch(url + path).then((r) => r.arrayBuffer());
        out.push(await sequential(label, url + path, n));
      }
      if (argv.includes('--no-patterns')) return out.join('\n');
      const pt = Date.now();
      const purl = `${url}/api/v1/patterns?from=${new Date(f.startMs).toISOString()}&to=${new Date(f.endMs).toISOString()}`;
      // While the computation runs: a second request for it (shares it) and a bucket list (not blocked).
      const first = fetch(purl).then((r) => r.json() as Promise<{ patterns: Pattern[]; computedAt: string }>);
      await new Promise((r) => setTimeout(r, 1000));
      const second = fetch(purl).then((r) => r.json() as Promise<{ computedAt: string }>);
      const during = await sequential('GET /api/v1/buckets during the computation', `${url}/api/v1/buckets?level=2&sort=crashes`, 20);
      const res = await first;
      const ps = res.patterns;
      out.push(`patterns over ${f.crashes.length} crashes: ${((Date.now() - pt) / 1000).toFixed(1)} s (uncached); a second request meanwhile shared it: ${(await second).computedAt === res.computedAt}`);
      out.push(during);
      const ct = performance.now();
      await (await fetch(purl)).arrayBuffer();
      out.push(`patterns again (cached): ${(performance.now() - ct).toFixed(0)} ms`);
      const ev = evaluate(ps, f.episodes);
      for (const r of ev.rows) out.push(`  ${String(r.episode).padEnd(3)} ${r.pattern.padEnd(20)} ${(r.found.join(',') || '-').padEnd(37)} ${r.ok ? 'yes' : 'NO '}  ${r.what}`);
      out.push(`  false patterns: ${ev.falsePatterns.length}${ev.falsePatterns.map((p) => `\n    ${p.id}: ${p.summary.slice(0, 160)}`).join('')}`);
    } finally {
      await stop(proc);
    }
  } finally {
    if (!argv.includes('--keep')) {
      const a = await openDb({ url: pgUrl, poolSize: 1 });
      await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await a.close();
    } else out.push(`database kept: ${dbUrl}`);
  }
  out.push(`load average ${loadavg()[0]!.toFixed(1)} at the end`);
  return out.join('\n');
}
