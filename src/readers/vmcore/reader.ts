// The native vmcore reader in one ES module: ktriage dmesg's start-up pays for every module Node loads
// (each is resolved, read and compiled on its own, a few hundred microseconds to milliseconds apiece; see
// bench/vmcore.ts), so everything `ktriage dmesg VMCORE` runs lives here, in sections:
//   page codecs (LZO1X, Snappy; zstd lives in zstd.ts) · opening a dump and reading its memory (file access, pages, VMCOREINFO,
//   ELF notes, ELF cores, flattened and kdump-compressed files, x86_64 translation, the Dump class) ·
//   the printk walk and makedumpfile's formatting · the public API (readVmcore, summarize).
// index.ts is the public entry for other callers; lzo.ts, dump.ts, kdump.ts, printk.ts ... re-export
// their part from here so that existing imports keep working.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Gap } from '../../model/types.js';
import { zstdDecompressPage } from './zstd.js';

// ======== LZO1X pages (formerly lzo.ts) ========
// LZO1X decompressor (the format makedumpfile -l writes per page via liblzo2's lzo1x_1_compress).
// Written by hand: npm has no maintained, bounds-checked LZO1X decoder. It follows the instruction set
// of LZO1X as documented in the Linux kernel's Documentation/staging/lzo.rst (state machine of
// lib/lzo/lzo1x_decompress_safe.c), without the kernel-only run-length extension. Every input read and
// output write is bounds-checked; a bad stream throws LzoError, never reads or writes out of range.

export class LzoError extends Error {}

const M2_MAX_OFFSET = 0x0800;

/** Decompresses `src` into a new buffer of at most `maxOut` bytes; returns the bytes produced. */
export function lzo1xDecompress(src: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  const n = lzo1xDecompressInto(src, out);
  return n === maxOut ? out : out.subarray(0, n);
}

export function lzo1xDecompressInto(input: Uint8Array, out: Uint8Array): number {
  // One flat function without closures: it runs cold (a few pages per dump), in the interpreter.
  // A plain Uint8Array view of a Buffer input: its subarray() is V8's own, many times cheaper than Buffer's.
  const src = new Uint8Array(input.buffer, input.byteOffset, input.length);
  const inLen = src.length;
  const outLen = out.length;
  let ip = 0;
  let op = 0;
  let t = 0;
  let next = 0;
  let state = 0;
  let mPos = 0;
  if (inLen < 3) throw new LzoError('lzo: input too short');
  if (src[0]! > 17) {
    t = src[0]! - 17;
    ip = 1;
    if (t < 4) {
      next = t;
      state = -1; // go straight to the trailing-literal copy below
    } else {
      if (ip + t > inLen) throw new LzoError('lzo: input overrun');
      if (op + t > outLen) throw new LzoError('lzo: output overrun');
      out.set(src.subarray(ip, ip + t), op);
      ip += t;
      op += t;
      state = 4;
    }
  }
  // Every iteration consumes input, so the loop is bounded by the input length.
  for (;;) {
    let matchLen = 0;
    if (state === -1) {
      state = 0;
    } else {
      if (ip >= inLen) throw new LzoError('lzo: input overrun');
      t = src[ip++]!;
      if (t < 16) {
        if (state === 0) {
          if (t === 0) {
            const start = ip;
            while (ip < inLen && src[ip] === 0) ip++;
            if (ip >= inLen) throw new LzoError('lzo: input overrun');
            t = 15 + (ip - start) * 255 + src[ip++]!;
          }
          t += 3;
          if (ip + t > inLen) throw new LzoError('lzo: input overrun');
          if (op + t > outLen) throw new LzoError('lzo: output overrun');
          out.set(src.subarray(ip, ip + t), op);
          ip += t;
          op += t;
          state = 4;
          continue;
        }
        if (ip >= inLen) throw new LzoError('lzo: input overrun');
        next = t & 3;
        if (state !== 4) {
          mPos = op - 1 - (t >> 2) - (src[ip++]! << 2);
          matchLen = 2;
        } else {
          mPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (src[ip++]! << 2);
          matchLen = 3;
        }
      } else if (t >= 64) {
        if (ip >= inLen) throw new LzoError('lzo: input overrun');
        next = t & 3;
        mPos = op - 1 - ((t >> 2) & 7) - (src[ip++]! << 3);
        matchLen = (t >> 5) + 1;
      } else {
        const m3 = t >= 32;
        if (m3) {
          matchLen = (t & 31) + 2;
          mPos = op - 1;
        } else {
          matchLen = (t & 7) + 2;
          mPos = op - ((t & 8) << 11);
        }
        if (matchLen === 2) {
          const start = ip;
          while (ip < inLen && src[ip] === 0) ip++;
          if (ip >= inLen) throw new LzoError('lzo: input overrun');
          matchLen += (m3 ? 31 : 7) + (ip - start) * 255 + src[ip++]!;
        }
        if (ip + 2 > inLen) throw new LzoError('lzo: input overrun');
        next = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        mPos -= next >> 2;
        next &= 3;
        if (!m3) {
          if (mPos === op) {
            // End of stream: an M4 with distance 0.
            if (matchLen !== 3) throw new LzoError('lzo: bad end marker');
            return op;
          }
          mPos -= 0x4000;
        }
      }
      if (mPos < 0) throw new LzoError('lzo: lookbehind overrun');
      if (op + matchLen > outLen) throw new LzoError('lzo: output overrun');
      // copyWithin for every non-overlapping match: in the interpreter, where this runs, one builtin call
      // costs less than a byte loop even for 4 bytes (LZO matches are mostly 4-8 bytes on text pages).
      if (mPos + matchLen <= op) {
        out.copyWithin(op, mPos, mPos + matchLen);
        op += matchLen;
      } else for (let i = 0; i < matchLen; i++) out[op++] = out[mPos + i]!; // overlapping copies repeat bytes
    }
    // 0..3 literals follow a match (or the stream's short first run).
    state = next;
    if (next > 0) {
      if (ip + next > inLen) throw new LzoError('lzo: input overrun');
      if (op + next > outLen) throw new LzoError('lzo: output overrun');
      for (let i = 0; i < next; i++) out[op++] = src[ip++]!;
    }
  }
}

// ======== Snappy pages (formerly snappy.ts) ========
// Bounds-checked decoder of raw Snappy blocks (makedumpfile -p pages), following Snappy's
// format_description.txt: a varint of the uncompressed length, then literal and copy elements.
// Written because snappyjs 0.7 trusts a 4-byte literal length: a negative one moves its input
// position backwards and it then loops about 2^31 times (found by fuzzing, test/fixtures/fuzz/page-snappy-*).
// Every read and write is checked; work is linear in the output size, which is capped by maxOut.

export class SnappyError extends Error {}

export function snappyUncompress(src: Uint8Array, maxOut: number): Uint8Array {
  let ip = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= src.length || shift > 28) throw new SnappyError('snappy: bad length preamble');
    const c = src[ip++]!;
    len += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (len > maxOut) throw new SnappyError(`snappy: uncompressed length ${len} is over ${maxOut}`);
  const out = new Uint8Array(len);
  let op = 0;
  while (ip < src.length) {
    const tag = src[ip++]!;
    if ((tag & 3) === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (ip + bytes > src.length) throw new SnappyError('snappy: literal length past input');
        n = 0;
        for (let i = 0; i < bytes; i++) n += src[ip + i]! * 2 ** (8 * i);
        ip += bytes;
      }
      n += 1;
      if (ip + n > src.length || op + n > len) throw new SnappyError('snappy: literal past input or output');
      out.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let n: number;
    let off: number;
    if ((tag & 3) === 1) {
      if (ip + 1 > src.length) throw new SnappyError('snappy: copy past input');
      n = 4 + ((tag >>> 2) & 7);
      off = ((tag >>> 5) << 8) | src[ip]!;
      ip += 1;
    } else if ((tag & 3) === 2) {
      if (ip + 2 > src.length) throw new SnappyError('snappy: copy past input');
      n = 1 + (tag >>> 2);
      off = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > src.length) throw new SnappyError('snappy: copy past input');
      n = 1 + (tag >>> 2);
      off = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16)) + src[ip + 3]! * 2 ** 24;
      ip += 4;
    }
    if (off === 0 || off > op || op + n > len) throw new SnappyError('snappy: bad copy');
    for (let i = 0; i < n; i++, op++) out[op] = out[op - off]!;
  }
  if (op !== len) throw new SnappyError(`snappy: ${op} bytes decoded, ${len} announced`);
  return out;
}

// ======== opening a dump, reading its memory (formerly dump.ts) ========
// Opening a dump and reading its memory, in sub-sections, each with its own notes: positional file reads
// and cache (file), pages (memory), VMCOREINFO, ELF notes, ELF cores, the flattened format,
// kdump-compressed files, x86_64 address translation, and the Dump class.

// ==== file access (formerly file.ts) ====
// Positional, cached reads of a dump file: the file is never loaded whole. A RandomAccess is anything
// that can fill a buffer from an offset; the flattened format and tests supply their own.

export interface RandomAccess {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; returns fewer only at end of file. */
  read(offset: number, length: number): Buffer;
  /** Bytes actually fetched from the underlying storage so far. */
  readonly bytesRead: number;
  close(): void;
}

const BLOCK = 64 * 1024;
const MAX_BLOCKS = 256; // 16 MiB of cache at most

/** A file opened by descriptor with an LRU cache of 64 KiB blocks. */
export class CachedFile implements RandomAccess {
  readonly size: number;
  bytesRead = 0;
  private fd: number;
  private cache = new Map<number, Buffer>();

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile() && !st.isBlockDevice() && !st.isCharacterDevice()) throw new Error(`${path}: not a regular file`);
      this.size = st.size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private block(index: number): Buffer {
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const len = Math.max(0, Math.min(BLOCK, this.size - start));
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, start + got);
      if (n <= 0) break;
      got += n;
    }
    this.bytesRead += got;
    const b = got === len ? buf : buf.subarray(0, got);
    this.cache.set(index, b);
    if (this.cache.size > MAX_BLOCKS) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
    return b;
  }

  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.size) return Buffer.alloc(0);
    const end = Math.min(this.size, offset + length);
    // Large reads go straight to the file, bypassing the cache.
    if (end - offset > BLOCK * 4) {
      const buf = Buffer.allocUnsafe(end - offset);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(this.fd, buf, got, buf.length - got, offset + got);
        if (n <= 0) break;
        got += n;
      }
      this.bytesRead += got;
      return buf.subarray(0, got);
    }
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      const s = offset - first * BLOCK;
      return b.subarray(s, Math.min(b.length, s + (end - offset)));
    }
    const out = Buffer.allocUnsafe(end - offset);
    let pos = 0;
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const s = i === first ? offset - first * BLOCK : 0;
      const e = i === last ? end - last * BLOCK : BLOCK;
      if (b.length < e) {
        b.copy(out, pos, s, b.length);
        pos += Math.max(0, b.length - s);
        return out.subarray(0, pos);
      }
      b.copy(out, pos, s, e);
      pos += e - s;
    }
    return out;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.cache.clear();
  }
}

/** An in-memory RandomAccess (tests, small fixtures). */
export class BufferFile implements RandomAccess {
  bytesRead = 0;
  constructor(private buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.buf.length) return Buffer.alloc(0);
    const b = this.buf.subarray(offset, Math.min(this.buf.length, offset + length));
    this.bytesRead += b.length;
    return b;
  }
  close(): void {}
}

/** Reads a 64-bit little-endian value as a JS number when it fits exactly, else NaN. */
export function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : NaN;
}

// ==== pages (formerly memory.ts) ====
// Physical memory of a dump, page by page, whatever the file format.

export type PageStatus = 'ok' | 'zero' | 'excluded' | 'absent' | 'corrupt';

