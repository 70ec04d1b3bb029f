// `ktriage worker --server URL`: claims jobs (vmcore analysis) from the fleet service (src/fleet/client.ts).
import { type CliIO, usageError, fail } from './io.js';
import { parseArgs, one } from './fleet-args.js';

export const USAGE = `usage: ktriage worker --server URL [--token T] [--name NAME] [--max-jobs N] [--idle-exit SECONDS] [--poll-ms MS]

Claims the fleet service's jobs (vmcore analysis) and runs them; a worker that dies leaves its job to be
retried when its lease ends (docs/fleet.md). The token defaults to KTRIAGE_INGEST_TOKEN.
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  let p;
  try {
    p = parseArgs(argv, ['--server', '--token', '--name', '--max-jobs', '--idle-exit', '--poll-ms']);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const server = one(p, '--server');
  if (!server) return usageError(io, 'worker needs --server URL');
  const { runWorker } = await import('../fleet/client.js');
  const ac = new AbortController();
  process.once('SIGTERM', () => ac.abort());
  process.once('SIGINT', () => ac.abort());
  try {
    const n = await runWorker({
      server, token: one(p, '--token') ?? process.env.KTRIAGE_INGEST_TOKEN, name: one(p, '--name'),
      maxJobs: one(p, '--max-jobs') ? Number(one(p, '--max-jobs')) : undefined,
      idleExitMs: one(p, '--idle-exit') ? Number(one(p, '--idle-exit')) * 1000 : undefined,
      pollMs: one(p, '--poll-ms') ? Number(one(p, '--poll-ms')) : undefined,
      signal: ac.signal, log: (l) => io.stderr.write(`ktriage worker: ${l}\n`),
    });
    io.stderr.write(`ktriage worker: ${n} jobs done\n`);
    return 0;
  } catch (err) {
    return fail(io, err);
  }
}
