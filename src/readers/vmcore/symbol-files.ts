// Symbols from a file, for kernels whose VMCOREINFO has no kallsyms symbols (before v6.0, without the
// backport): a System.map (`ffffffff81000000 T _stext`, link-time addresses, as scripts/mksysmap writes it)
// or a copy of /proc/kallsyms (the same line shape with run-time addresses, module symbols tagged
// `\t[module]`). The addresses are moved to where the dumped kernel ran: by SYMBOL(_stext) minus the file's
// `_stext` when both exist, else (System.map) by VMCOREINFO's KERNELOFFSET; percpu symbols (small absolute
// values, below the kernel half) are not moved, as KASLR does not move them. Module lines are skipped (the
// dump's own module list has them). The result is the SymbolTable that kallsyms.ts produces.
import { readFileSync, statSync } from 'node:fs';
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import type { VmcoreInfo } from './vmcoreinfo.js';
import { MAX_SYMS, SymbolTable, readKallsyms, type KallsymsEncoding, type KernelSymbol } from './kallsyms.js';

export type SymbolFileKind = 'system-map' | 'kallsyms';

/** Files standing in for what the dump lacks (`--system-map`, `--kallsyms`, `--btf`). */
export interface KernelSources {
  systemMap?: string;
  kallsyms?: string;
  /** Raw BTF: a copy of /sys/kernel/btf/vmlinux. */
  btf?: string;
}

export const MAX_SYMBOL_FILE_BYTES = 256 << 20;
const KERNEL_HALF = 0xffff800000000000n;
const M64 = (1n << 64n) - 1n;

export interface ParsedSymbolFile {
  symbols: KernelSymbol[];
  /** Lines with a `[module]` tag (skipped). */
  moduleLines: number;
  /** Lines that are not `ADDRESS TYPE NAME`. */
  badLines: number;
  /** First bad line (1-based), for the gap. */
  firstBad: number | null;
  /** Symbols whose address is 0 (a /proc/kallsyms read without CAP_SYSLOG, kptr_restrict). */
  zero: number;
}

const LINE = /^([0-9a-fA-F]{1,16})\s+([A-Za-z?-])\s+(\S+)(?:\s+\[(\S+)\])?\s*$/;

/** Parses System.map / /proc/kallsyms text (bounded by MAX_SYMS symbols). */
export function parseSymbolFile(text: string): ParsedSymbolFile {
  const symbols: KernelSymbol[] = [];
  let moduleLines = 0;
  let badLines = 0;
  let firstBad: number | null = null;
  let zero = 0;
  let start = 0;
  let lineNo = 0;
  while (start < text.length && symbols.length < MAX_SYMS) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, Math.min(end, start + 4096)).replace(/\r$/, '');
    start = end + 1;
    if (line.trim() === '') continue;
    const m = LINE.exec(line);
    if (!m) {
      badLines++;
      firstBad ??= lineNo;
      continue;
    }
    if (m[4] !== undefined) {
      moduleLines++;
      continue;
    }
    const address = BigInt('0x' + m[1]!);
    if (address === 0n) zero++;
    symbols.push({ name: m[3]!, type: m[2]!, address });
  }
  return { symbols, moduleLines, badLines, firstBad, zero };
}

export interface SymbolFileResult {
  table: SymbolTable | null;
  /** What was added to the file's kernel-half addresses. */
  shift: bigint;
  /** How the shift was found. */
  how: string | null;
  gaps: Gap[];
}

/** Reads a symbol file and relocates it to the dumped kernel (see the header comment). */
export function symbolsFromFile(path: string, kind: SymbolFileKind, vmci: Pick<VmcoreInfo, 'symbols' | 'kernelOffset'>): SymbolFileResult {
  const label = kind === 'system-map' ? 'System.map' : 'kallsyms file';
  const fail = (what: string): SymbolFileResult => ({ table: null, shift: 0n, how: null, gaps: [{ source: path, what: `${label}: ${what}` }] });
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_SYMBOL_FILE_BYTES) return fail(`${size} bytes (at most ${MAX_SYMBOL_FILE_BYTES})`);
    text = readFileSync(path, 'latin1');
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]!);
  }
  return relocate(parseSymbolFile(text), path, kind, vmci);
}

