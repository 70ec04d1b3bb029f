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
import type { Pattern } from '../src/fleet/patterns.js';

const TOKEN = 'bench-token-0123';
// KTRIAGE_BENCH_BIN: another build's bin.js (to compare two versions of the server with one bench).
const BIN = process.env.KTRIAGE_BENCH_BIN ?? join(repoRoot(), 'dist', 'src', 'cli', 'bin.js');

async function serve(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [...(process.env.KTRIAGE_BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter(Boolean), BIN, 'serve', '--listen', '127.0.0.1:0', '--ingest-token', TOKEN, '--max-inflight', '512', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
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

interface Run { label: string; reqs: number; rps: number; p50: number; p97: number; p99: number; non2xx: number; errors: number }

async function cannon(label: string, o: autocannon.Options): Promise<Run> {
  const r = await autocannon({ connections: 32, timeout: 30, ...o });
  return { label, reqs: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p97: r.latency.p97_5, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

function row(r: Run): string {
  return `${r.label.padEnd(44)} ${String(r.reqs).padStart(7)} ${r.rps.toFixed(0).padStart(7)}/s  p50 ${String(r.p50).padStart(4)} ms  p97.5 ${String(r.p97).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  non-2xx ${r.non2xx}  errors ${r.errors}`;
}

export async function benchFleet(argv: string[]): Promise<string> {
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
      out.push(`  acknowledged ${ingest.reqs - ingest.non2xx}, stored ${stored}; server CPU ${((cpu1 - cpu0) / ingest.reqs).toFixed(2)} ms per report (PGlite included; load-independent)`);
      out.push(row(await cannon(`ingest raw log, analysed by the server (${(raw.length / 1024).toFixed(0)} KB)`, {
        url, amount: 400, connections: 4,
        requests: [{ method: 'POST', path: '/api/v1/reports?host=raw', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: raw,
          setupRequest: (req) => ({ ...req, path: `/api/v1/reports?host=raw-${n++}` }) }],
      })));
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
