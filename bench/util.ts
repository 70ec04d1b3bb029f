// Shared helpers of the benchmarks: where things are, and how to time a command with its peak memory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedDir } from '../src/util/repo.js';

export { repoRoot, sharedDir };

export interface Measurement {
  wallMs: number;
  /** Peak resident set of the measured process in KiB (GNU time, or ktriage's own report), null if unknown. */
  maxRssKb: number | null;
  status: number | null;
  stdout: string;
}


/**
 * Runs a command once and times it. Node programs (opts.node) report their own peak RSS through an exit
 * hook preloaded with --require; other commands are measured by GNU time when /usr/bin/time exists.
 */
export function measure(cmd: string, args: string[], opts: { node?: boolean } = {}): Measurement {
  let argv = [cmd, ...args];
  const useTime = !opts.node && existsSync('/usr/bin/time');
  if (opts.node) argv = [cmd, '--require', join(repoRoot(), 'bench', 'rss-hook.cjs'), ...args];
  if (useTime) argv = ['/usr/bin/time', '-f', 'KTRIAGE_MAXRSS_KB=%M', ...argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /KTRIAGE_MAXRSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { wallMs, maxRssKb: m ? Number(m[1]) : null, status: r.status, stdout: r.stdout ?? '' };
}