export interface PageRead {
  status: PageStatus;
  /** Page contents for ok/zero (zero may share one buffer: never write into it). */
  data: Buffer | null;
  /** Why a page is corrupt. */
  why?: string;
}

export interface PageCounts {
  /** Pages of RAM the dump describes (first bitmap / PT_LOAD memsz). */
  total: number | null;
  /** Pages stored in the dump. */
  dumpable: number | null;
  /** RAM pages filtered out by the dump level (or not written). */
  excluded: number | null;
  /** Stored pages that are the shared zero page (kdump) or entirely zero-filled segments (ELF). */
  zero: number | null;
}

/** A dump file that ends early: what it should have held and how many pages are lost. */
export interface Truncation {
  fileBytes: number;
  /** Size the file should have, null when its own tables are cut too. */
  expectedBytes: number | null;
  pagesMissing: number;
  /** Pages the dump meant to hold (dumped pages for kdump, pages of the segments for ELF). */
  pagesTotal: number | null;
}

/** `file ends at 12.9 MB of 16.2 MB: 791 of 3,911 dumped pages missing`. */
export function describeTruncation(t: Truncation): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return `file ends at ${mb(t.fileBytes)}${t.expectedBytes !== null ? ` of ${mb(t.expectedBytes)}` : ' (its page tables are cut too)'}: ` +
    `${t.pagesMissing.toLocaleString('en-US')}${t.pagesTotal !== null ? ` of ${t.pagesTotal.toLocaleString('en-US')}` : ''} dumped pages missing`;
}

export interface PhysMemory {
  readonly pageSize: number;
  /** Highest page frame number + 1 the dump can describe. */
  readonly maxPfn: number;
  readPage(pfn: number): PageRead;
  /** Counts for `ktriage info` (may read every descriptor: call only when asked). */
  countPages(progress?: (done: number, total: number) => void): PageCounts;
  /** Pages decoded (after the cache) so far. */
  readonly pagesRead: number;
}

/** An LRU cache of decoded pages in front of a PhysMemory. */
export class PageCache {
  private map = new Map<number, PageRead>();
  constructor(private mem: PhysMemory, private max = 2048) {}
  get(pfn: number): PageRead {
    const hit = this.map.get(pfn);
    if (hit) return hit;
    const r = this.mem.readPage(pfn);
    this.map.set(pfn, r);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as number);
    return r;
  }
}

export const ZERO_PAGE_CACHE = new Map<number, Buffer>();
export function zeroPage(size: number): Buffer {
  let z = ZERO_PAGE_CACHE.get(size);
  if (!z) {
    z = Buffer.alloc(size);
    ZERO_PAGE_CACHE.set(size, z);
  }
  return z;
}

// ==== VMCOREINFO (formerly vmcoreinfo.ts) ====
// VMCOREINFO: the KEY=VALUE note the kernel publishes for dump tools (kernel/crash_core.c and
// arch/*/kernel/*crash*.c write it). Parsed into a typed object; unknown keys are kept, never rejected.

export interface VmcoreInfo {
  osrelease: string | null;
  pageSize: number | null;
  /** KASLR offset of the kernel text (hex in the note). */
  kernelOffset: bigint | null;
  /** Seconds since the epoch when the kernel crashed (CRASHTIME). */
  crashTime: number | null;
  buildId: string | null;
  /** SYMBOL(name) = kernel virtual address. */
  symbols: Map<string, bigint>;
  /** SIZE(type) in bytes. */
  sizes: Map<string, number>;
  /** OFFSET(type.member) in bytes. */
  offsets: Map<string, number>;
  /** LENGTH(name) element counts. */
  lengths: Map<string, number>;
  /** NUMBER(name), signed. */
  numbers: Map<string, bigint>;
  /** Every other KEY=VALUE line, as text. */
  other: Map<string, string>;
  /** Lines that are not KEY=VALUE (bounded). */
  malformed: number;
}

const MAX_VMCOREINFO = 1 << 20;

function parseHex(v: string): bigint | null {
  const s = v.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,16}$/i.test(s)) return null;
  return BigInt('0x' + s);
}

function parseDec(v: string): bigint | null {
  const s = v.trim();
  if (!/^-?[0-9]{1,20}$/.test(s)) return null;
  return BigInt(s);
}

function small(v: bigint | null): number | null {
  if (v === null || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(v);
}

/** small(parseDec(v)) without a BigInt for the usual short decimal (it runs for ~200 lines at start-up). */
function smallDec(v: string): number | null {
  const s = v.trim();
  return s.length <= 15 && /^[0-9]+$/.test(s) ? Number(s) : small(parseDec(s));
}

const ENTRY_KINDS = new Set(['SYMBOL', 'SIZE', 'OFFSET', 'LENGTH', 'NUMBER']);

export function parseVmcoreInfo(text: string | Buffer): VmcoreInfo {
  const raw = typeof text === 'string' ? text : text.subarray(0, MAX_VMCOREINFO).toString('latin1');
  const info: VmcoreInfo = {
    osrelease: null, pageSize: null, kernelOffset: null, crashTime: null, buildId: null,
    symbols: new Map(), sizes: new Map(), offsets: new Map(), lengths: new Map(), numbers: new Map(),
    other: new Map(), malformed: 0,
  };
  for (const line0 of raw.slice(0, MAX_VMCOREINFO).split('\n')) {
    const line = line0.charCodeAt(line0.length - 1) === 0 ? line0.replace(/\0+$/, '') : line0;
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      info.malformed++;
      continue;
    }
    const key = line.slice(0, eq);
    const val = line.slice(eq + 1);
    // KIND(name): what /^(SYMBOL|SIZE|OFFSET|LENGTH|NUMBER)\((.+)\)$/ matches, without a regex per line.
    const open = key.indexOf('(');
    const kind = open > 0 && key.length - open > 2 && key.charCodeAt(key.length - 1) === 41 ? key.slice(0, open) : '';
    if (kind && ENTRY_KINDS.has(kind) && !/[\r\u2028\u2029]/.test(key)) {
      const name = key.slice(open + 1, -1);
      if (kind === 'SYMBOL') {
        const v = parseHex(val);
        if (v !== null) info.symbols.set(name, v);
        else info.malformed++;
      } else if (kind === 'NUMBER') {
        const v = parseDec(val);
        if (v !== null) info.numbers.set(name, v);
        else info.malformed++;
      } else {
        const v = smallDec(val);
        if (v === null) {
          info.malformed++;
          continue;
        }
        (kind === 'SIZE' ? info.sizes : kind === 'OFFSET' ? info.offsets : info.lengths).set(name, v);
      }
      continue;
    }
    switch (key) {
      case 'OSRELEASE':
        info.osrelease = val;
        break;
      case 'PAGESIZE':
        info.pageSize = small(parseDec(val));
        break;
      case 'KERNELOFFSET':
        info.kernelOffset = parseHex(val);
        break;
      case 'CRASHTIME':
        info.crashTime = small(parseDec(val));
        break;
      case 'BUILD-ID':
        info.buildId = /^[0-9a-f]+$/i.test(val) ? val.toLowerCase() : null;
        break;
      default:
        if (info.other.size < 4096) info.other.set(key, val);
    }
  }
  return info;
}

/** The kernel version as a comparable number (major*65536 + minor*256 + patch), null if unknown. */
export function kernelVersionCode(release: string | null): number | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release ?? '');
  if (!m) return null;
  return Number(m[1]) * 65536 + Math.min(255, Number(m[2])) * 256 + Math.min(255, Number(m[3] ?? 0));
}

// ==== ELF notes (formerly notes.ts) ====
// ELF notes of a dump: NT_PRSTATUS per CPU (struct elf_prstatus of x86_64: pr_pid at 32, pr_reg at 112,
// 27 registers in struct user_regs_struct order), the VMCOREINFO note, and QEMU's "QEMU" CPU state
// notes (QEMUCPUState in QEMU's target/i386/arch_dump.c: version, size, then general registers).

export const NT_PRSTATUS = 1;

export interface CpuState {
  /** Index among the CPU notes (the kernel writes them in CPU order). */
  cpu: number;
  pid: number;
  registers: Record<string, string>;
}

export interface Notes {
  prstatus: CpuState[];
  vmcoreinfo: Buffer | null;
  qemuCpus: CpuState[];
  other: number;
  truncated: boolean;
}

const X86_64_REGS = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
];
const QEMU_REGS = [
  'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  'rip', 'eflags',
];
const MAX_NOTES = 65536;

function hex64(b: Buffer, off: number): string {
  return b.readBigUInt64LE(off).toString(16).padStart(16, '0');
}

export function parseNotes(buf: Buffer, machine = 62): Notes {
  const notes: Notes = { prstatus: [], vmcoreinfo: null, qemuCpus: [], other: 0, truncated: false };
  let pos = 0;
  let count = 0;
  while (pos + 12 <= buf.length && count++ < MAX_NOTES) {
    const namesz = buf.readUInt32LE(pos);
    const descsz = buf.readUInt32LE(pos + 4);
    const type = buf.readUInt32LE(pos + 8);
    if (namesz === 0 && descsz === 0 && type === 0) break; // padding at the end of a note segment
    const nameOff = pos + 12;
    const descOff = nameOff + ((namesz + 3) & ~3);
    const next = descOff + ((descsz + 3) & ~3);
    if (namesz > 4096 || descOff + descsz > buf.length) {
      notes.truncated = true;
      break;
    }
    const name = buf.toString('latin1', nameOff, nameOff + namesz).replace(/\0+$/, '');
    const desc = buf.subarray(descOff, descOff + descsz);
    if (name === 'CORE' && type === NT_PRSTATUS && machine === 62 && desc.length >= 112 + 27 * 8) {
      const registers: Record<string, string> = {};
      X86_64_REGS.forEach((r, i) => (registers[r] = hex64(desc, 112 + i * 8)));
      notes.prstatus.push({ cpu: notes.prstatus.length, pid: desc.readInt32LE(32), registers });
    } else if (name === 'CORE' && type === NT_PRSTATUS && desc.length >= 36) {
      notes.prstatus.push({ cpu: notes.prstatus.length, pid: desc.readInt32LE(32), registers: {} });
    } else if (name === 'VMCOREINFO') {
      notes.vmcoreinfo = Buffer.from(desc);
    } else if (name === 'QEMU' && desc.length >= 8 + QEMU_REGS.length * 8) {
      const registers: Record<string, string> = {};
      QEMU_REGS.forEach((r, i) => (registers[r] = hex64(desc, 8 + i * 8)));
      // After the 18 registers: 10 segment descriptors of 24 bytes, then cr0..cr4.
      const crOff = 8 + QEMU_REGS.length * 8 + 10 * 24;
      if (desc.length >= crOff + 5 * 8) for (let i = 0; i < 5; i++) registers[`cr${i}`] = hex64(desc, crOff + i * 8);
      notes.qemuCpus.push({ cpu: notes.qemuCpus.length, pid: 0, registers });
    } else notes.other++;
    pos = next;
  }
  return notes;
}

// ==== ELF cores (formerly elf.ts) ====
// ELF64 core dumps: /proc/vmcore copies, makedumpfile -E, QEMU dump-guest-memory (elf, with or without
// paging). Layout from the ELF specification (elf.h): PT_LOAD segments give physical memory
// (p_paddr; bytes past p_filesz up to p_memsz read as zero), PT_NOTE segments hold the notes.

export const PT_LOAD = 1;
export const PT_NOTE = 4;
const PN_XNUM = 0xffff;
const MAX_SEGMENTS = 1 << 22;

