// Bounded reads of kernel memory for `ktriage rd` (crash's `rd`): an address argument resolved like crash
// takes it (hex with or without 0x, a symbol name, `symbol+offset`), 64-bit words, and crash's `rd -a`
// ASCII strings (memory.c display_memory(): runs of isprint() bytes, a new line every 60 characters, with
// no count one string up to the first unprintable byte). Pages missing from the dump are skipped and named.
import type { Dump } from './dump.js';
import type { Symbols } from './kernel.js';

export const MAX_RD_WORDS = 1 << 16;
export const MAX_RD_BYTES = 1 << 20;
/** `rd -a` without a count: one string, at most this long. */
export const ASCII_UNLIMITED_CAP = 1 << 16;
const ASCII_PER_LINE = 60;

export interface ResolvedAddress {
  address: bigint;
  /** The symbol it was given as, when a name. */
  symbol: string | null;
}

/** `ffffffffc04f30cc`, `0xffff...`, `sys_call_table`, `sys_call_table+8`, `sys_call_table+0x10`. */
export function resolveAddress(symbols: Symbols | null, arg: string): ResolvedAddress | string {
  if (/^0x[0-9a-f]{1,16}$/i.test(arg)) return { address: BigInt(arg), symbol: null };
  // crash reads a bare hex number as an address; a string that is also a symbol's name is the symbol.
  if (/^[0-9a-f]{1,16}$/i.test(arg) && !(symbols && symbols.byName(arg).length)) return { address: BigInt('0x' + arg), symbol: null };
  const m = /^([A-Za-z_.$][\w.$]*)(?:\+(0x[0-9a-f]{1,16}|\d{1,19}))?$/i.exec(arg);
  if (!m) return `${arg}: not an address or a symbol name`;
  if (!symbols) return `${arg}: no symbol table to resolve it`;
  const s = symbols.byName(m[1]!);
  if (!s.length) return `${m[1]}: no such symbol in the dump's kallsyms or module symbols`;
  const off = m[2] ? BigInt(m[2]) : 0n;
  return { address: (s[0]!.address + off) & ((1n << 64n) - 1n), symbol: m[1]! };
}

export interface MemGap {
  /** First address of the unreadable range, and its length in bytes. */
  address: bigint;
  length: number;
  why: string;
}

export interface WordRead {
  address: bigint;
  /** One per word; null where the page is not in the dump. */
  words: (bigint | null)[];
  gaps: MemGap[];
}

function gapsOf(base: bigint, bad: { offset: number; why: string }[], len: number): MemGap[] {
  const out: MemGap[] = [];
  for (const b of bad) {
    const start = base + BigInt(b.offset);
    const pageEnd = (start | 0xfffn) + 1n;
    const end = pageEnd < base + BigInt(len) ? pageEnd : base + BigInt(len);
    const last = out[out.length - 1];
    if (last && last.address + BigInt(last.length) === start && last.why === b.why) last.length += Number(end - start);
    else out.push({ address: start, length: Number(end - start), why: b.why });
  }
  return out;
}

/** `count` 64-bit words from `address` (bounded by MAX_RD_WORDS). */
export function readWords(dump: Dump, address: bigint, count: number): WordRead {
  const n = Math.max(1, Math.min(count, MAX_RD_WORDS));
  const r = dump.readVirt(address, n * 8);
  const badWord = new Set<number>();
  for (const b of r.bad) {
    const first = Math.floor(b.offset / 8);
    const pageBytes = 4096 - Number((address + BigInt(b.offset)) & 0xfffn);
    const last = Math.min(n - 1, Math.floor((b.offset + pageBytes - 1) / 8));
    for (let i = first; i <= last; i++) badWord.add(i);
  }
  const words: (bigint | null)[] = [];
  for (let i = 0; i < n; i++) words.push(badWord.has(i) ? null : r.data.readBigUInt64LE(i * 8));
  return { address, words, gaps: gapsOf(address, r.bad, n * 8) };
}

export interface AsciiLine {
  address: bigint;
  text: string;
}

export interface AsciiRead {
  lines: AsciiLine[];
  /** Bytes looked at. */
  scanned: number;
  gaps: MemGap[];
}

/** crash's isprint() in the C locale. */
function printable(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/**
 * crash's `rd -a ADDR [COUNT]`: with COUNT, every run of printable bytes in COUNT bytes, each on its line
 * (split every 60 characters); without, the one string at ADDR up to its first unprintable byte.
 */
export function readAscii(dump: Dump, address: bigint, count: number | null): AsciiRead {
  const unlimited = count === null;
  const total = unlimited ? ASCII_UNLIMITED_CAP : Math.max(1, Math.min(count, MAX_RD_BYTES));
  const lines: AsciiLine[] = [];
  const gaps: MemGap[] = [];
  let cur: AsciiLine | null = null;
  let scanned = 0;
  // Page by page, so that an unlimited string does not read more than it needs.
  while (scanned < total) {
    const va = address + BigInt(scanned);
    const n = Math.min(total - scanned, 4096 - Number(va & 0xfffn));
    const r = dump.readVirt(va, n);
    if (r.bad.length) {
      gaps.push(...gapsOf(va, r.bad, n));
      cur = null;
      scanned += n;
      if (unlimited) break;
      continue;
    }
    for (let i = 0; i < n; i++) {
      const c = r.data[i]!;
      if (printable(c)) {
        if (!cur || cur.text.length === ASCII_PER_LINE) {
          cur = { address: va + BigInt(i), text: '' };
          lines.push(cur);
        }
        cur.text += String.fromCharCode(c);
      } else {
        if (unlimited) return { lines, scanned: scanned + i + 1, gaps };
        cur = null;
      }
    }
    scanned += n;
  }
  return { lines, scanned, gaps };
}
