// `ktriage push --server URL FILE...`: sends reports (logs, crash sessions, ktriage JSON) and vmcores to the
// fleet service; prints one line per file: the crash id (or the vmcore's job id).
import { type CliIO, usageError, fail } from './io.js';
import { parseArgs, one } from './fleet-args.js';
import { escapeTerminal } from '../util/escape.js';

export const USAGE = `usage: ktriage push --server URL [--token T] [--host H] [--label k=v ...] [--time ISO] FILE...

Sends reports (kernel logs, crash sessions, ktriage JSON) to the fleet service (docs/fleet.md).
  --server URL   the service (or KTRIAGE_SERVER); --token T: ingest token (or KTRIAGE_INGEST_TOKEN)
  --host H       the machine the reports come from; --label k=v: repeatable (hypervisor, rack, zone ...)
  --time ISO     the crash time when the report has no wall clock
`;

export async function run(argv: string[], io: CliIO): Promise<number> {
  let p;
  try {
    p = parseArgs(argv, ['--server', '--token', '--host', '--label', '--time']);
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const server = one(p, '--server') ?? process.env.KTRIAGE_SERVER;
  if (!server) return usageError(io, 'push needs --server URL');
  if (p.rest.length === 0) return usageError(io, 'push needs at least one FILE');
  const { pushFile } = await import('../fleet/client.js');
  let bad = 0;
  try {
    for (const f of p.rest) {
      const r = await pushFile({ server, token: one(p, '--token') ?? process.env.KTRIAGE_INGEST_TOKEN }, f,
        { host: one(p, '--host'), time: one(p, '--time'), labels: p.opts.get('--label') ?? [] });
      const j = (r.json ?? {}) as Record<string, unknown>;
      if (r.status === 202) io.stdout.write(`${escapeTerminal(f)}\t${j.job !== undefined ? `job ${j.job}` : `crash ${j.id}${j.created === false ? ' (already stored)' : ''}`}\t${escapeTerminal(String(j.title ?? ''))}\n`);
      else {
        bad++;
        io.stderr.write(`ktriage push: ${escapeTerminal(f)}: ${r.status} ${escapeTerminal(String(j.error ?? ''))}\n`);
      }
    }
    return bad ? 1 : 0;
  } catch (err) {
    return fail(io, err);
  }
}