export interface Segment {
  offset: number;
  vaddr: bigint;
  paddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfCore {
  machine: number;
  type: number;
  loads: Segment[];
  notes: { offset: number; size: number }[];
  /** Segments dropped because they lie outside the file or make no sense. */
  badSegments: number;
  phnum: number;
  /** Where the last segment's data should end, and the segment bytes past the end of the file. */
  expectedBytes: number;
  cutBytes: number;
}

export function isElf64(head: Buffer): boolean {
  return head.length >= 5 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF' && head[4] === 2;
}

export function parseElfCore(f: RandomAccess): ElfCore {
  const h = f.read(0, 64);
  if (h.length < 64 || !isElf64(h)) throw new Error('not an ELF64 file');
  if (h[5] !== 1) throw new Error('big-endian ELF cores are not supported yet');
  const type = h.readUInt16LE(16);
  const machine = h.readUInt16LE(18);
  const phoff = u64(h, 32);
  const shoff = u64(h, 40);
  const phentsize = h.readUInt16LE(54);
  let phnum = h.readUInt16LE(56);
  const shentsize = h.readUInt16LE(58);
  if (type !== 4) throw new Error(`ELF file is not a core dump (e_type ${type})`);
  if (phnum === PN_XNUM) {
    // More than 65534 segments: the real count is in section header 0's sh_info.
    if (!Number.isFinite(shoff) || shoff === 0 || shentsize < 64) throw new Error('ELF: e_phnum is PN_XNUM but there is no section header 0');
    const sh = f.read(shoff, 64);
    if (sh.length < 64) throw new Error('ELF: section header 0 past end of file');
    phnum = sh.readUInt32LE(44);
  }
  if (phentsize < 56) throw new Error(`ELF: bad program header size ${phentsize}`);
  if (!Number.isFinite(phoff) || phnum > MAX_SEGMENTS || phoff + phnum * phentsize > f.size)
    throw new Error('ELF: program headers past end of file (truncated or lying header)');
  const loads: Segment[] = [];
  const notes: { offset: number; size: number }[] = [];
  let bad = 0;
  let expectedBytes = 0;
  let cutBytes = 0;
  const per = 4096;
  for (let i = 0; i < phnum; i += per) {
    const n = Math.min(per, phnum - i);
    const tbl = f.read(phoff + i * phentsize, n * phentsize);
    for (let j = 0; j < n; j++) {
      const o = j * phentsize;
      const ptype = tbl.readUInt32LE(o);
      const offset = u64(tbl, o + 8);
      const vaddr = tbl.readBigUInt64LE(o + 16);
      const paddr = u64(tbl, o + 24);
      const filesz = u64(tbl, o + 32);
      const memsz = u64(tbl, o + 40);
      if (ptype === PT_LOAD) {
        if (![offset, paddr, filesz, memsz].every(Number.isFinite) || filesz > memsz) {
          bad++;
          continue;
        }
        const fs = offset + filesz > f.size ? Math.max(0, f.size - offset) : filesz;
        if (fs < filesz) bad++;
        expectedBytes = Math.max(expectedBytes, offset + filesz);
        cutBytes += filesz - fs;
        loads.push({ offset, vaddr, paddr, filesz: fs, memsz });
      } else if (ptype === PT_NOTE) {
        if (Number.isFinite(offset) && Number.isFinite(filesz) && offset + filesz <= f.size) notes.push({ offset, size: filesz });
        else bad++;
      }
    }
  }
  loads.sort((a, b) => a.paddr - b.paddr);
  return { machine, type, loads, notes, badSegments: bad, phnum, expectedBytes, cutBytes };
}

export class ElfMemory implements PhysMemory {
  readonly maxPfn: number;
  pagesRead = 0;
  /** maxEnd[i] = highest end of segments 0..i: monotonic even when segments overlap (QEMU with paging). */
  private maxEnd: Float64Array;
  constructor(private f: RandomAccess, readonly core: ElfCore, readonly pageSize: number) {
    this.maxEnd = new Float64Array(core.loads.length);
    let m = 0;
    core.loads.forEach((s, i) => {
      m = Math.max(m, s.paddr + s.memsz);
      this.maxEnd[i] = m;
    });
    this.maxPfn = Math.ceil(m / pageSize);
  }

  /** Index of the first segment that may reach above addr. */
  private find(addr: number): number {
    let lo = 0;
    let hi = this.maxEnd.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.maxEnd[mid]! <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  readPage(pfn: number): PageRead {
    const ps = this.pageSize;
    const start = pfn * ps;
    const end = start + ps;
    const L = this.core.loads;
    let out: Buffer | null = null;
    let covered = 0;
    let fromFile = 0;
    for (let i = this.find(start); i < L.length && L[i]!.paddr < end; i++) {
      const s = L[i]!;
      const a = Math.max(start, s.paddr);
      const b = Math.min(end, s.paddr + s.memsz);
      if (b <= a) continue;
      if (!out) out = Buffer.alloc(ps);
      covered += b - a;
      const fileEnd = s.paddr + s.filesz;
      if (a < fileEnd) {
        const fb = Math.min(b, fileEnd);
        const data = this.f.read(s.offset + (a - s.paddr), fb - a);
        data.copy(out, a - start);
        fromFile += data.length;
      }
    }
    if (!out) return { status: 'absent', data: null };
    this.pagesRead++;
    // Bytes past p_filesz are not stored: makedumpfile -E excludes pages this way.
    if (fromFile === 0) return { status: 'excluded', data: null };
    return { status: covered > 0 ? 'ok' : 'absent', data: out };
  }

  countPages(): PageCounts {
    // ELF cores have no shared zero page: zero pages are stored like any other (or excluded by -E).
    let total = 0;
    let stored = 0;
    for (const s of this.core.loads) {
      total += Math.ceil(s.memsz / this.pageSize);
      stored += Math.ceil(s.filesz / this.pageSize);
    }
    return { total, dumpable: stored, excluded: total - stored, zero: null };
  }
}

// ==== flattened format (formerly flat.ts) ====
// makedumpfile's flattened format (makedumpfile -F, QEMU kdump-* to a file): a 4096-byte header with
// the signature "makedumpfile", type and version (big-endian int64), then records of
// {int64 offset, int64 buf_size} (big-endian) each followed by buf_size bytes to place at offset in the
// real kdump file, ended by a record of {-1, -1}. Layout from makedumpfile.h (makedumpfile_header,
// makedumpfile_data_header) and rearrange_dumpdata(). We index the records once (16 bytes read per
// record) and serve positional reads through the index: the file is never rewritten.

export const FLAT_SIGNATURE = 'makedumpfile';
const HEADER_SIZE = 4096;
const MAX_RECORDS = 1 << 24;
const MAX_OVERLAP = 64;

export function isFlattened(head: Buffer): boolean {
  return head.length >= 12 && head.toString('latin1', 0, 12) === FLAT_SIGNATURE && (head.length < 13 || head[12] === 0);
}

interface Piece {
  dst: number;
  size: number;
  src: number;
  ord: number;
}

export class FlatFile implements RandomAccess {
  readonly size: number;
  readonly records: number;
  private dst: Float64Array;
  private len: Float64Array;
  private src: Float64Array;
  /** Set when the record list did not end with the {-1,-1} marker. */
  readonly truncated: boolean;

  constructor(private f: RandomAccess, onProgress?: (done: number, total: number) => void) {
    const h = f.read(0, 32);
    if (!isFlattened(h) || h.length < 32) throw new Error('not a flattened makedumpfile file');
    const type = h.readBigInt64BE(16);
    if (type !== 1n) throw new Error(`flattened file: unknown type ${type}`);
    const raw: Piece[] = [];
    let pos = HEADER_SIZE;
    let ended = false;
    let n = 0;
    while (pos + 16 <= f.size) {
      const r = f.read(pos, 16);
      const off = r.readBigInt64BE(0);
      const sz = r.readBigInt64BE(8);
      if (off === -1n && sz === -1n) {
        ended = true;
        break;
      }
      if (off < 0n || sz <= 0n || off > BigInt(Number.MAX_SAFE_INTEGER) || sz > 1n << 40n) break;
      const size = Number(sz);
      if (pos + 16 + size > f.size) break;
      raw.push({ dst: Number(off), size, src: pos + 16, ord: n });
      if (++n > MAX_RECORDS) throw new Error(`flattened file has over ${MAX_RECORDS} records: convert it with makedumpfile -R first`);
      pos += 16 + size;
      if ((n & 0xffff) === 0) onProgress?.(pos, f.size);
    }
    this.truncated = !ended;
    raw.sort((a, b) => a.dst - b.dst || a.ord - b.ord);
    const out: Piece[] = [];
    for (const rec of raw) {
      let i = out.length;
      while (i > 0 && out[i - 1]!.dst + out[i - 1]!.size > rec.dst) i--;
      if (i === out.length) {
        out.push(rec);
        continue;
      }
      const tail = out.splice(i);
      if (tail.length > MAX_OVERLAP) throw new Error('flattened file: too many overlapping records');
      const all = [...tail, rec];
      const cuts = [...new Set(all.flatMap((p) => [p.dst, p.dst + p.size]))].sort((a, b) => a - b);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const a = cuts[k]!;
        const b = cuts[k + 1]!;
        let best: Piece | null = null;
        for (const p of all) if (p.dst <= a && p.dst + p.size >= b && (!best || p.ord > best.ord)) best = p;
        if (best) out.push({ dst: a, size: b - a, src: best.src + (a - best.dst), ord: best.ord });
      }
    }
    this.records = raw.length;
    this.dst = new Float64Array(out.map((p) => p.dst));
    this.len = new Float64Array(out.map((p) => p.size));
    this.src = new Float64Array(out.map((p) => p.src));
    this.size = out.length ? out[out.length - 1]!.dst + out[out.length - 1]!.size : 0;
  }

  get bytesRead(): number {
    return this.f.bytesRead;
  }

  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.size) return Buffer.alloc(0);
    const end = Math.min(this.size, offset + length);
    const out = Buffer.alloc(end - offset); // bytes no record wrote read as zero, as in the rebuilt file
    let lo = 0;
    let hi = this.dst.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.dst[mid]! + this.len[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.dst.length && this.dst[i]! < end; i++) {
      const a = Math.max(offset, this.dst[i]!);
      const b = Math.min(end, this.dst[i]! + this.len[i]!);
      if (b <= a) continue;
      const data = this.f.read(this.src[i]! + (a - this.dst[i]!), b - a);
      data.copy(out, a - offset);
    }
    return out;
  }

  close(): void {
    this.f.close();
  }
}

// ==== kdump-compressed format (formerly kdump.ts) ====
// makedumpfile's kdump-compressed format ("KDUMP   "), as written by makedumpfile -c/-l/-p/-z and
// QEMU's dump-guest-memory kdump-*: layout from makedumpfile's diskdump_mod.h.
//   block 0: disk_dump_header; block 1..: kdump_sub_header (sub_hdr_size blocks);
//   then bitmap_blocks blocks: 1st bitmap (RAM pages) and 2nd bitmap (dumped pages), half each;
//   then one 24-byte page_desc per dumped page (in pfn order), then the page data.

export const KDUMP_SIGNATURE = 'KDUMP   ';
export const DUMP_DH_COMPRESSED_ZLIB = 0x1;
export const DUMP_DH_COMPRESSED_LZO = 0x2;
export const DUMP_DH_COMPRESSED_SNAPPY = 0x4;
export const DUMP_DH_COMPRESSED_INCOMPLETE = 0x8;
export const DUMP_DH_EXCLUDED_VM = 0x10;
export const DUMP_DH_COMPRESSED_ZSTD = 0x20;
const PAGE_DESC_SIZE = 24;

// The zlib decoder is loaded on first use: start-up counts (node:zlib costs milliseconds to load and lzo
// dumps, ELF cores and `ktriage info` on most dumps never need it).
const require = createRequire(import.meta.url);
let zlibMod: typeof import('node:zlib') | null = null;
function inflateSync(raw: Buffer, maxOutputLength: number): Buffer {
  zlibMod ??= require('node:zlib') as typeof import('node:zlib');
  return zlibMod.inflateSync(raw, { maxOutputLength });
}
// zstd pages: the own bounds-checked decoder (zstd.ts; fzstd hung on hostile pages), imported statically.
function zstdDecompress(raw: Buffer, out: Uint8Array): Uint8Array {
  return out.subarray(0, zstdDecompressPage(raw, out));
}