/** Relocation of parsed symbols (separate from the file read for tests and fuzzing). */
export function relocate(p: ParsedSymbolFile, source: string, kind: SymbolFileKind, vmci: Pick<VmcoreInfo, 'symbols' | 'kernelOffset'>): SymbolFileResult {
  const label = kind === 'system-map' ? 'System.map' : 'kallsyms file';
  const gaps: Gap[] = [];
  const fail = (what: string): SymbolFileResult => ({ table: null, shift: 0n, how: null, gaps: [{ source, what: `${label}: ${what}` }] });
  if (!p.symbols.length) return fail(p.badLines ? `no symbol lines (first bad line ${p.firstBad})` : 'no symbols');
  if (p.zero === p.symbols.length) return fail('every address is 0 (/proc/kallsyms read without root, kptr_restrict): copy it as root');
  if (p.badLines > Math.max(10, p.symbols.length / 100)) return fail(`${p.badLines} lines are not ADDRESS TYPE NAME (first at line ${p.firstBad}): not a ${label}`);
  if (p.badLines) gaps.push({ source, what: `${label}: ${p.badLines} line(s) skipped (first at line ${p.firstBad})` });
  if (p.symbols.length >= MAX_SYMS) gaps.push({ source, what: `${label}: stopped at ${MAX_SYMS} symbols` });
  const fileStext = p.symbols.find((s) => s.name === '_stext')?.address ?? null;
  const dumpStext = vmci.symbols.get('_stext') ?? null;
  let shift = 0n;
  let how: string;
  if (fileStext !== null && dumpStext !== null) {
    shift = (dumpStext - fileStext) & M64;
    how = `SYMBOL(_stext) - the file's _stext`;
    if (kind === 'system-map' && vmci.kernelOffset !== null && shift !== vmci.kernelOffset) {
      gaps.push({ source, what: `System.map: its _stext moved by KERNELOFFSET=${vmci.kernelOffset.toString(16)} is not SYMBOL(_stext): a map of another build? (used SYMBOL(_stext))` });
    }
  } else if (kind === 'system-map' && vmci.kernelOffset !== null) {
    shift = vmci.kernelOffset;
    how = 'KERNELOFFSET';
  } else {
    how = 'none';
    gaps.push({ source, what: `${label}: no _stext to relocate by${kind === 'system-map' ? ' and no KERNELOFFSET' : ''}: addresses used as they are` });
  }
  const symbols = shift === 0n ? p.symbols : p.symbols.map((s) => (s.address >= KERNEL_HALF ? { ...s, address: (s.address + shift) & M64 } : s));
  return { table: new SymbolTable(symbols), shift, how, gaps };
}

export interface CoreSymbolsResult {
  table: SymbolTable | null;
  /** The dump's kallsyms encoding, or the file the symbols came from. */
  source: KallsymsEncoding | SymbolFileKind | null;
  gaps: Gap[];
}

/** The core kernel's symbols: from the file given (`--system-map`/`--kallsyms`) else the dump's kallsyms. */
export function readCoreSymbols(dump: Dump, sources: KernelSources = {}): CoreSymbolsResult {
  const file = sources.systemMap ? { path: sources.systemMap, kind: 'system-map' as const } : sources.kallsyms ? { path: sources.kallsyms, kind: 'kallsyms' as const } : null;
  if (file) {
    const r = symbolsFromFile(file.path, file.kind, dump.vmcoreinfo);
    return { table: r.table, source: r.table ? file.kind : null, gaps: r.gaps };
  }
  const k = readKallsyms(dump);
  return { table: k.table, source: k.encoding, gaps: k.gaps.map((g) => ({ source: dump.path, what: g.what })) };
}
