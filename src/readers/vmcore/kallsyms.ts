// The kernel's own symbol table (kallsyms) read out of a dump, from the VMCOREINFO symbols the kernel
// exports since v6.0 (kallsyms_names, kallsyms_num_syms, kallsyms_token_table, kallsyms_token_index,
// kallsyms_offsets, kallsyms_relative_base). Layout as written by the kernel's scripts/kallsyms.c and read
// by kernel/kallsyms.c:
//  - kallsyms_names: per symbol a length (one byte; 6.1+: two bytes when the first has bit 7 set, low 7
//    bits first) then that many token indices; the expanded first character is the symbol type;
//  - kallsyms_token_table: 256 NUL-terminated tokens, kallsyms_token_index: their u16 offsets;
//  - kallsyms_offsets: one s32 per symbol, turned into an address by one of three encodings: absolute-percpu
//    (>= 0: the value itself; < 0: relative_base - 1 - value), base-relative (relative_base + u32 value),
//    place-relative (the entry's own address + s32 value). The encoding is not recorded in the dump: the one
//    that puts `_stext` at VMCOREINFO's SYMBOL(_stext) is used.
// Written by hand: no package reads kallsyms out of a memory image. Every count and index is bounded;
// what cannot be read is a Gap, never an exception out of readKallsyms().
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';

export type KallsymsEncoding = 'absolute-percpu' | 'base-relative' | 'place-relative';

export interface KernelSymbol {
  name: string;
  /** kallsyms type letter: t/T text, d/D data, r/R rodata, b/B bss, w/W weak, A absolute ... */
  type: string;
  address: bigint;
}

/** What an address resolves to: `name+0xoffset/0xsize [module]`. */
export interface SymbolHit {
  name: string;
  type: string;
  address: bigint;
  offset: bigint;
  /** Distance to the next higher symbol, capped at MAX_SYMBOL_SIZE; null for the last symbol. */
  size: bigint | null;
  /** null for the core kernel; module symbol tables (phase 2) set it. */
  module: string | null;
}

/** A source of symbols: the core kernel's kallsyms now; module tables plug in beside it. */
export interface SymbolSource {
  lookup(address: bigint): SymbolHit | null;
  byName(name: string): KernelSymbol[];
}

export const MAX_SYMS = 1 << 21;
/** Symbol sizes come from the next symbol; past this a gap between symbols is not one function. */
export const MAX_SYMBOL_SIZE = 1n << 20n;
const NAMES_CHUNK = 64 * 1024;

/** A sorted symbol table: address → symbol (first alias in kallsyms order), name → symbols. */
export class SymbolTable implements SymbolSource {
  /** Indices into `symbols`, sorted by address (stable: aliases keep kallsyms order). */
  private readonly order: Uint32Array;
  private readonly sortedAddr: BigUint64Array;
  private byNameMap: Map<string, number[]> | null = null;

  constructor(readonly symbols: KernelSymbol[], readonly module: string | null = null) {
    const idx = Array.from(symbols.keys());
    idx.sort((a, b) => (symbols[a]!.address < symbols[b]!.address ? -1 : symbols[a]!.address > symbols[b]!.address ? 1 : a - b));
    this.order = Uint32Array.from(idx);
    this.sortedAddr = BigUint64Array.from(idx.map((i) => symbols[i]!.address));
  }

  get count(): number {
    return this.symbols.length;
  }

  /** The symbol at or below `address`, like the kernel's kallsyms_lookup() (first alias of its address). */
  lookup(address: bigint): SymbolHit | null {
    const a = this.sortedAddr;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! <= address) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return null;
    let pos = lo - 1;
    const base = a[pos]!;
    while (pos > 0 && a[pos - 1] === base) pos--;
    let next = lo;
    while (next < a.length && a[next] === base) next++;
    const size = next < a.length ? a[next]! - base : null;
    if (size !== null && address - base >= MAX_SYMBOL_SIZE) return null;
    const s = this.symbols[this.order[pos]!]!;
    return { name: s.name, type: s.type, address: base, offset: address - base, size: size !== null && size > MAX_SYMBOL_SIZE ? MAX_SYMBOL_SIZE : size, module: this.module };
  }

  byName(name: string): KernelSymbol[] {
    if (!this.byNameMap) {
      const m = new Map<string, number[]>();
      this.symbols.forEach((s, i) => {
        const l = m.get(s.name);
        if (l) l.push(i);
        else m.set(s.name, [i]);
      });
      this.byNameMap = m;
    }
    return (this.byNameMap.get(name) ?? []).map((i) => this.symbols[i]!);
  }
}