export interface KdumpHeader {
  headerVersion: number;
  utsname: { sysname: string; nodename: string; release: string; version: string; machine: string; domainname: string };
  timestamp: { sec: number; usec: number };
  status: number;
  blockSize: number;
  subHdrSize: number;
  bitmapBlocks: number;
  maxMapnr: number;
  nrCpus: number;
  currentCpu: number;
  sub: {
    physBase: bigint | null;
    dumpLevel: number | null;
    split: number | null;
    offsetVmcoreinfo: number | null;
    sizeVmcoreinfo: number | null;
    offsetNote: number | null;
    sizeNote: number | null;
    offsetEraseinfo: number | null;
    sizeEraseinfo: number | null;
  };
}

function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('latin1');
}

export function isKdump(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 8) === KDUMP_SIGNATURE;
}

export function parseKdumpHeader(f: RandomAccess): KdumpHeader {
  const h = f.read(0, 464);
  if (!isKdump(h)) throw new Error('not a kdump-compressed file');
  if (h.length < 464) throw new Error('kdump header truncated');
  const headerVersion = h.readInt32LE(8);
  const ut = (i: number): string => cstr(h, 12 + 65 * i, 65);
  const blockSize = h.readInt32LE(428);
  const subHdrSize = h.readInt32LE(432);
  const bitmapBlocks = h.readUInt32LE(436);
  if (!(blockSize >= 512 && blockSize <= 1 << 20 && (blockSize & (blockSize - 1)) === 0))
    throw new Error(`kdump header: bad block size ${blockSize}`);
  if (subHdrSize < 0 || subHdrSize > 1 << 16) throw new Error(`kdump header: bad sub-header size ${subHdrSize}`);
  if (headerVersion < 0 || headerVersion > 64) throw new Error(`kdump header: bad version ${headerVersion}`);
  const hdr: KdumpHeader = {
    headerVersion,
    utsname: { sysname: ut(0), nodename: ut(1), release: ut(2), version: ut(3), machine: ut(4), domainname: ut(5) },
    timestamp: { sec: u64(h, 408), usec: u64(h, 416) },
    status: h.readUInt32LE(424),
    blockSize,
    subHdrSize,
    bitmapBlocks,
    maxMapnr: h.readUInt32LE(440),
    currentCpu: h.readUInt32LE(456),
    nrCpus: h.readInt32LE(460),
    sub: {
      physBase: null, dumpLevel: null, split: null, offsetVmcoreinfo: null, sizeVmcoreinfo: null,
      offsetNote: null, sizeNote: null, offsetEraseinfo: null, sizeEraseinfo: null,
    },
  };
  if (subHdrSize > 0) {
    const s = f.read(blockSize, 104);
    if (s.length >= 8) hdr.sub.physBase = s.readBigUInt64LE(0);
    if (headerVersion >= 1 && s.length >= 12) hdr.sub.dumpLevel = s.readInt32LE(8);
    if (headerVersion >= 2 && s.length >= 16) hdr.sub.split = s.readInt32LE(12);
    if (headerVersion >= 3 && s.length >= 48) {
      hdr.sub.offsetVmcoreinfo = u64(s, 32);
      hdr.sub.sizeVmcoreinfo = u64(s, 40);
    }
    if (headerVersion >= 4 && s.length >= 64) {
      hdr.sub.offsetNote = u64(s, 48);
      hdr.sub.sizeNote = u64(s, 56);
    }
    if (headerVersion >= 5 && s.length >= 80) {
      hdr.sub.offsetEraseinfo = u64(s, 64);
      hdr.sub.sizeEraseinfo = u64(s, 72);
    }
    if (headerVersion >= 6 && s.length >= 104) {
      const m = u64(s, 96);
      if (Number.isFinite(m) && m > 0) hdr.maxMapnr = m;
    }
  }
  return hdr;
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * Set bits in b[from, to). Bitmaps are mostly runs of empty and full words, so whole 32-bit words are
 * tested first (a word view when the bytes are 4-byte aligned, as the file cache's blocks are); this
 * runs cold, in the interpreter, over up to MAX_RANK_SCAN bytes per page looked up.
 */
export function popcount(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  let i = from;
  if (to - i >= 256 && (b.byteOffset & 3) === 0) {
    for (; i < to && (i & 3) !== 0; i++) c += POPCOUNT[b[i]!]!;
    const w = new Int32Array(b.buffer, b.byteOffset + i, (to - i) >> 2);
    for (let k = 0; k < w.length; k++) {
      let v = w[k]!;
      if (v === 0) continue;
      if (v === -1) {
        c += 32;
        continue;
      }
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      c += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += w.length * 4;
  }
  for (; i < to; i++) c += POPCOUNT[b[i]!]!;
  return c;
}

const RANK_CHUNK = 4096;
const MAX_DESC_SCAN = 1 << 22; // bytes of bitmap per rank entry (32768 pages)

export class KdumpMemory implements PhysMemory {
  readonly pageSize: number;
  readonly maxPfn: number;
  pagesRead = 0;
  private bitmapOff: number;
  private bitmapHalf: number;
  private descOff: number;
  /** rank[k] = set bits of the 2nd bitmap in chunks [0, k). Grows lazily, only as far as pages are read. */
  private rank: number[] = [0];
  private fine = new Map<number, Uint32Array>();
  private zeroOffset: number | null = null;
  private compressionSeen = new Set<string>();

  constructor(private f: RandomAccess, readonly header: KdumpHeader) {
    this.pageSize = header.blockSize;
    const bs = header.blockSize;
    this.bitmapOff = (1 + header.subHdrSize) * bs;
    const bitmapLen = header.bitmapBlocks * bs;
    this.bitmapHalf = Math.floor(bitmapLen / 2);
    this.descOff = this.bitmapOff + bitmapLen;
    // The bitmaps cannot describe more pages than they have bits for.
    this.maxPfn = Math.min(header.maxMapnr, this.bitmapHalf * 8);
    if (this.bitmapOff + bitmapLen > f.size) throw new Error('kdump file truncated: bitmaps extend past end of file');
  }

  private bit(which: 1 | 2, pfn: number): boolean {
    const off = this.bitmapOff + (which === 2 ? this.bitmapHalf : 0) + (pfn >> 3);
    const b = this.f.read(off, 1);
    return b.length === 1 && ((b[0]! >> (pfn & 7)) & 1) === 1;
  }

  /** Number of dumped pages before pfn (index of its page descriptor). */
  private rankOf(pfn: number): number {
    const byte = pfn >> 3;
    const chunk = Math.floor(byte / RANK_CHUNK);
    const base2 = this.bitmapOff + this.bitmapHalf;
    while (this.rank.length <= chunk) {
      const k = this.rank.length - 1;
      const b = this.f.read(base2 + k * RANK_CHUNK, RANK_CHUNK);
      this.rank.push(this.rank[k]! + popcount(b, 0, b.length));
    }
    let r = this.rank[chunk]!;
    const start = chunk * RANK_CHUNK;
    let fine = this.fine.get(chunk);
    if (!fine) {
      // Counts at every 64 bytes of this chunk, so a lookup sums at most 63 bytes.
      const b = this.f.read(base2 + start, RANK_CHUNK);
      fine = new Uint32Array(RANK_CHUNK / 64);
      let c = 0;
      for (let i = 0; i < b.length; i += 64) {
        fine[i >> 6] = c;
        c += popcount(b, i, Math.min(b.length, i + 64));
      }
      this.fine.set(chunk, fine);
    }
    const within = byte - start;
    r += fine[within >> 6]!;
    const from = start + (within & ~63);
    if (byte > from) {
      const b = this.f.read(base2 + from, byte - from);
      r += popcount(b, 0, b.length);
    }
    const last = this.f.read(base2 + byte, 1);
    if (last.length) r += POPCOUNT[last[0]! & ((1 << (pfn & 7)) - 1)]!;
    return r;
  }

  readPage(pfn: number): PageRead {
    if (!(pfn >= 0 && pfn < this.maxPfn)) return { status: 'absent', data: null };
    if (!this.bit(2, pfn)) return { status: this.bit(1, pfn) ? 'excluded' : 'absent', data: null };
    const idx = this.rankOf(pfn);
    const d = this.f.read(this.descOff + idx * PAGE_DESC_SIZE, PAGE_DESC_SIZE);
    if (d.length < PAGE_DESC_SIZE) return { status: 'corrupt', data: null, why: 'page descriptor past end of file' };
    const offset = u64(d, 0);
    const size = d.readUInt32LE(8);
    const flags = d.readUInt32LE(12);
    this.pagesRead++;
    const ps = this.pageSize;
    if (!Number.isFinite(offset) || size === 0 || size > ps * 2 + 4096 || offset + size > this.f.size)
      return { status: 'corrupt', data: null, why: `page descriptor points past the file (offset ${offset}, size ${size})` };
    const raw = this.f.read(offset, size);
    if (raw.length < size) return { status: 'corrupt', data: null, why: 'page data truncated' };
    const zero = this.zeroOffset !== null && offset === this.zeroOffset;
    try {
      let page: Uint8Array;
      if (flags & DUMP_DH_COMPRESSED_ZLIB) {
        this.compressionSeen.add('zlib');
        page = inflateSync(raw, ps);
      } else if (flags & DUMP_DH_COMPRESSED_LZO) {
        this.compressionSeen.add('lzo');
        page = lzo1xDecompress(raw, ps);
      } else if (flags & DUMP_DH_COMPRESSED_SNAPPY) {
        this.compressionSeen.add('snappy');
        page = snappyUncompress(raw, ps);
      } else if (flags & DUMP_DH_COMPRESSED_ZSTD) {
        this.compressionSeen.add('zstd');
        page = zstdDecompress(raw, new Uint8Array(ps));
      } else {
        if (size !== ps) return { status: 'corrupt', data: null, why: `uncompressed page of ${size} bytes` };
        page = raw;
      }
      if (page.length !== ps) return { status: 'corrupt', data: null, why: `page decompressed to ${page.length} bytes` };
      const buf = Buffer.from(page.buffer, page.byteOffset, page.byteLength);
      return { status: zero ? 'zero' : 'ok', data: zero ? zeroPage(ps) : raw === page ? Buffer.from(raw) : buf };
    } catch (err) {
      return { status: 'corrupt', data: null, why: `page does not decompress: ${(err as Error).message}` };
    }
  }

  /** Calls fn for every page frame the 2nd bitmap marks as stored, in pfn order (the bitmap is read in blocks). */
  forEachDumped(fn: (pfn: number) => void): void {
    const base2 = this.bitmapOff + this.bitmapHalf;
    const bytes = Math.ceil(this.maxPfn / 8);
    for (let off = 0; off < bytes; off += 1 << 16) {
      const b = this.f.read(base2 + off, Math.min(1 << 16, bytes - off));
      for (let i = 0; i < b.length; i++) {
        const v = b[i]!;
        if (v) for (let k = 0; k < 8; k++) if ((v >> k) & 1) fn((off + i) * 8 + k);
      }
    }
  }

  /** Whether the 1st bitmap (RAM pages) has pfn. */
  isRam(pfn: number): boolean {
    return pfn >= 0 && pfn < this.maxPfn && this.bit(1, pfn);
  }

  /** Compression codecs seen in the descriptors read so far. */
  get codecs(): string[] {
    return [...this.compressionSeen];
  }

  /**
   * Whether the file ends before its last page: page data is written in descriptor order after the
   * descriptors (the shared zero page first), so the first descriptor whose data lies past the end is
   * found by bisection (zero-page descriptors, which point back, are stepped over). Reads the dumpable
   * bitmap once and about 40 descriptors; null when the file is whole.
   */
  truncation(): Truncation | null {
    const size = this.f.size;
    const step = 1 << 20;
    const base2 = this.bitmapOff + this.bitmapHalf;
    const bytes = Math.ceil(this.maxPfn / 8);
    let dumpable = 0;
    for (let off = 0; off < bytes; off += step) {
      const b = this.f.read(base2 + off, Math.min(step, bytes - off));
      dumpable += popcount(b, 0, b.length);
    }
    if (dumpable === 0) return null;
    const zeroOff = this.descOff + dumpable * PAGE_DESC_SIZE;
    const inFile = Math.max(0, Math.min(dumpable, Math.floor((size - this.descOff) / PAGE_DESC_SIZE)));
    // Data end of descriptor i, or null for a zero-page descriptor (stepped over) / unreadable one.
    const end = (i: number): number | null => {
      const d = this.f.read(this.descOff + i * PAGE_DESC_SIZE, PAGE_DESC_SIZE);
      if (d.length < PAGE_DESC_SIZE) return null;
      const o = u64(d, 0);
      return o === zeroOff ? null : o + d.readUInt32LE(8);
    };
    const past = (i: number): boolean => {
      for (let k = i; k < inFile && k < i + 64; k++) {
        const e = end(k);
        if (e !== null) return e > size;
      }
      return false;
    };
    let lo = 0;
    let hi = inFile;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (past(mid)) hi = mid;
      else lo = mid + 1;
    }
    const missing = dumpable - lo;
    if (missing <= 0) return null;
    let expected: number | null = null;
    if (inFile === dumpable) {
      for (let k = dumpable - 1; k >= 0 && k >= dumpable - 64; k--) {
        const e = end(k);
        if (e !== null) { expected = e; break; }
      }
    }
    return { fileBytes: size, expectedBytes: expected, pagesMissing: missing, pagesTotal: dumpable };
  }

  countPages(progress?: (done: number, total: number) => void): PageCounts {
    // Walks both bitmaps and every descriptor once, in blocks (memory stays bounded).
    let total = 0;
    let dumpable = 0;
    const step = 1 << 20;
    const base1 = this.bitmapOff;
    const base2 = this.bitmapOff + this.bitmapHalf;
    const bytes = Math.ceil(this.maxPfn / 8);
    for (let off = 0; off < bytes; off += step) {
      const n = Math.min(step, bytes - off);
      const a = this.f.read(base1 + off, n);
      const b = this.f.read(base2 + off, n);
      total += popcount(a, 0, a.length);
      dumpable += popcount(b, 0, b.length);
      progress?.(off + n, bytes * 2);
    }
    // makedumpfile writes the shared zero page first, right after the descriptors.
    this.zeroOffset = this.descOff + dumpable * PAGE_DESC_SIZE;
    let zero: number | null = 0;
    const flagsSeen = new Set<number>();
    const per = 1 << 16;
    // Counting zero pages reads every descriptor (24 bytes a page): only the first MAX_DESC_SCAN.
    const scan = Math.min(dumpable, MAX_DESC_SCAN);
    if (scan < dumpable) zero = null;
    for (let i = 0; i < scan; i += per) {
      const n = Math.min(per, scan - i);
      const d = this.f.read(this.descOff + i * PAGE_DESC_SIZE, n * PAGE_DESC_SIZE);
      for (let j = 0; j + PAGE_DESC_SIZE <= d.length; j += PAGE_DESC_SIZE) {
        if (zero !== null && u64(d, j) === this.zeroOffset) zero++;
        flagsSeen.add(d.readUInt32LE(j + 12) & 0x3f);
      }
      progress?.(bytes + Math.floor(((i + n) / scan) * bytes), bytes * 2);
    }
    for (const fl of flagsSeen) {
      if (fl & DUMP_DH_COMPRESSED_ZLIB) this.compressionSeen.add('zlib');
      if (fl & DUMP_DH_COMPRESSED_LZO) this.compressionSeen.add('lzo');
      if (fl & DUMP_DH_COMPRESSED_SNAPPY) this.compressionSeen.add('snappy');
      if (fl & DUMP_DH_COMPRESSED_ZSTD) this.compressionSeen.add('zstd');
      if ((fl & 0x27) === 0) this.compressionSeen.add('none');
    }
    return { total, dumpable, excluded: Math.max(0, total - dumpable), zero };
  }
}

// ==== x86_64 address translation (formerly x86_64.ts) ====
// x86_64 kernel virtual to physical addresses without the debug vmlinux: kernel text and data through
// __START_KERNEL_map + phys_base, everything else (direct map at page_offset_base under KASLR, vmalloc,
// modules) by walking the kernel page tables from init_top_pgt (4 or 5 levels; 1 GiB and 2 MiB pages;
// the SME encryption bit masked off). The walk has a fixed depth, so a page-table loop cannot hang it.

export const START_KERNEL_MAP = 0xffffffff80000000n;
const PTE_PRESENT = 1n;
const PTE_PSE = 1n << 7n;
const PHYS_MASK = 0x000ffffffffff000n;

export type Translation = { pa: number } | { error: string };

export class X86_64Translator {
  readonly physBase: bigint;
  readonly levels: 4 | 5;
  readonly topPa: number | null;
  private kernelImageSize: bigint;
  private smeMask: bigint;
  private cache = new Map<bigint, number>();
  /** Page-table walks done (for the bench). */
  walks = 0;

  constructor(private pages: PageCache, private pageSize: number, info: VmcoreInfo, physBaseFallback: bigint | null) {
    this.physBase = info.numbers.get('phys_base') ?? physBaseFallback ?? 0n;
    this.levels = info.numbers.get('pgtable_l5_enabled') === 1n ? 5 : 4;
    this.kernelImageSize = info.numbers.get('KERNEL_IMAGE_SIZE') ?? 1n << 30n;
    this.smeMask = info.numbers.get('sme_mask') ?? 0n;
    const top = info.symbols.get('init_top_pgt') ?? info.symbols.get('swapper_pg_dir') ?? null;
    const t = top === null ? null : this.textToPhys(top);
    this.topPa = t;
  }

  private textToPhys(va: bigint): number | null {
    if (va >= START_KERNEL_MAP && va < START_KERNEL_MAP + this.kernelImageSize) {
      const pa = va - START_KERNEL_MAP + this.physBase;
      if (pa >= 0n && pa < 1n << 52n) return Number(pa);
    }
    return null;
  }

  private entry(tablePa: bigint, index: bigint): bigint | null {
    // Entries are 8-byte aligned; a table address from a damaged dump may not be (found by fuzzing).
    const addr = Number((tablePa & ~7n) + index * 8n);
    const pfn = Math.floor(addr / this.pageSize);
    const p = this.pages.get(pfn);
    const off = addr - pfn * this.pageSize;
    if (!p.data || off + 8 > p.data.length) return null;
    return p.data.readBigUInt64LE(off);
  }

  translate(va: bigint): Translation {
    const t = this.textToPhys(va);
    if (t !== null) return { pa: t };
    const pageVa = va & ~0xfffn;
    const hit = this.cache.get(pageVa);
    if (hit !== undefined) return { pa: hit + Number(va & 0xfffn) };
    if (this.topPa === null) return { error: 'VMCOREINFO has no init_top_pgt/swapper_pg_dir: cannot walk page tables' };
    this.walks++;
    const mask = PHYS_MASK & ~this.smeMask;
    let table = BigInt(this.topPa);
    const shifts = this.levels === 5 ? [48n, 39n, 30n, 21n, 12n] : [39n, 30n, 21n, 12n];
    for (let level = 0; level < shifts.length; level++) {
      const shift = shifts[level]!;
      const e = this.entry(table, (va >> shift) & 0x1ffn);
      if (e === null) return { error: `page table page at ${table.toString(16)} is not in the dump` };
      if (!(e & PTE_PRESENT)) return { error: `address ${va.toString(16)} is not mapped` };
      const isLeafLevel = level === shifts.length - 1;
      const large = !isLeafLevel && (shift === 30n || shift === 21n) && (e & PTE_PSE) !== 0n;
      if (large || isLeafLevel) {
        const size = 1n << shift;
        const base = (e & mask) & ~(size - 1n);
        const pa = base + (va & (size - 1n));
        const pagePa = pa & ~0xfffn;
        if (this.cache.size > 65536) this.cache.clear();
        this.cache.set(pageVa, Number(pagePa));
        return { pa: Number(pa) };
      }
      table = e & mask;
    }
    return { error: 'page-table walk did not end' };
  }
}

// ==== the Dump (formerly dump.ts) ====
// Opening a dump: recognises the format, reads its notes and VMCOREINFO, and gives virtual reads.

export type DumpFormat = 'kdump' | 'flattened' | 'elf';

export interface VirtRead {
  data: Buffer;
  /** Pages of the range that could not be read (filled with zeros in data). */
  bad: { offset: number; status: PageStatus | 'unmapped'; why: string }[];
}

const MAX_NOTE_BYTES = 16 << 20;
const ELF_MACHINES: Record<number, string> = { 3: 'i386', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv64', 258: 'loongarch64' };
const MAX_VIRT_READ = 256 << 20;

export class Dump {
  readonly format: DumpFormat;
  readonly file: RandomAccess;
  readonly mem: PhysMemory;
  readonly pages: PageCache;
  readonly notes: Notes;
  readonly vmcoreinfo: VmcoreInfo;
  readonly kdump: KdumpHeader | null = null;
  readonly elf: ElfCore | null = null;
  readonly arch: string;
  readonly translator: X86_64Translator | null;
  readonly flatRecords: number | null = null;
  readonly warnings: string[] = [];
  private base: RandomAccess;

  constructor(readonly path: string, opts: { onProgress?: (done: number, total: number) => void } = {}) {
    const base = new CachedFile(path);
    this.base = base;
    try {
      if (base.size === 0) throw new Error('empty file');
      const head = base.read(0, 64);
      let f: RandomAccess = base;
      let format: DumpFormat;
      if (isFlattened(head)) {
        const flat = new FlatFile(base, opts.onProgress);
        if (flat.truncated) this.warnings.push('flattened file ends without its end marker (truncated)');
        this.flatRecords = flat.records;
        f = flat;
        format = 'flattened';
        if (!isKdump(f.read(0, 8))) throw new Error('flattened file does not hold a kdump-compressed dump');
      } else if (isKdump(head)) format = 'kdump';
      else if (isElf64(head)) format = 'elf';
      else if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528)
        throw new Error('this is a zstd-compressed file: decompress it first (zstd -d, with --long=27 for large windows)');
      else throw new Error('not a vmcore (no KDUMP, makedumpfile or ELF64 signature)');
      this.format = format;
      this.file = f;
      let noteBuf: Buffer = Buffer.alloc(0);
      let vmciBuf: Buffer | null = null;
      let pageSize = 4096;
      let machine = 62;
      if (format === 'elf') {
        const core = parseElfCore(f);
        this.elf = core;
        machine = core.machine;
        const parts: Buffer[] = [];
        let total = 0;
        for (const n of core.notes) {
          if (total + n.size > MAX_NOTE_BYTES) break;
          parts.push(f.read(n.offset, n.size));
          total += n.size;
        }
        noteBuf = Buffer.concat(parts);
      } else {
        const h = parseKdumpHeader(f);
        this.kdump = h;
        pageSize = h.blockSize;
        machine = h.utsname.machine === 'x86_64' || h.utsname.machine === '' ? 62 : 0;
        const s = h.sub;
        if (h.status & DUMP_DH_COMPRESSED_INCOMPLETE) this.warnings.push('the dump is incomplete (makedumpfile stopped writing it, e.g. out of disk space): later pages are missing');
        if (s.split) this.warnings.push('this file is one part of a split dump (makedumpfile --split): pages of the other parts are missing');
        if (s.offsetNote !== null && s.sizeNote !== null && s.sizeNote > 0 && s.sizeNote <= MAX_NOTE_BYTES) noteBuf = f.read(s.offsetNote, s.sizeNote);
        if (s.offsetVmcoreinfo !== null && s.sizeVmcoreinfo !== null && s.sizeVmcoreinfo > 0 && s.sizeVmcoreinfo <= MAX_NOTE_BYTES)
          vmciBuf = f.read(s.offsetVmcoreinfo, s.sizeVmcoreinfo);
      }
      this.notes = parseNotes(noteBuf, machine);
      if (this.notes.truncated) this.warnings.push('ELF notes are truncated');
      const vmci = vmciBuf ?? this.notes.vmcoreinfo;
      if (!vmci) throw new Error('the dump has no VMCOREINFO: cannot read it without the debug vmlinux');
      this.vmcoreinfo = parseVmcoreInfo(vmci);
      if (this.vmcoreinfo.pageSize) pageSize = this.vmcoreinfo.pageSize;
      if (!(pageSize >= 512 && pageSize <= 1 << 20 && (pageSize & (pageSize - 1)) === 0)) throw new Error(`bad page size ${pageSize}`);
      this.mem = format === 'elf' ? new ElfMemory(f, this.elf!, pageSize) : new KdumpMemory(f, this.kdump!);
      this.pages = new PageCache(this.mem);
      const kmachine = this.kdump?.utsname.machine ?? '';
      const isX86 = this.kdump ? kmachine === 'x86_64' || (kmachine === '' && this.vmcoreinfo.symbols.has('init_top_pgt')) : machine === 62;
      this.arch = isX86 ? 'x86_64' : kmachine || ELF_MACHINES[machine] || `ELF machine ${machine}`;
      this.translator = isX86 ? new X86_64Translator(this.pages, pageSize, this.vmcoreinfo, this.kdump?.sub.physBase ?? null) : null;
    } catch (err) {
      base.close();
      throw err;
    }
  }

  get bytesRead(): number {
    return this.base.bytesRead;
  }

  /** Whether the file ends before the pages it describes (null when it is whole). */
  truncation(): Truncation | null {
    if (this.mem instanceof KdumpMemory) return this.mem.truncation();
    const e = this.elf;
    if (!e || e.cutBytes <= 0) return null;
    const ps = this.mem.pageSize;
    const held = e.loads.reduce((n, l) => n + l.filesz, 0);
    return { fileBytes: this.file.size, expectedBytes: e.expectedBytes, pagesMissing: Math.ceil(e.cutBytes / ps), pagesTotal: Math.ceil((held + e.cutBytes) / ps) };
  }

  close(): void {
    this.file.close();
    this.base.close();
  }

  /** Reads `len` bytes of kernel virtual memory; unreadable pages are zero-filled and listed. */
  readVirt(va: bigint, len: number): VirtRead {
    if (!this.translator) throw new Error(`address translation for ${this.arch} is not supported yet`);
    if (len < 0 || len > MAX_VIRT_READ) throw new Error(`refusing to read ${len} bytes of kernel memory`);
    const data = Buffer.alloc(len);
    const bad: VirtRead['bad'] = [];
    const ps = this.mem.pageSize;
    let done = 0;
    while (done < len) {
      const cur = va + BigInt(done);
      const inPage = Number(cur & 0xfffn);
      const n = Math.min(len - done, 4096 - inPage);
      const t = this.translator.translate(cur);
      if ('error' in t) {
        bad.push({ offset: done, status: 'unmapped', why: t.error });
      } else {
        const pfn = Math.floor(t.pa / ps);
        const p = this.pages.get(pfn);
        if (p.data) p.data.copy(data, done, t.pa - pfn * ps, t.pa - pfn * ps + n);
        else bad.push({ offset: done, status: p.status, why: p.why ?? `page ${pfn.toString(16)} is ${p.status === 'absent' ? 'not in the dump' : p.status}` });
      }
      done += n;
    }
    return { data, bad };
  }

  readU64(va: bigint): bigint | null {
    const r = this.readVirt(va, 8);
    return r.bad.length ? null : r.data.readBigUInt64LE(0);
  }

  readU32(va: bigint): number | null {
    const r = this.readVirt(va, 4);
    return r.bad.length ? null : r.data.readUInt32LE(0);
  }
}

// ======== the kernel log (formerly printk.ts) ========
// The kernel log from VMCOREINFO alone, for the three printk generations:
//  - lockless printk_ringbuffer (5.10+): kernel/printk/printk_ringbuffer.[ch];
//  - variable-length `struct printk_log` records in log_buf (3.5-5.9): kernel/printk/printk.c;
//  - the plain character log_buf with log_end (before 3.5).
// Records are walked the way makedumpfile's dump_dmesg()/dump_lockless_dmesg() walk them, so that the
// text printed by format.ts matches `makedumpfile --dump-dmesg`; every index is bounded and checked.

export interface LogRecord {
  seq: bigint | null;
  tsNsec: bigint;
  text: Buffer;
  level: number | null;
  facility: number | null;
  flags: number | null;
  /** printk caller id (0x80000000 set: CPU number, else task id), null when the layout has none. */
  callerId: number | null;
  /** dev_printk_info (5.10+) or the dictionary's SUBSYSTEM=/DEVICE= (3.5-5.9). */
  subsystem: string | null;
  device: string | null;
  /** Raw dictionary of 3.5-5.9 records (KEY=value pairs separated by NUL), null otherwise. */
  dict: string | null;
}

export type PrintkGeneration = 'lockless' | 'variable' | 'plain';

export interface KernelLog {
  generation: PrintkGeneration;
  records: LogRecord[];
  /** For the plain log_buf: the bytes as they are in the buffer. */
  plain: Buffer | null;
  /** True when the layout has caller ids (newer makedumpfile prints them). */
  hasCallerId: boolean;
  gaps: Gap[];
}

const SRC = 'vmcore';

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
const MAX_COUNT_BITS = 24;
const MAX_DATA_BITS = 30;
const MAX_LOG_BUF = 1 << 28;

const DESC_SV_BITS = 64n;
const DESC_FLAGS_SHIFT = DESC_SV_BITS - 2n;
const DESC_FLAGS_MASK = 3n << DESC_FLAGS_SHIFT;
const DESC_ID_MASK = ((1n << 64n) - 1n) & ~DESC_FLAGS_MASK;

class MissingLayout extends Error {}

function need(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined) throw new MissingLayout(`VMCOREINFO lacks ${key}`);
  return v;
}

export function readKernelLog(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  try {
    if (vi.symbols.has('prb')) return readLockless(dump);
    if (!vi.symbols.has('log_buf') || !vi.symbols.has('log_buf_len')) throw new MissingLayout("VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)");
    if (!vi.symbols.has('log_end')) return readVariable(dump);
    return readPlain(dump);
  } catch (err) {
    if (err instanceof MissingLayout) throw new Error(`cannot read the kernel log: ${err.message}`);
    // Offsets from a corrupt VMCOREINFO that point outside the structures they describe.
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_OUT_OF_RANGE')
      throw new Error('cannot read the kernel log: VMCOREINFO gives offsets outside the printk structures');
    throw err;
  }
}

/**
 * Lazy reads of one kernel-virtual array (the descriptor ring, the info array, the text ring): the array
 * is fetched in 4 KiB virtual pages on first use and kept, so a walk over N records costs one page read
 * per page touched instead of three readVirt calls per record. Memory is bounded by the pages touched.
 * Unreadable pages are remembered as such; a read reports how many of its pages were unreadable (the
 * count readVirt would give) and reads them as zeros.
 */
class VirtWindow {
  private pages = new Map<number, Buffer | null>();
  private readonly base: bigint;
  private readonly delta: number;
  bad = 0;
  pos = 0;

  constructor(private dump: Dump, va: bigint) {
    this.base = va & ~0xfffn;
    this.delta = Number(va - this.base);
  }

  private page(k: number): Buffer | null {
    let p = this.pages.get(k);
    if (p === undefined) {
      const r = this.dump.readVirt(this.base + BigInt(k) * 4096n, 4096);
      p = r.bad.length ? null : r.data;
      this.pages.set(k, p);
    }
    return p;
  }

  /** `len` bytes at byte `off` of the array, zeros where unreadable; sets this.bad to the number of unreadable pages in them. */
  read(off: number, len: number): Buffer {
    const b = this.at(off, len);
    return b === null ? Buffer.alloc(len) : this.pos === 0 && b.length === len ? b : b.subarray(this.pos, this.pos + len);
  }

  /**
   * The bytes of read(off, len) without a copy or a view: a buffer holding them at this.pos, or null when
   * the single page that holds them is unreadable (then this.bad is 1).
   */
  at(off: number, len: number): Buffer | null {
    this.bad = 0;
    this.pos = 0;
    if (len <= 0) return EMPTY;
    const abs = this.delta + off;
    const first = Math.floor(abs / 4096);
    const last = Math.floor((abs + len - 1) / 4096);
    if (first === last) {
      const p = this.page(first);
      if (p) this.pos = abs - first * 4096;
      else this.bad = 1;
      return p;
    }
    const out = Buffer.alloc(len);
    for (let k = first; k <= last; k++) {
      const s = Math.max(abs, k * 4096);
      const e = Math.min(abs + len, (k + 1) * 4096);
      const p = this.page(k);
      if (p) p.copy(out, s - abs, s - k * 4096, e - k * 4096);
      else this.bad++;
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function u32(b: Buffer, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}

/** An unsigned 64-bit little-endian value as a bigint, without readBigUInt64LE's cost for values below 2^53. */
function u64big(b: Buffer, p: number): bigint {
  const hi = u32(b, p + 4);
  const lo = u32(b, p);
  return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A NUL-terminated string of at most `len` bytes at p, null when empty. */
function cfield(b: Buffer, p: number, len: number): string | null {
  if (b[p] === 0) return null;
  let e = p;
  while (e < p + len && b[e] !== 0) e++;
  return b.toString('latin1', p, e);
}

function readLockless(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const O = vi.offsets;
  const S = vi.sizes;
  const gaps: Gap[] = [];
  const prbPtr = dump.readU64(vi.symbols.get('prb')!);
  if (prbPtr === null) throw new Error('cannot read the kernel log: the page holding prb is not in the dump');
  const prbSize = need(S, 'printk_ringbuffer');
  const prbRead = dump.readVirt(prbPtr, Math.min(prbSize, 4096));
  if (prbRead.bad.length) throw new Error('cannot read the kernel log: struct printk_ringbuffer is not in the dump');
  const prb = prbRead.data;
  const dr = need(O, 'printk_ringbuffer.desc_ring');
  const tr = need(O, 'printk_ringbuffer.text_data_ring');
  const countBits = prb.readUInt32LE(dr + need(O, 'prb_desc_ring.count_bits'));
  const sizeBits = prb.readUInt32LE(tr + need(O, 'prb_data_ring.size_bits'));
  if (countBits > MAX_COUNT_BITS || sizeBits > MAX_DATA_BITS || sizeBits < 3)
    throw new Error(`cannot read the kernel log: implausible ring sizes (count_bits ${countBits}, size_bits ${sizeBits})`);
  const descCount = 1n << BigInt(countBits);
  const dataSize = 1n << BigInt(sizeBits);
  const descsVa = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.descs'));
  const infosVa = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.infos'));
  const dataVa = prb.readBigUInt64LE(tr + need(O, 'prb_data_ring.data'));
  const atomicCounter = O.get('atomic_long_t.counter') ?? 0;
  const headId = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.head_id') + atomicCounter);
  let tailId = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.tail_id') + atomicCounter);
  const descSize = need(S, 'prb_desc');
  const infoSize = need(S, 'printk_info');
  const oState = need(O, 'prb_desc.state_var') + atomicCounter;
  const oLpos = need(O, 'prb_desc.text_blk_lpos');
  const oBegin = need(O, 'prb_data_blk_lpos.begin');
  const oNext = need(O, 'prb_data_blk_lpos.next');
  const oTs = need(O, 'printk_info.ts_nsec');
  const oLen = need(O, 'printk_info.text_len');
  const oSeq = O.get('printk_info.seq');
  const oCaller = O.get('printk_info.caller_id');
  const oDev = O.get('printk_info.dev_info');
  const oSub = O.get('dev_printk_info.subsystem');
  const oDevice = O.get('dev_printk_info.device');
  const subLen = vi.lengths.get('printk_info_subsystem') ?? 16;
  const devLen = vi.lengths.get('printk_info_device') ?? 48;
  if (descSize < oLpos + Math.max(oBegin, oNext) + 8 || infoSize < oLen + 2 || infoSize > 4096 || descSize > 4096)
    throw new Error('cannot read the kernel log: VMCOREINFO gives inconsistent printk structure sizes');
  if (oState + 8 > descSize || oTs + 8 > infoSize || (oSeq !== undefined && oSeq + 8 > infoSize))
    throw new Error('cannot read the kernel log: VMCOREINFO gives offsets outside the printk structures');

  // Records from tail to head; garbage indices are cut to one lap of the descriptor ring.
  let span = (headId - tailId) & DESC_ID_MASK;
  if (span >= descCount) {
    gaps.push({ source: SRC, what: `printk ring indices are inconsistent (tail ${tailId.toString(16)}, head ${headId.toString(16)}): read the last ${descCount} descriptors only` });
    tailId = (headId - descCount + 1n) & DESC_ID_MASK;
    span = descCount - 1n;
  }
  const records: LogRecord[] = [];
  let lostRecords = 0;
  let lostPages = 0;
  const dataSizeN = Number(dataSize);
  const slotMask = Number(descCount) - 1;
  const descs = new VirtWindow(dump, descsVa);
  const infos = new VirtWindow(dump, infosVa);
  const texts = new VirtWindow(dump, dataVa);
  let slot = Number(tailId & BigInt(slotMask));
  // The 62-bit descriptor id as two numbers (ids are compared with the state variable's low 62 bits).
  let idLo = Number(tailId & 0xffffffffn);
  let idHi = Number(tailId >> 32n);
  const hasCaller = oCaller !== undefined && oCaller + 4 <= infoSize;
  const hasFacility = oLen + 2 < infoSize;
  const hasFlags = oLen + 3 < infoSize;
  const subAt = oDev !== undefined && oSub !== undefined && oDev + oSub + subLen <= infoSize ? oDev + oSub : -1;
  const devAt = oDev !== undefined && oDevice !== undefined && oDev + oDevice + devLen <= infoSize ? oDev + oDevice : -1;
  const n = Number(span);
  for (let i = 0; i <= n; i++) {
    if (i > 0) {
      slot = (slot + 1) & slotMask;
      if (++idLo === 0x100000000) {
        idLo = 0;
        idHi = (idHi + 1) & 0x3fffffff;
      }
    }
    const d = descs.at(slot * descSize, descSize);
    if (d === null || descs.bad) {
      lostRecords++;
      continue;
    }
    const dp = descs.pos;
    // Byte arithmetic inline rather than u32() calls: this loop runs once per record, in the interpreter.
    const so = dp + oState;
    const svHi = (d[so + 4]! | (d[so + 5]! << 8) | (d[so + 6]! << 16)) + d[so + 7]! * 0x1000000;
    if ((d[so]! | (d[so + 1]! << 8) | (d[so + 2]! << 16)) + d[so + 3]! * 0x1000000 !== idLo || (svHi & 0x3fffffff) !== idHi) continue;
    const state = svHi >>> 30; // 1: committed, 2: finalized
    if (state !== 1 && state !== 2) continue;
    // lpos % dataSize: dataSize is a power of two <= 2^30, so the low 32 bits decide it.
    const bo = dp + oLpos + oBegin;
    const no = dp + oLpos + oNext;
    let begin = (d[bo]! | (d[bo + 1]! << 8) | (d[bo + 2]! << 16) | (d[bo + 3]! << 24)) & (dataSizeN - 1);
    const next = (d[no]! | (d[no + 1]! << 8) | (d[no + 2]! << 16) | (d[no + 3]! << 24)) & (dataSizeN - 1);
    if (begin === next) continue;
    const info = infos.at(slot * infoSize, infoSize);
    if (info === null || infos.bad) {
      lostRecords++;
      continue;
    }
    const ip = infos.pos;
    let textLen = info[ip + oLen]! | (info[ip + oLen + 1]! << 8);
    if (begin > next) begin = 0;
    begin += 8;
    if (next >= begin && next - begin < textLen) textLen = next - begin;
    if (begin + textLen > dataSizeN) textLen = Math.max(0, dataSizeN - begin);
    const text = texts.read(begin, textLen);
    lostPages += texts.bad;
    const flagsByte = hasFlags ? info[ip + oLen + 3]! : -1;
    records.push({
      seq: oSeq !== undefined ? u64big(info, ip + oSeq) : null,
      tsNsec: u64big(info, ip + oTs),
      text,
      facility: hasFacility ? info[ip + oLen + 2]! : null,
      level: flagsByte < 0 ? null : flagsByte >> 5,
      flags: flagsByte < 0 ? null : flagsByte & 0x1f,
      callerId: hasCaller ? u32(info, ip + oCaller!) : null,
      subsystem: subAt >= 0 ? cfield(info, ip + subAt, subLen) : null,
      device: devAt >= 0 ? cfield(info, ip + devAt, devLen) : null,
      dict: null,
    });
  }
  if (lostRecords) gaps.push({ source: SRC, what: `${count(lostRecords, 'printk record', 'printk records')} unreadable (descriptor pages not in the dump)` });
  if (lostPages) gaps.push({ source: SRC, what: `${count(lostPages, 'page', 'pages')} of printk text not in the dump (read as zeros)` });
  // Descriptors that were read but none of them committed with the expected id: the indices are damaged.
  if (records.length === 0 && lostRecords === 0)
    gaps.push({ source: SRC, what: `the printk ring holds no record between tail ${tailId.toString(16)} and head ${headId.toString(16)}: its indices may be damaged` });
  return { generation: 'lockless', records, plain: null, hasCallerId: oCaller !== undefined, gaps };
}

function readVariable(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const gaps: Gap[] = [];
  // The struct was called `log` in 3.5-3.10 and `printk_log` from 3.11.
  const name = vi.sizes.has('printk_log') ? 'printk_log' : 'log';
  const size = need(vi.sizes, name);
  const oLen = need(vi.offsets, `${name}.len`);
  const oTextLen = need(vi.offsets, `${name}.text_len`);
  const oTs = need(vi.offsets, `${name}.ts_nsec`);
  const oCaller = vi.offsets.get(`${name}.caller_id`);
  const logBuf = dump.readU64(vi.symbols.get('log_buf')!);
  const bufLen = dump.readU32(vi.symbols.get('log_buf_len')!);
  const firstVa = vi.symbols.get('log_first_idx');
  const nextVa = vi.symbols.get('log_next_idx');
  if (firstVa === undefined || nextVa === undefined) throw new MissingLayout('VMCOREINFO lacks SYMBOL(log_first_idx) or SYMBOL(log_next_idx)');
  const first = dump.readU32(firstVa);
  const nextIdx = dump.readU32(nextVa);
  if (logBuf === null || bufLen === null || first === null || nextIdx === null)
    throw new Error('cannot read the kernel log: log_buf, log_buf_len, log_first_idx or log_next_idx is not in the dump');
  if (bufLen <= 0 || bufLen > MAX_LOG_BUF) throw new Error(`cannot read the kernel log: implausible log_buf_len ${bufLen}`);
  if (size < oTextLen + 2 || size > 256) throw new Error('cannot read the kernel log: implausible struct printk_log size');
  const r = dump.readVirt(logBuf, bufLen);
  if (r.bad.length) gaps.push({ source: SRC, what: `${count(r.bad.length, 'page', 'pages')} of log_buf not in the dump (read as zeros)` });
  const buf = r.data;
  const records: LogRecord[] = [];
  const len = (p: number): number => (p + oLen + 2 <= bufLen ? buf.readUInt16LE(p + oLen) : 0);
  let ptr = first;
  // At most one record per minimal record size: bounds the walk even on a garbage ring.
  const maxSteps = Math.floor(bufLen / Math.max(1, size)) + 2;
  let steps = 0;
  let broken = false;
  while (ptr !== nextIdx) {
    if (++steps > maxSteps || ptr >= bufLen) {
      broken = true;
      break;
    }
    const l = len(ptr);
    const rec = l === 0 ? 0 : ptr; // a zero length marks the end of the buffer: wrap to its start
    if (rec + size > bufLen) {
      broken = true;
      break;
    }
    const textLen = buf.readUInt16LE(rec + oTextLen);
    const dictLen = oTextLen + 4 <= size ? buf.readUInt16LE(rec + oTextLen + 2) : 0;
    const tEnd = Math.min(bufLen, rec + size + textLen);
    const text = Buffer.from(buf.subarray(rec + size, tEnd));
    const dEnd = Math.min(bufLen, tEnd + dictLen);
    const dict = dictLen ? buf.subarray(tEnd, dEnd).toString('latin1') : null;
    const kv = new Map((dict ?? '').split('\0').map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] as [string, string]));
    const fb = oTextLen + 5 < size ? buf[rec + oTextLen + 5]! : null;
    records.push({
      seq: null,
      tsNsec: buf.readBigUInt64LE(rec + oTs),
      text,
      facility: oTextLen + 4 < size ? buf[rec + oTextLen + 4]! : null,
      level: fb === null ? null : fb >> 5,
      flags: fb === null ? null : fb & 0x1f,
      callerId: oCaller !== undefined && rec + oCaller + 4 <= bufLen ? buf.readUInt32LE(rec + oCaller) : null,
      subsystem: kv.get('SUBSYSTEM') ?? null,
      device: kv.get('DEVICE') ?? null,
      dict,
    });
    const step = l === 0 ? len(0) : l;
    if (step === 0) {
      broken = true;
      break;
    }
    ptr = rec + step;
  }
  if (broken) gaps.push({ source: SRC, what: `the log_buf record chain is broken after ${count(records.length, 'record', 'records')} (garbage indices)` });
  return { generation: 'variable', records, plain: null, hasCallerId: oCaller !== undefined, gaps };
}

function readPlain(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const gaps: Gap[] = [];
  const logBuf = dump.readU64(vi.symbols.get('log_buf')!);
  const bufLen = dump.readU32(vi.symbols.get('log_buf_len')!);
  // log_end is `unsigned long` up to 2.6.24 and `unsigned` from 2.6.25.
  const ver = kernelVersionCode(vi.osrelease);
  const endVa = vi.symbols.get('log_end')!;
  const wide = ver !== null && ver < 2 * 65536 + 6 * 256 + 25;
  const end64 = wide ? dump.readU64(endVa) : null;
  const logEnd = wide ? (end64 === null ? null : end64 > 0xffffffffn ? null : Number(end64)) : dump.readU32(endVa);
  if (logBuf === null || bufLen === null || logEnd === null) throw new Error('cannot read the kernel log: log_buf, log_buf_len or log_end is not in the dump');
  if (bufLen <= 0 || bufLen > MAX_LOG_BUF || (bufLen & (bufLen - 1)) !== 0) throw new Error(`cannot read the kernel log: implausible log_buf_len ${bufLen}`);
  let out: Buffer;
  let bad = 0;
  if (logEnd < bufLen) {
    const r = dump.readVirt(logBuf, logEnd);
    out = r.data;
    bad = r.bad.length;
  } else {
    const index = logEnd & (bufLen - 1);
    const a = dump.readVirt(logBuf + BigInt(index), bufLen - index);
    const b = dump.readVirt(logBuf, index);
    out = Buffer.concat([a.data, b.data]);
    bad = a.bad.length + b.bad.length;
  }
  if (bad) gaps.push({ source: SRC, what: `${count(bad, 'page', 'pages')} of log_buf not in the dump (read as zeros)` });
  return { generation: 'plain', records: [], plain: out, hasCallerId: false, gaps };
}

// ==== the log as text (formerly format.ts) ====
// The log as `makedumpfile --dump-dmesg` prints it (makedumpfile.c dump_log_entry(), printk.c
// dump_record()): "[%5lld.%06ld] " then the text byte by byte: '\n' becomes a newline plus as many
// spaces as the prefix is long, isprint() or isspace() bytes are copied, anything else is printed as
// "\x%02x" of a *signed* char (x86 makedumpfile: bytes >= 0x80 come out as \xffffffNN), and a newline
// ends each record. makedumpfile 1.7.2 (the lab's) prints no caller id; newer versions print
// "[%8s] " with T<pid>/C<cpu> after the time when VMCOREINFO has printk_info.caller_id.

export interface FormatOptions {
  /** Print caller ids as makedumpfile >= 1.7.3 does. */
  callerId?: boolean;
}

const HEX = '0123456789abcdef';
/** Bytes makedumpfile does not copy as they are: not isprint() and not isspace(), or a newline. */
const SPECIAL = /[^\x20-\x7e\t\x0b\x0c\r]/;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** "[%5lld.%06ld] " of a time stamp in nanoseconds (number arithmetic while exact: it runs once a record). */
function timePrefix(ns: bigint): string {
  let secs: number | bigint;
  let rem: number;
  if (ns >= 0n && ns <= MAX_SAFE) {
    const n = Number(ns);
    secs = Math.floor(n / 1e9);
    rem = n - secs * 1e9; // exact: both are integers below 2^53
    if (rem < 0) {
      secs--;
      rem += 1e9;
    } else if (rem >= 1e9) {
      secs++;
      rem -= 1e9;
    }
  } else {
    secs = ns / 1000000000n;
    rem = Number(ns % 1000000000n);
  }
  return `[${String(secs).padStart(5, ' ')}.${String(Math.floor(rem / 1000)).padStart(6, '0')}] `;
}

export function formatRecord(r: LogRecord, opts: FormatOptions = {}): string {
  let prefix = timePrefix(r.tsNsec);
  if (opts.callerId && r.callerId !== null) {
    const cid = r.callerId >>> 0;
    const s = `${cid & 0x80000000 ? 'C' : 'T'}${(cid & 0x7fffffff) >>> 0}`;
    prefix += `[${s.padStart(8, ' ')}] `;
  }
  const t = r.text;
  const plain = t.toString('latin1');
  // Most records hold only printable ASCII: copied as they are.
  if (!SPECIAL.test(plain)) return prefix + plain + '\n';
  const indent = '\n' + ' '.repeat(prefix.length);
  const parts: string[] = [prefix];
  let runStart = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d && c !== 0x0a)) continue;
    if (i > runStart) parts.push(t.toString('latin1', runStart, i));
    if (c === 0x0a) parts.push(indent);
    else if (c >= 0x80) parts.push(`\\xffffff${HEX[c >> 4]}${HEX[c & 15]}`);
    else parts.push(`\\x${HEX[c >> 4]}${HEX[c & 15]}`);
    runStart = i + 1;
  }
  if (t.length > runStart) parts.push(t.toString('latin1', runStart));
  parts.push('\n');
  return parts.join('');
}

