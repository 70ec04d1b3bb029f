// `ktriage fleet rebucket` and `ktriage fleet simulate` (src/fleet/store.ts, src/fleet/simulate.ts).
import { writeFileSync } from 'node:fs';
import { type CliIO, usageError, fail } from './io.js';
import { parseArgs, one } from './fleet-args.js';

export const USAGE = `usage: ktriage fleet rebucket [--database URL | --data-dir DIR | --server URL --token T]
       ktriage fleet simulate --hosts N --days D [--seed S] [--server URL --token T] [--truth FILE]

rebucket: recompute every crash's bucket after a rule change (grouping_version); with --server, queue it
as a job that a \`ktriage worker\` runs (resumable, under a lease) and print the job id.
simulate: a reproducible synthetic fleet (lab and corpus reports with hosts, times, labels, kernels) with
injected simultaneous, spreading, compromise and regression episodes and their ground truth (docs/fleet.md).
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'rebucket') return rebucket(rest, io);
  if (sub === 'simulate') return simulateCmd(rest, io);
  return usageError(io, `fleet needs a subcommand: rebucket | simulate`);
}

async function rebucket(argv: string[], io: CliIO): Promise<number> {
  let p;
  try {
    p = parseArgs(argv, ['--database', '--data-dir', '--server', '--token']);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const server = one(p, '--server');
  if (server) {
    const { request } = await import('../fleet/client.js');
    try {
      const r = await request({ server, token: one(p, '--token') ?? process.env.KTRIAGE_INGEST_TOKEN }, 'POST', '/api/v1/admin/rebucket');
      if (r.status !== 202) return fail(io, new Error(`rebucket refused: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`));
      const j = r.json as { job: number; queued: boolean };
      io.stdout.write(`rebucket job ${j.job} ${j.queued ? 'queued' : 'already queued'}: a \`ktriage worker\` runs it\n`);
      return 0;
    } catch (err) {
      return fail(io, err);
    }
  }
  const { openDb } = await import('../fleet/db.js');
  const { migrate } = await import('../fleet/migrations.js');
  const { Store } = await import('../fleet/store.js');
  try {
    const db = await openDb({ url: one(p, '--database') ?? process.env.KTRIAGE_DATABASE_URL ?? null, dataDir: one(p, '--data-dir') ?? 'ktriage-data' });
    try {
      await migrate(db);
      const s = new Store(db);
      await s.init();
      const r = await s.rebucket();
      io.stdout.write(`rebucketed ${r.crashes} crashes into ${r.buckets} buckets, grouping version ${r.groupingVersion}\n`);
    } finally {
      await db.close();
    }
    return 0;
  } catch (err) {
    return fail(io, err);
  }
}

async function simulateCmd(argv: string[], io: CliIO): Promise<number> {
  let p;
  try {
    p = parseArgs(argv, ['--hosts', '--days', '--seed', '--rate', '--server', '--token', '--truth', '--concurrency', '--start'], ['--json']);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { simulate, patternRows, evaluate } = await import('../fleet/simulate.js');
  const { detectPatterns } = await import('../fleet/patterns.js');
  const { request } = await import('../fleet/client.js');
  try {
    const hosts = Number(one(p, '--hosts') ?? 1000);
    const days = Number(one(p, '--days') ?? 30);
    const seed = Number(one(p, '--seed') ?? 1);
    if (!(hosts > 0) || !(days > 0)) return usageError(io, '--hosts N and --days D must be positive');
    const f = simulate({ hosts, days, seed, rate: one(p, '--rate') ? Number(one(p, '--rate')) : undefined, start: one(p, '--start') ? Date.parse(one(p, '--start')!) : undefined });
    io.stderr.write(`fleet simulate: ${f.crashes.length} crashes on ${hosts} hosts over ${days} days from ${f.templates.length} report templates (seed ${seed})\n`);
    if (one(p, '--truth')) writeFileSync(one(p, '--truth')!, JSON.stringify({ seed, hosts, days, startMs: f.startMs, endMs: f.endMs, episodes: f.episodes }, null, 1));
    const server = one(p, '--server');
    let patterns;
    if (server) {
      const o = { server, token: one(p, '--token') ?? process.env.KTRIAGE_INGEST_TOKEN };
      const conc = Number(one(p, '--concurrency') ?? 16);
      let next = 0;
      let sent = 0;
      const t0 = Date.now();
      const failures: string[] = [];
      await Promise.all(Array.from({ length: conc }, async () => {
        while (next < f.crashes.length) {
          const c = f.crashes[next++]!;
          const qs = new URLSearchParams({ host: c.host, time: new Date(c.timeMs).toISOString() });
          for (const [k, v] of Object.entries(c.labels)) qs.append('label', `${k}=${v}`);
          const r = await request(o, 'POST', `/api/v1/reports?${qs}`, { type: 'application/json', data: f.body(c) });
          if (r.status !== 202) failures.push(`${r.status} ${JSON.stringify(r.json).slice(0, 120)}`);
          if (++sent % 10000 === 0) io.stderr.write(`fleet simulate: ${sent} pushed (${Math.round(sent / ((Date.now() - t0) / 1000))}/s)\n`);
        }
      }));
      io.stderr.write(`fleet simulate: ${sent} pushed in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${failures.length} refused${failures[0] ? ` (${failures[0]})` : ''}\n`);
      await request(o, 'POST', '/api/v1/admin/aggregate');
      const r = await request(o, 'GET', `/api/v1/patterns?from=${new Date(f.startMs).toISOString()}&to=${new Date(f.endMs).toISOString()}`);
      patterns = (r.json as { patterns: never[] }).patterns;
    } else patterns = detectPatterns(patternRows(f));
    const ev = evaluate(patterns, f.episodes);
    if (p.flags.has('--json')) io.stdout.write(JSON.stringify(ev, null, 1) + '\n');
    else {
      io.stdout.write('episode  injected             found                                 ok   what\n');
      for (const r of ev.rows) io.stdout.write(`${String(r.episode).padEnd(8)} ${r.pattern.padEnd(20)} ${(r.found.join(',') || '-').padEnd(37)} ${r.ok ? 'yes' : 'NO '}  ${r.what}\n`);
      io.stdout.write(`patterns found: ${patterns.length}; false patterns: ${ev.falsePatterns.length}; every episode found: ${ev.allFound ? 'yes' : 'no'}\n`);
      for (const fp of ev.falsePatterns) io.stdout.write(`  false: ${fp.id} ${fp.summary.slice(0, 200)}\n`);
    }
    return ev.allFound && ev.falsePatterns.length === 0 ? 0 : 1;
  } catch (err) {
    return fail(io, err);
  }
}
