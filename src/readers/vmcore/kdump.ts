// makedumpfile's kdump-compressed format ("KDUMP   "), as written by makedumpfile -c/-l/-p/-z and
// QEMU's dump-guest-memory kdump-*: layout from makedumpfile's diskdump_mod.h.
//   block 0: disk_dump_header; block 1..: kdump_sub_header (sub_hdr_size blocks);
//   then bitmap_blocks blocks: 1st bitmap (RAM pages) and 2nd bitmap (dumped pages), half each;
//   then one 24-byte page_desc per dumped page (in pfn order), then the page data.
import { createRequire } from 'node:module';
import { zstdDecompressPage } from './zstd.js';
import { lzo1xDecompress } from './lzo.js';
import { snappyUncompress } from './snappy.js';
import { type RandomAccess, u64 } from './file.js';
import { type PageCounts, type PageRead, type PhysMemory, type Truncation, zeroPage } from './memory.js';

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

  /** 4 KiB chunks of the two bitmaps read so far (copied: O(pages looked up), not the whole bitmap). */
  private bm = new Map<number, Buffer>();

  private bitmapChunk(which: 1 | 2, chunk: number): Buffer {
    const key = which === 2 ? -1 - chunk : chunk;
    let b = this.bm.get(key);
    if (!b) {
      b = Buffer.from(this.f.read(this.bitmapOff + (which === 2 ? this.bitmapHalf : 0) + chunk * RANK_CHUNK, RANK_CHUNK));
      this.bm.set(key, b);
    }
    return b;
  }

  private bit(which: 1 | 2, pfn: number): boolean {
    const byte = pfn >> 3;
    const chunk = Math.floor(byte / RANK_CHUNK);
    const b = this.bitmapChunk(which, chunk);
    const i = byte - chunk * RANK_CHUNK;
    return i < b.length && ((b[i]! >> (pfn & 7)) & 1) === 1;
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
    const b = this.bitmapChunk(2, chunk);
    let fine = this.fine.get(chunk);
    if (!fine) {
      // Counts at every 64 bytes of this chunk, so a lookup sums at most 63 bytes.
      fine = new Uint32Array(RANK_CHUNK / 64);
      let c = 0;
      for (let i = 0; i < b.length; i += 64) {
        fine[i >> 6] = c;
        c += popcount(b, i, Math.min(b.length, i + 64));
      }
      this.fine.set(chunk, fine);
    }
    const within = byte - chunk * RANK_CHUNK;
    r += fine[within >> 6]!;
    const from = within & ~63;
    for (let i = from; i < within && i < b.length; i++) r += POPCOUNT[b[i]!]!;
    if (within < b.length) r += POPCOUNT[b[within]! & ((1 << (pfn & 7)) - 1)]!;
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