/** The whole log as makedumpfile prints it, as bytes (the plain log_buf of old kernels is copied raw). */
export function formatLog(log: KernelLog, opts: FormatOptions = {}): Buffer {
  if (log.plain) return log.plain;
  const chunks: string[] = [];
  for (const r of log.records) chunks.push(formatRecord(r, opts));
  return Buffer.from(chunks.join(''), 'latin1');
}

// ======== the public API (formerly index.ts) ========
// Public API of the native vmcore reader: readVmcore() for `ktriage analyze`, and the pieces `ktriage
// dmesg` / `ktriage info` print. Works from the dump alone (VMCOREINFO), without the debug vmlinux.


export interface VmcoreSummary {
  file: string;
  format: DumpFormat;
  /** Human description: `kdump-compressed v6`, `ELF64 core with QEMU CPU notes`, ... */
  variant: string;
  /** Page codecs seen (kdump), `none` for stored pages; ELF cores are uncompressed. */
  compression: string[];
  arch: string;
  pageSize: number;
  /** Filled by `ktriage info` (needs a pass over the page descriptors). */
  pages: PageCounts | null;
  dumpLevel: number | null;
  release: string | null;
  version: string | null;
  hostname: string | null;
  machine: string | null;
  /** CRASHTIME as ISO 8601 (UTC). */
  crashTime: string | null;
  kernelOffset: string | null;
  buildId: string | null;
  nrCpus: number | null;
  cpus: CpuState[];
  /** CPU registers QEMU saved (QEMU dumps only). */
  qemuCpus: CpuState[];
  panicCpu: number | null;
  /** How the panic CPU was found. */
  panicCpuReason: string | null;
  printk: PrintkGeneration | null;
  records: number | null;
}

