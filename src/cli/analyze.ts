// `ktriage analyze`: parse options, read the inputs, print the report in the chosen format.
import { parseArgs } from 'node:util';
import { escapeTerminal } from '../util/escape.js';
import { writeFileSync } from 'node:fs';
import { analyze, type AnalyzeInput, DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY } from '../analyze.js';
import { render, type ReportFormat } from '../report/index.js';
import { runCrash, findDebugVmlinux, looksLikeDump } from '../readers/crash-session/driver.js';
import type { Report } from '../model/types.js';
import { type CliIO, usageError, progress, spoolStdin, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './io.js';
import { openKb } from '../knowledge/cve/open.js';
import type { CveIndex } from '../knowledge/cve/index-file.js';

const FORMATS: ReportFormat[] = ['text', 'json', 'md', 'html'];

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
  if (maxMemory === null || maxMemory < MIN_MAX_MEMORY) return usageError(io, `--max-memory needs a size of at least 32M (e.g. 64M, 1G), not '${v['max-memory']}'`);
  const color = v['no-color'] ? false : v.color ?? Boolean(io.stdoutIsTTY && !v.output);

  if (files.filter((f) => f === '-').length > 1) return usageError(io, "standard input ('-') can be given once");
  const kb = openKb(v['no-kb'] ? null : v.kb, v['no-kb'] ? true : undefined);
  if (kb.warning) io.stderr.write(`ktriage: ${escapeTerminal(kb.warning)}\n`);
  const spooled = files.includes('-') ? await spoolStdin(io) : null;
  try {
    return await analyzeFiles(files, spooled?.path ?? null, { ...v, kbIndex: kb.index }, format, color, maxMemory, io);
  } finally {
    spooled?.remove();
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
}

async function analyzeFiles(
  files: string[], stdinPath: string | null, v: AnalyzeFlags, format: ReportFormat,
  color: boolean, maxMemory: number, io: CliIO,
): Promise<number> {
  const prog = progress(io);
  const inputs: AnalyzeInput[] = files.map((f) => (f === '-' ? { name: '-', path: stdinPath! } : f));

  // `--crash-vmlinux VMLINUX` (or `--debuginfo DIR` with crash on PATH) runs crash on each vmcore.
  const vmlinux = v['crash-vmlinux'] ?? (v.debuginfo ? findDebugVmlinux(v.debuginfo, files) : null);
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
  for (const group of groups) {
    const report = analyze(group, { onProgress: (m) => prog.update(m), maxMemory, kb: v.kbIndex ?? null });
    prog.done();
    const c = exitCodeOf(report);
    if (c === EXIT_USAGE && groups.length === 1) {
      const gap = report.gaps[0];
      return usageError(io, gap ? `${gap.source}: ${gap.what}` : 'no input could be read');
    }
    code = Math.max(code, c);
    if (v.each && format === 'json') out.push(render(report, 'json', { pretty: false }).trimEnd() + '\n');
    else out.push(render(report, format, { color }));
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
