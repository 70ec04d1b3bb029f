// Plumbing every vmcore verb shares (sym, bt, struct, ps, mod, sys, syscalls, rd, log, dmesg, info): argument
// parsing with one-line errors and --help, the options that give a verb what its dump lacks
// (`--system-map FILE` / `--kallsyms FILE`: symbols for kernels whose VMCOREINFO has no kallsyms; `--btf FILE`:
// a copy of /sys/kernel/btf/vmlinux), opening the dump, reading the kernel objects a verb needs, and one way
// to name what could not be read (DECISIONS.md 3). Commands only: the reading is in src/readers/vmcore/.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Dump } from '../readers/vmcore/dump.js';
import type { KernelObjects, ObjectOptions } from '../readers/vmcore/objects.js';
import type { KernelSources } from '../readers/vmcore/symbol-files.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';

/** A Gap, or just what it says. */
export type GapLike = string | { what: string };

type Options = NonNullable<ParseArgsConfig['options']>;

export const SOURCE_OPTIONS = {
  'system-map': { type: 'string' },
  kallsyms: { type: 'string' },
  btf: { type: 'string' },
} as const;

/** The source options in a usage line. */
export const SOURCE_USAGE = '[--system-map FILE | --kallsyms FILE] [--btf FILE]';

/** The source options in a verb's --help (its USAGE ends with it). */
export const SOURCE_HELP =
  '  --system-map FILE  symbols from a System.map (for kernels whose VMCOREINFO has no kallsyms), moved by the KASLR offset\n' +
  '  --kallsyms FILE    symbols from a copy of /proc/kallsyms (taken as root)\n' +
  '  --btf FILE         types from a copy of /sys/kernel/btf/vmlinux, for dumps without BTF\n';

/** The sources named by parsed options; an error line when both symbol files are given. */
export function sourcesFrom(v: { 'system-map'?: string; kallsyms?: string; btf?: string }): KernelSources | string {
  if (v['system-map'] !== undefined && v.kallsyms !== undefined) return 'give --system-map or --kallsyms, not both';
  const s: KernelSources = {};
  if (v['system-map'] !== undefined) s.systemMap = v['system-map'];
  if (v.kallsyms !== undefined) s.kallsyms = v.kallsyms;
  if (v.btf !== undefined) s.btf = v.btf;
  return s;
}

export interface VerbSpec {
  /** The verb's name, for its error lines. */
  verb: string;
  /** Its full --help text; the first line is its usage line. */
  usage: string;
  /** Its own options (`--json`, `-h` and, unless `sources` is false, the source options always). */
  options?: Options;
  /** False for verbs that read no symbols or types (the log, the dump's header): the source options are refused. */
  sources?: boolean;
  /** What the positionals must be, for the error line (`exactly one VMCORE`). */
  needs?: string;
  /** Whether the positionals fit; by default exactly one (the VMCORE). */
  fits?: (positionals: string[], sources: KernelSources) => boolean;
}

export interface VerbArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The last positional: the VMCORE. */
  file: string;
  sources: KernelSources;
}

/** One error line on stderr (escaped, its first line only); returns `code`. */
export function fail(io: CommandIO, text: string, code = 2): number {
  io.stderr.write(`ktriage: ${escapeTerminal(text.split('\n')[0]!)}\n`);
  return code;
}

/**
 * Parses a verb's arguments. A number is the exit code to return: 0 after --help, 2 after a usage error
 * (one line naming the usage).
 */