export interface VmcoreResult {
  info: VmcoreSummary;
  /** The file ends before the pages it describes (a copy cut short), null when whole. */
  truncation: Truncation | null;
  /** The kernel log exactly as `makedumpfile --dump-dmesg` prints it. */
  log: string;
  logBytes: Buffer;
  records: LogRecord[];
  cpus: { cpu: number; pid: number; registers: Record<string, string> }[];
  gaps: Gap[];
  stats: { bytesRead: number; pagesRead: number; walks: number };
}

export interface ReadOptions extends FormatOptions {
  /** Count dumpable/excluded/zero pages (reads every page descriptor). */
  countPages?: boolean;
  /** Only the log: skip the utsname read and the panic-CPU search (ktriage dmesg). */
  logOnly?: boolean;
  onProgress?: (what: string, done: number, total: number) => void;
}

function utsname(dump: Dump): { release: string; version: string; nodename: string; machine: string } | null {
  const vi = dump.vmcoreinfo;
  const sym = vi.symbols.get('init_uts_ns') ?? vi.symbols.get('system_utsname');
  if (sym === undefined || !dump.translator) return null;
  const off = vi.symbols.has('init_uts_ns') ? (vi.offsets.get('uts_namespace.name') ?? 4) : 0;
  try {
    const r = dump.readVirt(sym + BigInt(off), 65 * 6);
    if (r.bad.length) return null;
    const f = (i: number): string => {
      const b = r.data.subarray(65 * i, 65 * i + 65);
      const z = b.indexOf(0);
      return b.subarray(0, z < 0 ? 65 : z).toString('latin1');
    };
    return { nodename: f(1), release: f(2), version: f(3), machine: f(4) };
  } catch {
    return null;
  }
}

