// What every command gets: where to write, and whether a person is watching (progress only on a TTY).
import type { Writable } from 'node:stream';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeTerminal } from '../util/escape.js';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /** stderr is a terminal: progress may be shown there. */
  isTTY: boolean;
  /** stdout is a terminal: colour may be used. */
  stdoutIsTTY?: boolean;
  /** Standard input, for `-`. */
  stdin?: NodeJS.ReadableStream;
}

/** Exit codes (DECISIONS.md 3). */
export const EXIT_OK = 0;
export const EXIT_PARTIAL = 1;
export const EXIT_USAGE = 2;

/** One line on stderr, exit 2. */
export function usageError(io: CliIO, message: string): number {
  io.stderr.write(`ktriage: ${escapeTerminal(message)}\n`);
  return EXIT_USAGE;
}

/** An unexpected error still ends as one line, never a stack trace. */
export function fail(io: CliIO, err: unknown): number {
  const msg = err instanceof Error ? err.message : String(err);
  io.stderr.write(`ktriage: ${escapeTerminal(msg.split('\n')[0] ?? '')}\n`);
  return EXIT_USAGE;
}

/** A progress line on stderr, only on a TTY; returns a function that clears it. */
export function progress(io: CliIO): { update(msg: string): void; done(): void } {
  if (!io.isTTY) return { update() {}, done() {} };
  let shown = false;
  return {
    update(msg: string) {
      io.stderr.write(`\r\x1b[2K${escapeTerminal(msg).slice(0, 100)}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/**
 * Standard input, spooled to a temporary file so that it streams like any file (a log piped in is not
 * held in memory, and a dump piped in can be read). remove() deletes the file.
 */
export async function spoolStdin(io: CliIO): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ktriage-stdin-'));
  const path = join(dir, 'stdin');
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const fd = openSync(path, 'w');
    try {
      for await (const c of io.stdin ?? process.stdin) {
        const b = typeof c === 'string' ? Buffer.from(c) : (c as Buffer);
        writeSync(fd, b);
      }
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { path, remove };
}
