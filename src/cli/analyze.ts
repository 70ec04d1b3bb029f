// `ktriage analyze`: parse options, read the inputs, print the report in the chosen format.
import { parseArgs } from 'node:util';
import { realpathSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { analyze, type AnalyzeInput, DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY } from '../analyze.js';
import { render, type ReportFormat } from '../report/index.js';
import { runCrash, findDebugVmlinux, looksLikeDump } from '../readers/crash-session/driver.js';
import { spawnSync } from 'node:child_process';
import type { Report } from '../model/types.js';
import { escapeTerminal } from '../util/escape.js';
import { type CliIO, usageError, progress, spoolStdin, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './io.js';
import { openKb } from '../knowledge/cve/open.js';
import type { CveIndex } from '../knowledge/cve/index-file.js';
import type { KernelSources } from '../readers/vmcore/symbol-files.js';
import { SOURCE_OPTIONS, sourcesFrom } from './vmcore-verb.js';

const FORMATS: ReportFormat[] = ['text', 'json', 'md', 'html'];

/** `ktriage analyze --help` (src/cli/main.ts prints it for every command). */
export const USAGE = `usage: ktriage analyze [options] FILE... | -

Diagnoses the artifacts of a crash (console log, vmcore-dmesg.txt, a saved crash session, the vmcore;
gzip- or zstd-compressed too). Inputs that do not belong to one incident (another boot, another crash)
are reported as incidents of their own.
  -f, --format text|json|md|html   output format (default text)
      --json                       the same as --format json
      --each                       one report per FILE (JSON lines with --json; with -o and md/html/text,
                                   -o needs {} in its name: one file per input, {} = the input's name)
  -o, --output FILE                write the report to FILE (never one of the inputs)
      --color, --no-color          ANSI colour in text output (default: when stdout is a terminal)
      --crash-vmlinux VMLINUX      run the crash utility on each vmcore among the FILEs and read its answers
      --debuginfo DIR              find the debug vmlinux of the vmcore's release in DIR for crash (a named
                                   gap when DIR has none or crash is not installed)
      --crash-timeout SECONDS      time limit for crash (default 300)
      --system-map FILE            for vmcores: symbols from a System.map (kernels whose VMCOREINFO has no
                                   kallsyms), moved by the KASLR offset
      --kallsyms FILE              for vmcores: symbols from a copy of /proc/kallsyms (taken as root)
      --btf FILE                   for vmcores: types from a copy of /sys/kernel/btf/vmlinux (dumps without BTF)
      --max-memory SIZE            memory budget for what is kept from the inputs (default 256M, at least
                                   32M): a number of bytes, or with K, M, G or T (powers of 1024; KB, KiB,
                                   MB, MiB ... are read the same), e.g. 64M, 1.5G, 1073741824
  -h, --help                       this help
Exit codes: 0 analysis done; 1 done, but some input was only read in part; 2 bad usage or no input read.
`;

/** 0: done; 1: some input read only in part; 2: nothing could be read. */
export function exitCodeOf(report: Report): number {
  const readable = report.sources.length > 0;
  if (!readable) return EXIT_USAGE;
  return report.gaps.length > 0 ? EXIT_PARTIAL : EXIT_OK;
}

export async function runAnalyze(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        json: { type: 'boolean' },
        each: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        'crash-vmlinux': { type: 'string' },
        debuginfo: { type: 'string' },
        'crash-timeout': { type: 'string' },
        'max-memory': { type: 'string' },
        kb: { type: 'string' },
        'no-kb': { type: 'boolean' },
        ...SOURCE_OPTIONS,
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const v = parsed.values;
  const format = (v.json ? 'json' : v.format ?? 'text') as ReportFormat;
  if (!FORMATS.includes(format)) return usageError(io, `unknown format '${format}' (text, json, md, html)`);
  const files = parsed.positionals;
  if (files.length === 0) return usageError(io, 'analyze needs at least one FILE (or - for standard input)');
  const maxMemory = v['max-memory'] === undefined ? DEFAULT_MAX_MEMORY : parseSize(v['max-memory']);
  if (maxMemory === null || maxMemory < MIN_MAX_MEMORY) {
    return usageError(io, `--max-memory takes a size of at least 32M: bytes, or a number with K, M, G or T (powers of 1024), e.g. 64M, 1.5G; not '${v['max-memory']}'`);
  }
  const sources = sourcesFrom(v);
  if (typeof sources === 'string') return usageError(io, sources);
  const color = v['no-color'] ? false : v.color ?? Boolean(io.stdoutIsTTY && !v.output);

  if (files.filter((f) => f === '-').length > 1) return usageError(io, "standard input ('-') can be given once");
  const kb = openKb(v['no-kb'] ? null : v.kb, v['no-kb'] ? true : undefined);
  if (kb.warning) io.stderr.write(`ktriage: ${escapeTerminal(kb.warning)}\n`);
  if (v.output) {
    // Never write over an input (a report over the only copy of a console log).
    const out = realOrResolved(v.output);
    const hit = files.find((f) => f !== '-' && realOrResolved(f) === out);
    if (hit !== undefined) return usageError(io, `-o ${v.output} is one of the inputs (${hit}): choose another output file`);
    if (v.each && format !== 'json' && !v.output.includes('{}')) {
      return usageError(io, `--each with -o writes one ${format} file per input: put {} in the name for the input's name (e.g. -o 'report-{}.${format === 'md' ? 'md' : format === 'html' ? 'html' : 'txt'}')`);
    }
  }
  const spooled = files.includes('-') ? await spoolStdin(io) : null;
  try {
    return await analyzeFiles(files, spooled?.path ?? null, { ...v, kbIndex: kb.index, sources }, format, color, maxMemory, io);
  } finally {
    spooled?.remove();
  }
}

/** A path's real path when it exists, else its absolute form (to compare an output with the inputs). */
function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** `4096`, `64K`, `256M`, `2G` (powers of 1024) to bytes; null if not a size. */
export function parseSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(s);
  if (!m) return null;
  const mult = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(n) ? n : null;
}

interface AnalyzeFlags {
  each?: boolean;
  output?: string;
  'crash-vmlinux'?: string;
  debuginfo?: string;
  'crash-timeout'?: string;
  kbIndex?: CveIndex | null;
  sources?: KernelSources;
}

async function analyzeFiles(
  files: string[], stdinPath: string | null, v: AnalyzeFlags, format: ReportFormat,
  color: boolean, maxMemory: number, io: CliIO,
): Promise<number> {
  const prog = progress(io);
  const inputs: AnalyzeInput[] = files.map((f) => (f === '-' ? { name: '-', path: stdinPath! } : f));

  // `--crash-vmlinux VMLINUX` (or `--debuginfo DIR` with crash on PATH) runs crash on each vmcore.
  const extraGaps: { source: string; what: string }[] = [];
  let vmlinux = v['crash-vmlinux'] ?? null;
  if (!vmlinux && v.debuginfo) {
    vmlinux = findDebugVmlinux(v.debuginfo, files);
    if (!vmlinux) extraGaps.push({ source: '--debuginfo', what: `no debug vmlinux for the vmcore's release in ${v.debuginfo}: crash was not run (the report is from ktriage's own reading)` });
    else if (!hasCrash()) {
      extraGaps.push({ source: '--debuginfo', what: `the crash utility is not installed (not on PATH): crash was not run on ${vmlinux}` });
      vmlinux = null;
    }
  }
  if (vmlinux) {
    const vmcores = files.filter((f) => f !== '-' && looksLikeDump(f));
    if (vmcores.length === 0) return usageError(io, '--crash-vmlinux/--debuginfo need a vmcore among the FILEs');
    for (const vmcore of vmcores) {
      prog.update(`running crash on ${vmcore}`);
      try {
        const transcript = await runCrash({ vmlinux, vmcore, timeoutMs: v['crash-timeout'] ? Number(v['crash-timeout']) * 1000 : undefined });
        inputs.push({ name: `crash:${vmcore}`, data: transcript });
      } catch (err) {
        prog.done();
        return usageError(io, (err as Error).message);
      }
    }
  }

  const out: string[] = [];
  let code = EXIT_OK;
  const groups: AnalyzeInput[][] = v.each ? inputs.map((i) => [i]) : [inputs];
  const perFile: { name: string; text: string }[] = [];
  let readAny = false;
  for (const group of groups) {
    const report = analyze(group, { onProgress: (m) => prog.update(m), maxMemory, kb: v.kbIndex ?? null, sources: v.sources });
    prog.done();
    report.gaps.push(...extraGaps);
    const c = exitCodeOf(report);
    if (c === EXIT_USAGE) {
      const gap = report.gaps[0];
      const msg = gap ? `${gap.source}: ${gap.what}` : 'no input could be read';
      if (groups.length === 1) return usageError(io, msg);
      // Under --each, a file that cannot be read is named on stderr; the others are still reported.
      io.stderr.write(`ktriage: ${escapeTerminal(msg)}\n`);
      code = Math.max(code, EXIT_PARTIAL);
      continue;
    }
    readAny = true;
    code = Math.max(code, c);
    const text = v.each && format === 'json' ? render(report, 'json', { pretty: false }).trimEnd() + '\n' : render(report, format, { color });
    out.push(text);
    const g0 = group[0]!;
    perFile.push({ name: typeof g0 === 'string' ? g0 : g0.name, text });
  }
  if (!readAny) return EXIT_USAGE;
  if (v.each && v.output && format !== 'json') {
    // One file per input: {} in -o is the input's base name.
    const seen = new Set<string>();
    for (const f of perFile) {
      let name = v.output.split('{}').join(basename(f.name) || 'stdin');
      for (let k = 2; seen.has(name); k++) name = v.output.split('{}').join(`${basename(f.name)}-${k}`);
      seen.add(name);
      if (files.some((x) => x !== '-' && realOrResolved(x) === realOrResolved(name))) return usageError(io, `-o ${name} is one of the inputs: choose another output name`);
      try {
        writeFileSync(name, f.text);
      } catch (err) {
        return usageError(io, `cannot write ${name}: ${(err as Error).message}`);
      }
    }
    return code;
  }
  const text = out.join(v.each && format !== 'json' ? '\n' : '');
  if (v.output) {
    try {
      writeFileSync(v.output, text);
    } catch (err) {
      return usageError(io, `cannot write ${v.output}: ${(err as Error).message}`);
    }
  } else io.stdout.write(text);
  return code;
}

/** Whether the crash utility is on PATH. */
function hasCrash(): boolean {
  return spawnSync('sh', ['-c', 'command -v crash'], { encoding: 'utf8' }).status === 0;
}