export function parseVerbArgs(args: string[], io: CommandIO, spec: VerbSpec): VerbArgs | number {
  const line = spec.usage.split('\n')[0]!;
  const withSources = spec.sources !== false;
  let p;
  try {
    p = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...(withSources ? SOURCE_OPTIONS : {}), ...spec.options } });
  } catch (err) {
    return fail(io, `${(err as Error).message} (${line})`);
  }
  const values = p.values as VerbArgs['values'];
  if (values.help) {
    io.stdout.write(spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`);
    return 0;
  }
  const sources = sourcesFrom(values as Parameters<typeof sourcesFrom>[0]);
  if (typeof sources === 'string') return fail(io, `${spec.verb}: ${sources} (${line})`);
  const fits = spec.fits ?? ((pos: string[]) => pos.length === 1);
  if (!fits(p.positionals, sources)) return fail(io, `${spec.verb} needs ${spec.needs ?? 'exactly one VMCORE'} (${line})`);
  return { values, positionals: p.positionals, file: p.positionals[p.positionals.length - 1] ?? '', sources };
}

export function openDump(file: string, io: CommandIO): Dump | number {
  try {
    return new Dump(file);
  } catch (err) {
    return fail(io, `${file}: ${(err as Error).message}`);
  }
}

/** Opens the dump, runs `body` on it and closes it; exit 2 (one line) when the file is not a dump. */
export async function withDump(file: string, io: CommandIO, body: (dump: Dump) => number | Promise<number>): Promise<number> {
  const dump = openDump(file, io);
  if (typeof dump === 'number') return dump;
  try {
    return await body(dump);
  } finally {
    dump.close();
  }
}

/** The line that says why a dump could not be read at all. */
export function failGaps(io: CommandIO, file: string, gaps: GapLike[], otherwise: string): number {
  return fail(io, `${file}: ${gapList(gaps).join('; ') || otherwise}`);
}

/**
 * The kernel objects of `parts`, read with the verb's --system-map/--kallsyms/--btf; exit 2 (one line) when
 * there are no symbols or BTF to read them with. (objects.js is loaded here, not at start-up: `dmesg`
 * and `log` use this module and need none of it.)
 */
export async function objectsOrFail(dump: Dump, a: VerbArgs, io: CommandIO, parts: ObjectOptions['parts']): Promise<KernelObjects | number> {
  const { readKernelObjects } = await import('../readers/vmcore/objects.js');
  const objs = readKernelObjects(dump, { parts: { tasks: false, modules: false, syscalls: false, strings: false, ...parts }, sources: a.sources });
  if (!objs.symbols || !objs.btf) return failGaps(io, a.file, objs.gaps, 'no kallsyms or BTF');
  return objs;
}

/**
 * A verb over the kernel objects: parses `args` by `spec`, opens the dump, reads `parts` (with the verb's
 * sources) and runs `body`; every failure before `body` is one line and exit 2 (0 after --help).
 */
export async function runObjectsVerb(
  args: string[], io: CommandIO, spec: VerbSpec, parts: ObjectOptions['parts'],
  body: (a: VerbArgs, dump: Dump, objs: KernelObjects) => number | Promise<number>,
): Promise<number> {
  const a = parseVerbArgs(args, io, spec);
  if (typeof a === 'number') return a;
  return withDump(a.file, io, async (dump) => {
    const objs = await objectsOrFail(dump, a, io, parts);
    return typeof objs === 'number' ? objs : body(a, dump, objs);
  });
}

export function gapList(gaps: GapLike[]): string[] {
  return [...new Set(gaps.map((g) => (typeof g === 'string' ? g : g.what)))];
}

/** Gaps named on one stderr line (DECISIONS.md 3); the exit code: 1 when any, else 0. */
export function reportGaps(io: CommandIO, file: string, gaps: GapLike[]): number {
  const what = gapList(gaps);
  if (!what.length) return 0;
  io.stderr.write(`ktriage: ${escapeTerminal(`${file}: read in part: ${what.join('; ')}`)}\n`);
  return 1;
}

/**
 * A verb's answer: with --json the object plus `"gaps"` on stdout (exit 1 when any gap), else the text and
 * the gaps on one stderr line.
 */
export function answer(io: CommandIO, a: VerbArgs, gaps: GapLike[], json: () => object, text: () => string): number {
  if (a.values.json) {
    io.stdout.write(JSON.stringify({ ...json(), gaps: gapList(gaps) }) + '\n');
    return gaps.length ? 1 : 0;
  }
  io.stdout.write(text());
  return reportGaps(io, a.file, gaps);
}