function findPanicCpu(cpus: CpuState[], records: LogRecord[]): { cpu: number | null; reason: string | null } {
  // The last "CPU: N PID: M" line of the log belongs to the report that ended the kernel.
  for (let i = records.length - 1; i >= 0 && i >= records.length - 2000; i--) {
    const m = /^CPU: (\d+) PID: (\d+)/.exec(records[i]!.text.toString('latin1'));
    if (m) {
      const cpu = Number(m[1]);
      if (cpu < cpus.length || cpus.length === 0) return { cpu, reason: `last "CPU: ${m[1]} PID: ${m[2]}" line of the log` };
    }
  }
  const busy = cpus.filter((c) => c.pid > 0);
  if (busy.length === 1) return { cpu: busy[0]!.cpu, reason: 'only CPU note with a task' };
  return { cpu: null, reason: null };
}

export function summarize(dump: Dump, log: KernelLog | null, light = false): VmcoreSummary {
  const vi = dump.vmcoreinfo;
  const k = dump.kdump;
  const uts = light ? null : utsname(dump);
  const cpus = dump.notes.prstatus;
  const pc = light ? { cpu: null, reason: null } : findPanicCpu(cpus, log?.records ?? []);
  let variant: string;
  if (dump.format === 'elf') variant = dump.notes.qemuCpus.length ? 'ELF64 core with QEMU CPU notes' : 'ELF64 core';
  else variant = `${dump.format === 'flattened' ? 'flattened ' : ''}kdump-compressed v${k?.headerVersion}`;
  const nodename = uts?.nodename ?? k?.utsname.nodename ?? null;
  return {
    file: dump.path,
    format: dump.format,
    variant,
    compression: dump.mem instanceof KdumpMemory ? dump.mem.codecs : ['none'],
    arch: dump.arch,
    pageSize: dump.mem.pageSize,
    pages: null,
    dumpLevel: k?.sub.dumpLevel ?? null,
    release: vi.osrelease ?? uts?.release ?? (k?.utsname.release || null),
    version: uts?.version ?? (k?.utsname.version || null),
    hostname: nodename && nodename !== '(none)' ? nodename : null,
    machine: uts?.machine ?? (k?.utsname.machine || null),
    crashTime: vi.crashTime !== null ? new Date(vi.crashTime * 1000).toISOString() : null,
    kernelOffset: vi.kernelOffset !== null ? vi.kernelOffset.toString(16) : null,
    buildId: vi.buildId,
    nrCpus: k?.nrCpus ?? (cpus.length || dump.notes.qemuCpus.length || null),
    cpus,
    qemuCpus: dump.notes.qemuCpus,
    panicCpu: pc.cpu,
    panicCpuReason: pc.reason,
    printk: log?.generation ?? null,
    records: log ? (log.plain ? null : log.records.length) : null,
  };
}

