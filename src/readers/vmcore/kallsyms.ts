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
import { phase } from './profile.js';
import { loadCachedKallsyms, saveCachedKallsyms } from './symcache.js';

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
const NAMES_CHUNK = 128 * 1024;

/**
 * The packed form of a symbol table (what kallsyms decodes into and what the cache stores): per symbol, in
 * table order, its address, its type letter (a byte) and its name as bytes [nameOff[i], nameOff[i+1]) of
 * nameBytes (latin1). No per-symbol JS object or string exists until a symbol is asked for.
 */
export interface PackedSymbols {
  addr: BigUint64Array;
  types: Uint8Array;
  nameOff: Uint32Array;
  nameBytes: Uint8Array;
}

const FNV_OFFSET = 0x811c9dc5;
function fnv(b: Uint8Array, from: number, to: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** A sorted symbol table: address → symbol (first alias in table order), name → symbols. */
export class SymbolTable implements SymbolSource {
  private readonly p: PackedSymbols;
  /** Indices sorted by address (stable: aliases keep table order); null when the table is already sorted. */
  private readonly order: Uint32Array | null;
  private readonly sortedAddr: BigUint64Array;
  private hashHead: Int32Array | null = null;
  private hashNext: Int32Array | null = null;

  /** From symbol objects (System.map, /proc/kallsyms, tests); readKallsyms() builds the packed form directly. */
  constructor(symbols: KernelSymbol[] | PackedSymbols, readonly module: string | null = null) {
    this.p = Array.isArray(symbols) ? pack(symbols) : symbols;
    const a = this.p.addr;
    let sorted = true;
    for (let i = 1; i < a.length && sorted; i++) if (a[i - 1]! > a[i]!) sorted = false;
    if (sorted) {
      this.order = null;
      this.sortedAddr = a;
    } else {
      const idx = Array.from({ length: a.length }, (_, i) => i);
      idx.sort((x, y) => (a[x]! < a[y]! ? -1 : a[x]! > a[y]! ? 1 : x - y));
      this.order = Uint32Array.from(idx);
      this.sortedAddr = BigUint64Array.from(idx, (i) => a[i]!);
    }
  }

  get count(): number {
    return this.p.addr.length;
  }

  /** The packed arrays (the symbol cache writes them). */
  get packed(): PackedSymbols {
    return this.p;
  }

  /** Name of the symbol at table index i. */
  nameAt(i: number): string {
    return Buffer.from(this.p.nameBytes.buffer, this.p.nameBytes.byteOffset, this.p.nameBytes.byteLength).toString('latin1', this.p.nameOff[i]!, this.p.nameOff[i + 1]!);
  }

  symbolAt(i: number): KernelSymbol {
    return { name: this.nameAt(i), type: String.fromCharCode(this.p.types[i]!), address: this.p.addr[i]! };
  }

  /** Every symbol as an object, in table order: allocates one object per symbol (tests, file exports), not for lookups. */
  all(): KernelSymbol[] {
    const out: KernelSymbol[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.symbolAt(i);
    return out;
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
    const s = this.symbolAt(this.order ? this.order[pos]! : pos);
    return { name: s.name, type: s.type, address: base, offset: address - base, size: size !== null && size > MAX_SYMBOL_SIZE ? MAX_SYMBOL_SIZE : size, module: this.module };
  }

  /** Symbols of that name, in table order (a hash of the name bytes; no string per symbol is made). */
  byName(name: string): KernelSymbol[] {
    // The object readers ask for the same few hundred names many times.
    const memo = this.memo.get(name);
    if (memo) return memo.slice();
    const r = this.findByName(name);
    if (this.memo.size >= 4096) this.memo.clear();
    this.memo.set(name, r);
    return r.slice();
  }

  private readonly memo = new Map<string, KernelSymbol[]>();

  private findByName(name: string): KernelSymbol[] {
    const { nameOff, nameBytes } = this.p;
    const n = this.count;
    if (!this.hashHead) {
      let bits = 4;
      while (1 << bits < n * 2 && bits < 24) bits++;
      const head = new Int32Array(1 << bits).fill(-1);
      const next = new Int32Array(n);
      const mask = (1 << bits) - 1;
      for (let i = n - 1; i >= 0; i--) {
        const h = fnv(nameBytes, nameOff[i]!, nameOff[i + 1]!) & mask;
        next[i] = head[h]!;
        head[h] = i;
      }
      this.hashHead = head;
      this.hashNext = next;
    }
    const q = Buffer.from(name, 'latin1');
    const out: KernelSymbol[] = [];
    for (let i = this.hashHead[fnv(q, 0, q.length) & (this.hashHead.length - 1)]!; i >= 0; i = this.hashNext![i]!) {
      const o = nameOff[i]!;
      if (nameOff[i + 1]! - o !== q.length) continue;
      let k = 0;
      while (k < q.length && nameBytes[o + k] === q[k]) k++;
      if (k === q.length) out.push(this.symbolAt(i));
    }
    return out;
  }
}

function pack(symbols: KernelSymbol[]): PackedSymbols {
  const n = symbols.length;
  const addr = new BigUint64Array(n);
  const types = new Uint8Array(n);
  const nameOff = new Uint32Array(n + 1);
  const names = symbols.map((s) => Buffer.from(s.name, 'latin1'));
  const nameBytes = new Uint8Array(names.reduce((t, b) => t + b.length, 0));
  let o = 0;
  for (let i = 0; i < n; i++) {
    addr[i] = symbols[i]!.address;
    types[i] = symbols[i]!.type.charCodeAt(0) & 0xff;
    nameOff[i] = o;
    nameBytes.set(names[i]!, o);
    o += names[i]!.length;
  }
  nameOff[n] = o;
  return { addr, types, nameOff, nameBytes };
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
  /** Where the table came from: decoded from the dump, or the symbol cache (validated against the dump). */
  from?: 'dump' | 'cache';
  /** Table indices whose address is absolute (absolute-percpu's values >= 0): not moved by KASLR. */
  absolute?: Uint8Array | null;
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

export interface KallsymsOptions {
  deadlineMs?: number;
  /** Use and fill the symbol cache (symcache.ts); default: on unless KTRIAGE_NO_CACHE=1. */
  cache?: boolean;
  /** Cache directory (default $XDG_CACHE_HOME/ktriage or ~/.cache/ktriage). */
  cacheDir?: string;
}

/** The core kernel's kallsyms from the dump (or the symbol cache); a named gap for anything it could not read. */
export function readKallsyms(dump: Dump, opts: KallsymsOptions = {}): KallsymsResult {
  phase('other');
  const useCache = opts.cache ?? process.env.KTRIAGE_NO_CACHE !== '1';
  let r: KallsymsResult | null = useCache ? loadCachedKallsyms(dump, opts.cacheDir) : null;
  if (!r) {
    r = decodeKallsyms(dump, opts);
    if (useCache && r.table) saveCachedKallsyms(dump, r, opts.cacheDir);
  }
  phase('kallsyms');
  return r;
}

/**
 * Decodes kallsyms_names: per symbol a length and token indices, expanded into one byte array, in one tight
 * loop. The region is read in chunks (`more` gives the next one, null past the readable part), appended
 * whenever fewer bytes than one longest symbol are left.
 */
function expandNames(
  num: number, tokTab: Buffer, tokStart: Int32Array, tokLen: Int32Array, more: () => Buffer | null, deadline: number,
): { types: Uint8Array; nameOff: Uint32Array; nameBytes: Uint8Array } | string {
  const types = new Uint8Array(num);
  const nameOff = new Uint32Array(num + 1);
  let out = new Uint8Array(Math.max(4096, num * 24));
  let o = 0;
  let buf: Uint8Array = new Uint8Array(0);
  let p = 0;
  let eof = false;
  // A symbol takes at most 2 length bytes + 0x7fff token bytes.
  const MAX_ENTRY = 2 + 0x7fff;
  for (let i = 0; i < num; i++) {
    if (p + MAX_ENTRY > buf.length && !eof) {
      if ((i & 1023) === 0 && Date.now() > deadline) return `reading names took too long (stopped at symbol ${i} of ${num})`;
      const m = more();
      if (m === null) eof = true;
      else {
        const joined = new Uint8Array(buf.length - p + m.length);
        joined.set(buf.subarray(p), 0);
        joined.set(m, buf.length - p);
        buf = joined;
        p = 0;
      }
    }
    if (p >= buf.length) return `kallsyms_names is not in the dump past symbol ${i}`;
    let len = buf[p++]!;
    if (len & 0x80) {
      if (p >= buf.length) return `kallsyms_names is not in the dump past symbol ${i}`;
      len = (len & 0x7f) | (buf[p++]! << 7);
    }
    if (len === 0) return `kallsyms_names is corrupt at symbol ${i} (empty name)`;
    if (p + len > buf.length) return `kallsyms_names is not in the dump past symbol ${i}`;
    if (o + len * 255 > out.length) {
      let size = out.length * 2;
      while (o + len * 255 > size) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(out.subarray(0, o));
      out = grown;
    }
    nameOff[i] = o;
    const end = p + len;
    // The first expanded character is the type letter.
    let t = buf[p++]!;
    let a = tokStart[t]!;
    let e = a + tokLen[t]!;
    if (a < e) types[i] = tokTab[a++]!;
    while (a < e) out[o++] = tokTab[a++]!;
    while (p < end) {
      t = buf[p++]!;
      a = tokStart[t]!;
      e = a + tokLen[t]!;
      while (a < e) out[o++] = tokTab[a++]!;
    }
  }
  nameOff[num] = o;
  return { types, nameOff, nameBytes: out.subarray(0, o) };
}

function decodeKallsyms(dump: Dump, opts: { deadlineMs?: number }): KallsymsResult {
  const deadline = Date.now() + (opts.deadlineMs ?? 10_000);
  const sym = dump.vmcoreinfo.symbols;
  const missing = NEEDED.filter((n) => !sym.has(n));
  if (missing.length) return { table: null, encoding: null, gaps: [gap(`VMCOREINFO has no SYMBOL(${missing.join('|')}): use --system-map or --kallsyms`)] };
  try {
    const num = dump.readU32(sym.get('kallsyms_num_syms')!);
    if (num === null) return { table: null, encoding: null, gaps: [gap('kallsyms_num_syms is not in the dump')] };
    if (num === 0 || num > MAX_SYMS) return { table: null, encoding: null, gaps: [gap(`kallsyms_num_syms is ${num} (at most ${MAX_SYMS})`)] };
    const tokens = readTokens(dump, sym);
    if (typeof tokens === 'string') return { table: null, encoding: null, gaps: [gap(tokens)] };
    const { tokTab, tokStart, tokLen } = tokens;
    const offsetsVa = sym.get('kallsyms_offsets')!;
    const offsets = region(dump, offsetsVa, num * 4);
    if (!offsets) return { table: null, encoding: null, gaps: [gap('kallsyms_offsets is not (all) in the dump')] };
    // kallsyms_names, streamed in chunks (what follows it varies by release and backports, e.g.
    // kallsyms_seqs_of_names: reading up to kallsyms_token_table would read ~70 pages for nothing).
    let chunkVa = sym.get('kallsyms_names')!;
    const more = (): Buffer | null => {
      const b = region(dump, chunkVa, NAMES_CHUNK);
      chunkVa += BigInt(NAMES_CHUNK);
      return b;
    };
    const names = expandNames(num, tokTab, tokStart, tokLen, more, deadline);
    if (typeof names === 'string') return { table: null, encoding: null, gaps: [gap(names)] };
    // The encoding: the one that puts _stext where VMCOREINFO says.
    const relBase = sym.has('kallsyms_relative_base') ? dump.readU64(sym.get('kallsyms_relative_base')!) : null;
    const stext = sym.get('_stext');
    if (stext === undefined) return { table: null, encoding: null, gaps: [gap('no _stext to tell the address encoding (SYMBOL(_stext) or the _stext symbol is missing)')] };
    const stextIdx = findName(names.nameOff, names.nameBytes, '_stext');
    if (stextIdx < 0) return { table: null, encoding: null, gaps: [gap('no _stext to tell the address encoding (SYMBOL(_stext) or the _stext symbol is missing)')] };
    const order: KallsymsEncoding[] = relBase !== null ? ['absolute-percpu', 'base-relative', 'place-relative'] : ['place-relative'];
    const chosen = order.find((e) => addressOf(e, offsets, stextIdx, relBase ?? 0n, offsetsVa) === stext);
    if (!chosen) return { table: null, encoding: null, gaps: [gap(`no address encoding puts _stext at ${stext.toString(16)}: the table is corrupt or of an unknown kind`)] };
    const { addr, absolute } = decodeAddresses(chosen, offsets, num, relBase ?? 0n, offsetsVa);
    return { table: new SymbolTable({ addr, types: names.types, nameOff: names.nameOff, nameBytes: names.nameBytes }), encoding: chosen, gaps: [], from: 'dump', absolute };
  } catch (e) {
    return { table: null, encoding: null, gaps: [gap((e as Error).message)] };
  }
}

/** The 256 tokens of kallsyms_token_table (start and length of each, through kallsyms_token_index), or why not. */
function readTokens(dump: Dump, sym: Map<string, bigint>): { tokTab: Buffer; tokStart: Int32Array; tokLen: Int32Array } | string {
  const tokIdx = region(dump, sym.get('kallsyms_token_index')!, 512);
  if (!tokIdx) return 'kallsyms_token_index is not in the dump';
  let maxTok = 0;
  for (let i = 0; i < 256; i++) maxTok = Math.max(maxTok, tokIdx.readUInt16LE(i * 2));
  const tokTab = region(dump, sym.get('kallsyms_token_table')!, maxTok + 256);
  if (!tokTab) return 'kallsyms_token_table is not in the dump';
  const tokStart = new Int32Array(256);
  const tokLen = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const o = tokIdx.readUInt16LE(i * 2);
    let e = o;
    while (e < tokTab.length && tokTab[e] !== 0 && e - o < 255) e++;
    tokStart[i] = o;
    tokLen[i] = e - o;
  }
  return { tokTab, tokStart, tokLen };
}

/**
 * Checks a table that did not come from this dump (the symbol cache) against the dump's own kallsyms, cheaply:
 * the symbol count, the first 256 names and types decoded from kallsyms_names, and the addresses of 32 symbols
 * spread over the table (and `_stext`) decoded from kallsyms_offsets. About 45 pages instead of ~420.
 */
export function verifyAgainstDump(dump: Dump, table: SymbolTable, encoding: KallsymsEncoding): boolean {
  const sym = dump.vmcoreinfo.symbols;
  if (NEEDED.some((n) => !sym.has(n))) return false;
  try {
    const num = dump.readU32(sym.get('kallsyms_num_syms')!);
    if (num !== table.count) return false;
    const tokens = readTokens(dump, sym);
    if (typeof tokens === 'string') return false;
    const { tokTab, tokStart, tokLen } = tokens;
    const first = Math.min(num, 256);
    let va = sym.get('kallsyms_names')!;
    const names = expandNames(first, tokTab, tokStart, tokLen, () => {
      const b = region(dump, va, 16384);
      va += 16384n;
      return b;
    }, Date.now() + 2000);
    if (typeof names === 'string') return false;
    const p = table.packed;
    for (let i = 0; i < first; i++) {
      if (names.types[i] !== p.types[i] || names.nameOff[i + 1]! - names.nameOff[i]! !== p.nameOff[i + 1]! - p.nameOff[i]!) return false;
      for (let k = names.nameOff[i]!, j = p.nameOff[i]!; k < names.nameOff[i + 1]!; k++, j++) if (names.nameBytes[k] !== p.nameBytes[j]) return false;
    }
    const relBase = sym.has('kallsyms_relative_base') ? dump.readU64(sym.get('kallsyms_relative_base')!) : null;
    if (encoding !== 'place-relative' && relBase === null) return false;
    const offsetsVa = sym.get('kallsyms_offsets')!;
    const stextIdx = table.byName('_stext').length ? findName(p.nameOff, p.nameBytes, '_stext') : -1;
    if (stextIdx < 0) return false;
    const sample = [stextIdx, num - 1];
    for (let k = 0; k < 32; k++) sample.push(Math.floor((k * num) / 32));
    for (const i of sample) {
      const b = region(dump, offsetsVa + BigInt(i * 4), 4);
      if (!b) return false;
      if (addressOf(encoding, b, 0, relBase ?? 0n, offsetsVa + BigInt(i * 4)) !== p.addr[i]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function findName(nameOff: Uint32Array, nameBytes: Uint8Array, name: string): number {
  const q = Buffer.from(name, 'latin1');
  for (let i = 0; i + 1 < nameOff.length; i++) {
    const o = nameOff[i]!;
    if (nameOff[i + 1]! - o !== q.length) continue;
    let k = 0;
    while (k < q.length && nameBytes[o + k] === q[k]) k++;
    if (k === q.length) return i;
  }
  return -1;
}

const M64 = (1n << 64n) - 1n;

/** One symbol's address under an encoding (BigInt; used to choose the encoding). */
function addressOf(e: KallsymsEncoding, offsets: Buffer, i: number, relBase: bigint, offsetsVa: bigint): bigint {
  if (e === 'absolute-percpu') {
    const v = offsets.readInt32LE(i * 4);
    return v >= 0 ? BigInt(v) : (relBase - 1n - BigInt(v)) & M64;
  }
  if (e === 'base-relative') return (relBase + BigInt(offsets.readUInt32LE(i * 4))) & M64;
  return (offsetsVa + BigInt(i * 4) + BigInt(offsets.readInt32LE(i * 4))) & M64;
}

/**
 * Every address in one loop of 32-bit halves written into the BigUint64Array's words (no BigInt per symbol):
 * base + a non-negative 32-bit addend, with the carry into the high word.
 */
export function decodeAddresses(e: KallsymsEncoding, offsets: Buffer, num: number, relBase: bigint, offsetsVa: bigint): { addr: BigUint64Array; absolute: Uint8Array | null } {
  const addr = new BigUint64Array(num);
  const w = new Uint32Array(addr.buffer);
  const ov = new DataView(offsets.buffer, offsets.byteOffset, num * 4);
  const absolute = e === 'absolute-percpu' ? new Uint8Array(num) : null;
  const add = (i: number, base: bigint, addend: number): void => {
    // addend in [-2^31, 2^32): split base into halves and add with carry/borrow.
    const lo = Number(base & 0xffffffffn) + addend;
    let hi = Number((base >> 32n) & 0xffffffffn);
    if (lo >= 0x100000000) hi += 1;
    else if (lo < 0) hi -= 1;
    w[i * 2] = lo >>> 0;
    w[i * 2 + 1] = hi >>> 0;
  };
  const baseLo = Number(relBase & 0xffffffffn);
  const baseHi = Number((relBase >> 32n) & 0xffffffffn);
  for (let i = 0; i < num; i++) {
    if (e === 'absolute-percpu') {
      const v = ov.getInt32(i * 4, true);
      if (v >= 0) {
        w[i * 2] = v;
        w[i * 2 + 1] = 0;
        absolute![i] = 1;
      } else {
        // relBase - 1 - v, with -1 - v in [0, 2^31).
        const lo = baseLo + (-1 - v);
        w[i * 2] = lo >>> 0;
        w[i * 2 + 1] = (baseHi + (lo >= 0x100000000 ? 1 : 0)) >>> 0;
      }
    } else if (e === 'base-relative') {
      const lo = baseLo + ov.getUint32(i * 4, true);
      w[i * 2] = lo >>> 0;
      w[i * 2 + 1] = (baseHi + (lo >= 0x100000000 ? 1 : 0)) >>> 0;
    } else {
      add(i, offsetsVa + BigInt(i * 4), ov.getInt32(i * 4, true));
    }
  }
  return { addr, absolute };
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
