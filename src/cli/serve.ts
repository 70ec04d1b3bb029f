// `ktriage serve`: starts the fleet service (src/fleet/server.ts). Stops cleanly on SIGTERM/SIGINT (a
// checkpoint of the embedded store, the lock file removed).
import { type CliIO, usageError, fail } from './io.js';
import { parseArgs, one, sizeOf } from './fleet-args.js';

export const USAGE = `usage: ktriage serve [--database URL] [--data-dir DIR] [--listen HOST:PORT] (--ingest-token T | --tokens-file F)

The fleet service: JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json), web UI, /healthz, /metrics
(docs/fleet.md). Embedded PGlite in DIR by default (one process owns it); PostgreSQL with --database.
  --database URL        PostgreSQL connection URL (or KTRIAGE_DATABASE_URL); default: embedded PGlite
  --data-dir DIR        the embedded store's directory (default ktriage-data)
  --listen HOST:PORT    address to listen on (default 127.0.0.1:8470)
  --ingest-token T      bearer token for ingest (or KTRIAGE_INGEST_TOKEN)
  --tokens-file F       one token per host group, instead of --ingest-token
  --read-token T        require a token for the UI and the read API too (or KTRIAGE_READ_TOKEN)
  --max-report SIZE     largest report accepted; --max-vmcore SIZE: largest dump upload
  --spool-dir DIR       where uploaded dumps wait for a worker
  --max-inflight N      requests in progress before 503; --lease-seconds N: a worker's job lease
  --ingest-threads N    threads that parse and analyse reports (default: the CPUs but one, 1-4; 0: none)
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  let p;
  try {
    p = parseArgs(argv, ['--database', '--data-dir', '--listen', '--ingest-token', '--tokens-file', '--read-token', '--max-report', '--max-vmcore', '--spool-dir', '--max-inflight', '--lease-seconds', '--ingest-threads']);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const { openDb } = await import('../fleet/db.js');
  const { createFleetApp } = await import('../fleet/server.js');
  const { Tokens } = await import('../fleet/auth.js');
  try {
    const ingest = one(p, '--tokens-file') ? Tokens.fromFile(one(p, '--tokens-file')!) : new Tokens();
    const tok = one(p, '--ingest-token') ?? process.env.KTRIAGE_INGEST_TOKEN;
    if (tok) ingest.add(tok);
    if (ingest.size === 0) return usageError(io, 'ingest needs a token: --ingest-token T, KTRIAGE_INGEST_TOKEN or --tokens-file FILE');
    const read = new Tokens();
    const rt = one(p, '--read-token') ?? process.env.KTRIAGE_READ_TOKEN;
    if (rt) read.add(rt);
    const listen = one(p, '--listen') ?? '127.0.0.1:8470';
    const m = /^(.*):(\d+)$/.exec(listen);
    if (!m) return usageError(io, '--listen HOST:PORT');
    const dataDir = one(p, '--data-dir') ?? 'ktriage-data';
    const db = await openDb({ url: one(p, '--database') ?? process.env.KTRIAGE_DATABASE_URL ?? null, dataDir });
    const fleet = await createFleetApp({
      db, ingestTokens: ingest, readTokens: read.size ? read : null,
      spoolDir: one(p, '--spool-dir') ?? (db.kind === 'pglite' ? `${dataDir}/vmcores` : 'vmcores'),
      maxReportBytes: one(p, '--max-report') ? sizeOf(one(p, '--max-report')!) : undefined,
      maxVmcoreBytes: one(p, '--max-vmcore') ? sizeOf(one(p, '--max-vmcore')!) : undefined,
      maxInflight: one(p, '--max-inflight') ? Number(one(p, '--max-inflight')) : undefined,
      leaseMs: one(p, '--lease-seconds') ? Number(one(p, '--lease-seconds')) * 1000 : undefined,
      ingestThreads: one(p, '--ingest-threads') !== undefined ? Number(one(p, '--ingest-threads')) : undefined,
    });
    const addr = await fleet.app.listen({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    io.stderr.write(`ktriage serve: ${addr} (${db.kind}${db.kind === 'pglite' ? `, data in ${dataDir}` : ''})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await fleet.close();
    io.stderr.write('ktriage serve: stopped\n');
    return 0;
  } catch (err) {
    return fail(io, err);
  }
}
