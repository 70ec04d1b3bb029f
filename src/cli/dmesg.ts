// `ktriage dmesg VMCORE`: the kernel log from a vmcore, byte for byte as `makedumpfile --dump-dmesg`.
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { readVmcore, type ReadOptions, type VmcoreResult } from '../readers/vmcore/index.js';
import { fail, failGaps, parseVerbArgs, reportGaps } from './vmcore-verb.js';
import { escapeTerminal } from '../util/escape.js';

export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  isTTY: boolean;
}

/** `ktriage dmesg --help` (src/cli/main.ts prints it for every command). */
export const USAGE = `usage: ktriage dmesg [--caller-id] VMCORE

The kernel log from a vmcore (kdump-compressed, flattened or ELF), byte for byte as
\`makedumpfile --dump-dmesg\` prints it; no debug vmlinux needed.
  --caller-id   add the [T<pid>]/[C<cpu>] caller column of makedumpfile >= 1.7.3
`;

/** A progress line on stderr for work that lasts over a second, only on a terminal. */
export function progressReporter(io: CommandIO): { onProgress?: (what: string, done: number, total: number) => void; done(): void } {
  if (!io.isTTY) return { done() {} };
  const start = Date.now();
  let shown = false;
  let last = 0;
  return {
    onProgress(what, done, total) {
      const now = Date.now();
      if (now - start < 1000 || now - last < 100) return;
      last = now;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
      const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
      io.stderr.write(`\r\x1b[2K[${bar}] ${pct}% ${what}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
    },
  };
}

function writeAll(w: Writable, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    if (w.write(data)) resolve();
    else w.once('drain', () => resolve());
  });
}

/** The vmcore read with `opts` (a progress line on a terminal); exit 2 (one line) when it is not a dump. */
export function readDumpFile(file: string, io: CommandIO, opts: ReadOptions): VmcoreResult | number {
  const prog = progressReporter(io);
  try {
    const r = readVmcore(file, { ...opts, onProgress: prog.onProgress });
    prog.done();
    return r;
  } catch (err) {
    prog.done();
    return fail(io, `${file}: ${(err as Error).message}`);
  }
}

/** The same, and exit 2 (one line) when the dump holds no kernel log. */
export function readLog(file: string, io: CommandIO, opts: ReadOptions): VmcoreResult | number {
  const r = readDumpFile(file, io, opts);
  if (typeof r !== 'number' && r.info.printk === null) return failGaps(io, file, r.gaps, 'no kernel log found');
  return r;
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseVerbArgs(args, io, { verb: 'dmesg', usage: USAGE, options: { 'caller-id': { type: 'boolean' } }, sources: false });
  if (typeof a === 'number') return a;
  const r = readLog(a.file, io, { callerId: Boolean(a.values['caller-id']), logOnly: true });
  if (typeof r === 'number') return r;
  // The plain log_buf of pre-3.5 kernels is raw bytes: keep terminals safe from escape sequences.
  const out = r.info.printk === 'plain' && io.isTTY ? r.log.split('\n').map(escapeTerminal).join('\n') : r.logBytes;
  await writeAll(io.stdout, out);
  // Every gap named, on one line (DECISIONS.md 3).
  return reportGaps(io, a.file, r.gaps);
}

// Run as a script (node dist/src/cli/dmesg.js VMCORE): the same command without loading the rest of the
// CLI, which bench/vmcore uses to separate the reader's cost from the CLI's module loading. In the bundled
// CLI (scripts/bundle.mjs defines KTRIAGE_BUNDLED) import.meta.url is the bundle's: never run from there.
declare const KTRIAGE_BUNDLED: boolean | undefined;
const bundled = typeof KTRIAGE_BUNDLED !== 'undefined' && KTRIAGE_BUNDLED;
if (!bundled && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stderr.isTTY) }).then(
    (code) => (process.exitCode = code),
    () => (process.exitCode = 2),
  );
}
