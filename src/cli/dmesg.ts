// `ktriage dmesg VMCORE`: the kernel log from a vmcore, byte for byte as `makedumpfile --dump-dmesg`.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { readVmcore } from '../readers/vmcore/index.js';
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

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'caller-id': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal((err as Error).message.split('\n')[0]!)} (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    io.stderr.write(`ktriage: dmesg needs exactly one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = parsed.positionals[0]!;
  const prog = progressReporter(io);
  let r;
  try {
    r = readVmcore(file, { callerId: Boolean(parsed.values['caller-id']), logOnly: true, onProgress: prog.onProgress });
  } catch (err) {
    prog.done();
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${(err as Error).message}`.split('\n')[0]!)}\n`);
    return 2;
  }
  prog.done();
  if (r.info.printk === null) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${r.gaps.map((g) => g.what).join('; ') || 'no kernel log found'}`)}\n`);
    return 2;
  }
  // The plain log_buf of pre-3.5 kernels is raw bytes: keep terminals safe from escape sequences.
  const out = r.info.printk === 'plain' && io.isTTY ? r.log.split('\n').map(escapeTerminal).join('\n') : r.logBytes;
  await writeAll(io.stdout, out);
  // Every gap named, on one line (DECISIONS.md 3).
  if (r.gaps.length) io.stderr.write(`ktriage: ${escapeTerminal(`${file}: read in part: ${r.gaps.map((g) => g.what).join('; ')}`)}\n`);
  return r.gaps.length ? 1 : 0;
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