/** Reads a vmcore's kernel log and facts. Throws one clear Error when nothing can be read. */
export function readVmcore(path: string, opts: ReadOptions = {}): VmcoreResult {
  const dump = new Dump(path, { onProgress: opts.onProgress ? (d, t) => opts.onProgress!('indexing flattened records', d, t) : undefined });
  try {
    const gaps: Gap[] = dump.warnings.map((w) => ({ source: path, what: w }));
    let log: KernelLog | null = null;
    try {
      log = readKernelLog(dump);
      for (const g of log.gaps) gaps.push({ source: path, what: g.what });
    } catch (err) {
      gaps.push({ source: path, what: (err as Error).message });
    }
    const info = summarize(dump, log, Boolean(opts.logOnly));
    let truncation: Truncation | null = null;
    try {
      truncation = dump.truncation();
    } catch (err) {
      gaps.push({ source: path, what: `cannot tell whether the file is complete: ${(err as Error).message}` });
    }
    if (truncation) gaps.unshift({ source: path, what: describeTruncation(truncation) });
    if (opts.countPages) {
      info.pages = dump.mem.countPages(opts.onProgress ? (d, t) => opts.onProgress!('counting pages', d, t) : undefined);
      if (dump.mem instanceof KdumpMemory) info.compression = dump.mem.codecs;
    }
    const logBytes = log ? formatLog(log, opts) : Buffer.alloc(0);
    return {
      info,
      truncation,
      log: logBytes.toString('latin1'),
      logBytes,
      records: log?.records ?? [],
      cpus: info.cpus.map((c) => ({ cpu: c.cpu, pid: c.pid, registers: c.registers })),
      gaps,
      stats: { bytesRead: dump.bytesRead, pagesRead: dump.mem.pagesRead, walks: dump.translator?.walks ?? 0 },
    };
  } finally {
    dump.close();
  }
}
