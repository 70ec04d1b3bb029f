// ELF64 core dumps: /proc/vmcore copies, makedumpfile -E, QEMU dump-guest-memory (elf, with or without
// paging). Layout from the ELF specification (elf.h): PT_LOAD segments give physical memory
// (p_paddr; bytes past p_filesz up to p_memsz read as zero), PT_NOTE segments hold the notes.
import { type RandomAccess, u64 } from './file.js';
import { type PageCounts, type PageRead, type PhysMemory } from './memory.js';

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
