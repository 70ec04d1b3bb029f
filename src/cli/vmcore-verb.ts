// Plumbing the crash-like vmcore verbs share (ps, mod, sys, syscalls, rd): argument parsing with one-line
// errors, opening the dump, reading the kernel objects a verb needs, and naming what could not be read.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Dump } from '../readers/vmcore/dump.js';
import { readKernelObjects, type KernelObjects, type ObjectOptions } from '../readers/vmcore/objects.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';

/** A Gap, or just what it says. */
export type GapLike = string | { what: string };

type Options = NonNullable<ParseArgsConfig['options']>;

export interface VerbArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses a verb's arguments (`--json` and `-h` always); a usage error is one line and exit 2. */
export function parseVerbArgs(args: string[], io: CommandIO, usage: string, options: Options = {}): VerbArgs | number {
  try {
    const p = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...options } });
    return { values: p.values as VerbArgs['values'], positionals: p.positionals };
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal((err as Error).message.split('\n')[0]!)} (${usage.split('\n')[0]})\n`);
    return 2;
  }
}

export function openDump(file: string, io: CommandIO): Dump | number {
  try {
    return new Dump(file);
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${(err as Error).message}`.split('\n')[0]!)}\n`);
    return 2;
  }
}

/** The kernel objects of `parts`; exit 2 (one line) when the dump has no kallsyms or BTF to read them with. */
export function objectsOrFail(dump: Dump, file: string, io: CommandIO, parts: ObjectOptions['parts']): KernelObjects | number {
  const objs = readKernelObjects(dump, { parts: { tasks: false, modules: false, syscalls: false, strings: false, ...parts } });
  if (!objs.symbols || !objs.btf) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${objs.gaps.map((g) => g.what).join('; ') || 'no kallsyms or BTF'}`)}\n`);
    return 2;
  }
  return objs;
}

/** Gaps named on one stderr line (DECISIONS.md 3); the exit code: 1 when any, else 0. */
export function reportGaps(io: CommandIO, file: string, gaps: GapLike[]): number {
  const what = [...new Set(gaps.map((g) => (typeof g === 'string' ? g : g.what)))];
  if (!what.length) return 0;
  io.stderr.write(`ktriage: ${escapeTerminal(`${file}: read in part: ${what.join('; ')}`)}\n`);
  return 1;
}

export function gapList(gaps: GapLike[]): string[] {
  return [...new Set(gaps.map((g) => (typeof g === 'string' ? g : g.what)))];
}