/** `func+0x1a/0x30 [mod]`, the kernel's %pS format. */
export function formatSymbol(h: SymbolHit): string {
  const s = `${h.name}+0x${h.offset.toString(16)}${h.size !== null ? `/0x${h.size.toString(16)}` : ''}`;
  return h.module ? `${s} [${h.module}]` : s;
}

export interface KallsymsResult {
  table: SymbolTable | null;
  encoding: KallsymsEncoding | null;
  gaps: Gap[];
}

const NEEDED = ['kallsyms_names', 'kallsyms_num_syms', 'kallsyms_token_table', 'kallsyms_token_index', 'kallsyms_offsets'];

function gap(what: string): Gap {
  return { source: 'vmcore', what: `kallsyms: ${what}` };
}

/** Reads a bounded region; null when any page of it is missing. */
function region(dump: Dump, va: bigint, len: number): Buffer | null {
  const r = dump.readVirt(va, len);
  return r.bad.length ? null : r.data;
}

/** The core kernel's kallsyms from the dump; a named gap for anything it could not read. */
export function readKallsyms(dump: Dump, opts: { deadlineMs?: number } = {}): KallsymsResult {
  const deadline = Date.now() + (opts.deadlineMs ?? 10_000);
  const sym = dump.vmcoreinfo.symbols;
  const missing = NEEDED.filter((n) => !sym.has(n));
  if (missing.length) return { table: null, encoding: null, gaps: [gap(`VMCOREINFO has no SYMBOL(${missing.join('|')}): use --system-map or --kallsyms`)] };
  try {
    const num = dump.readU32(sym.get('kallsyms_num_syms')!);
    if (num === null) return { table: null, encoding: null, gaps: [gap('kallsyms_num_syms is not in the dump')] };
    if (num === 0 || num > MAX_SYMS) return { table: null, encoding: null, gaps: [gap(`kallsyms_num_syms is ${num} (at most ${MAX_SYMS})`)] };
    const tokIdx = region(dump, sym.get('kallsyms_token_index')!, 512);
    if (!tokIdx) return { table: null, encoding: null, gaps: [gap('kallsyms_token_index is not in the dump')] };
    let maxTok = 0;
    for (let i = 0; i < 256; i++) maxTok = Math.max(maxTok, tokIdx.readUInt16LE(i * 2));
    const tokTab = region(dump, sym.get('kallsyms_token_table')!, maxTok + 256);
    if (!tokTab) return { table: null, encoding: null, gaps: [gap('kallsyms_token_table is not in the dump')] };
    const tokens: string[] = [];
    for (let i = 0; i < 256; i++) {
      const o = tokIdx.readUInt16LE(i * 2);
      let e = o;
      while (e < tokTab.length && tokTab[e] !== 0) e++;
      tokens.push(tokTab.toString('latin1', o, e));
    }
    const offsetsVa = sym.get('kallsyms_offsets')!;
    const offsets = region(dump, offsetsVa, num * 4);
    if (!offsets) return { table: null, encoding: null, gaps: [gap('kallsyms_offsets is not (all) in the dump')] };
    // Names, streamed in chunks: each symbol is at most 2 + 0x7fff... bytes; bounded by the chunk refill.
    const names: string[] = new Array<string>(num);
    const types: string[] = new Array<string>(num);
    let chunkVa = sym.get('kallsyms_names')!;
    let buf = Buffer.alloc(0);
    let p = 0;
    const need = (n: number): boolean => {
      if (p + n <= buf.length) return true;
      const rest = buf.subarray(p);
      const more = region(dump, chunkVa, NAMES_CHUNK);
      if (!more) return false;
      chunkVa += BigInt(NAMES_CHUNK);
      buf = Buffer.concat([rest, more]);
      p = 0;
      return p + n <= buf.length;
    };
    for (let i = 0; i < num; i++) {
      if ((i & 4095) === 0 && Date.now() > deadline) return { table: null, encoding: null, gaps: [gap(`reading names took too long (stopped at symbol ${i} of ${num})`)] };
      if (!need(2)) return { table: null, encoding: null, gaps: [gap(`kallsyms_names is not in the dump past symbol ${i}`)] };
      let len = buf[p++]!;
      if (len & 0x80) len = (len & 0x7f) | (buf[p++]! << 7);
      if (len === 0) return { table: null, encoding: null, gaps: [gap(`kallsyms_names is corrupt at symbol ${i} (empty name)`)] };
      if (!need(len)) return { table: null, encoding: null, gaps: [gap(`kallsyms_names is not in the dump past symbol ${i}`)] };
      let s = '';
      for (let k = 0; k < len; k++) s += tokens[buf[p++]!]!;
      types[i] = s.slice(0, 1);
      names[i] = s.slice(1);
    }
    // The encoding: the one that puts _stext where VMCOREINFO says.
    const relBase = sym.has('kallsyms_relative_base') ? dump.readU64(sym.get('kallsyms_relative_base')!) : null;
    const stext = sym.get('_stext');
    const stextIdx = names.indexOf('_stext');
    const M64 = (1n << 64n) - 1n;
    const decoders: [KallsymsEncoding, (i: number) => bigint][] = [];
    if (relBase !== null) {
      decoders.push(['absolute-percpu', (i) => {
        const v = offsets.readInt32LE(i * 4);
        return v >= 0 ? BigInt(v) : (relBase - 1n - BigInt(v)) & M64;
      }]);
      decoders.push(['base-relative', (i) => (relBase + BigInt(offsets.readUInt32LE(i * 4))) & M64]);
    }
    decoders.push(['place-relative', (i) => (offsetsVa + BigInt(i * 4) + BigInt(offsets.readInt32LE(i * 4))) & M64]);
    if (stext === undefined || stextIdx < 0) return { table: null, encoding: null, gaps: [gap('no _stext to tell the address encoding (SYMBOL(_stext) or the _stext symbol is missing)')] };
    const chosen = decoders.find(([, f]) => f(stextIdx) === stext);
    if (!chosen) return { table: null, encoding: null, gaps: [gap(`no address encoding puts _stext at ${stext.toString(16)}: the table is corrupt or of an unknown kind`)] };
    const symbols: KernelSymbol[] = new Array<KernelSymbol>(num);
    for (let i = 0; i < num; i++) symbols[i] = { name: names[i]!, type: types[i]!, address: chosen[1](i) };
    return { table: new SymbolTable(symbols), encoding: chosen[0], gaps: [] };
  } catch (e) {
    return { table: null, encoding: null, gaps: [gap((e as Error).message)] };
  }
}

export interface SymbolQueryRow {
  address: bigint;
  type: string;
  /** `name` for a name query, `name+0xoff/0xsize [mod]` for an address. */
  text: string;
  hit: SymbolHit | null;
}

/** `ktriage sym ARG`: ARG is a hex address (0x optional, 16 digits or 0x-prefixed) or a symbol name. */
export function querySymbol(table: SymbolSource, arg: string): SymbolQueryRow[] {
  const hex = /^(?:0x[0-9a-f]{1,16}|[0-9a-f]{16})$/i.test(arg) ? BigInt(arg.startsWith('0x') || arg.startsWith('0X') ? arg : '0x' + arg) : null;
  if (hex !== null) {
    const hit = table.lookup(hex);
    return hit ? [{ address: hex, type: hit.type, text: formatSymbol(hit), hit }] : [];
  }
  return table.byName(arg).map((s) => ({ address: s.address, type: s.type, text: s.name, hit: null }));
}
