// Test helpers of the vmcore reader (not part of the public API): where the lab is, unwrapping its
// zstd-wrapped dumps into temporary files, and writers of small dumps in the exact on-disk layouts the
// readers parse (ELF64 core: elf.h; kdump-compressed: makedumpfile's diskdump_mod.h; flattened:
// makedumpfile.h). Fixtures built with these are marked hand-made in the tests that use them.
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { Decompress } from 'fzstd';
import snappy from 'snappyjs';
import { Dump } from './dump.js';
import { repoRoot } from '../../util/repo.js';
import { KdumpMemory } from './kdump.js';

export { repoRoot };

export const LAB = resolve(repoRoot(), '..', 'shared', 'lab', 'out');
export const labPresent = existsSync(LAB);

let tmpRoot: string | null = null;
export function tempDir(): string {
  if (!tmpRoot) {
    tmpRoot = mkdtempSync(join(tmpdir(), 'ktriage-vmcore-'));
    process.on('exit', () => rmSync(tmpRoot!, { recursive: true, force: true }));
  }
  return tmpRoot;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

const unwrapped = new Map<string, string>();
/** Decompresses a .zst file into the temp dir (zstd CLI when present, else fzstd streaming; slow for big windows). */
export function unzstd(src: string, long = false): string {
  const hit = unwrapped.get(src);
  if (hit) return hit;
  const out = join(tempDir(), src.replace(/[^A-Za-z0-9.-]+/g, '_').slice(-80).replace(/\.zst$/, ''));
  if (hasCommand('zstd')) {
    const r = spawnSync('zstd', ['-q', '-d', '-f', ...(long ? ['--long=27'] : []), src, '-o', out]);
    if (r.status !== 0) throw new Error(`zstd -d ${src} failed`);
  } else {
    const fd = openSync(src, 'r');
    const wfd = openSync(out, 'w');
    try {
      const d = new Decompress((chunk) => {
        writeSync(wfd, chunk);
      });
      for (let pos = 0; ; ) {
        const buf = Buffer.alloc(1 << 20); // fzstd keeps references to pushed chunks: never reuse them
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        d.push(buf.subarray(0, n));
        pos += n;
      }
      d.push(new Uint8Array(0), true);
    } finally {
      closeSync(fd);
      closeSync(wfd);
    }
  }
  unwrapped.set(src, out);
  return out;
}

// ---- ELF notes and cores ----

export function note(name: string, type: number, desc: Buffer): Buffer {
  const nm = Buffer.from(name + '\0', 'latin1');
  const h = Buffer.alloc(12);
  h.writeUInt32LE(nm.length, 0);
  h.writeUInt32LE(desc.length, 4);
  h.writeUInt32LE(type, 8);
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  return Buffer.concat([h, pad(nm), pad(desc)]);
}

/** An x86_64 NT_PRSTATUS (struct elf_prstatus, 336 bytes) with pid and the given registers. */
export function prstatus(pid: number, regs: Record<string, bigint> = {}): Buffer {
  const order = ['r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi', 'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'];
  const b = Buffer.alloc(336);
  b.writeInt32LE(pid, 32);
  order.forEach((r, i) => b.writeBigUInt64LE(regs[r] ?? 0n, 112 + i * 8));
  return note('CORE', 1, b);
}

export interface LoadSpec {
  paddr: number;
  vaddr?: bigint;
  data: Buffer;
  /** memsz beyond data.length (zero-filled). */
  extra?: number;
  /** Instead of data: this many bytes of file left as a sparse hole (filesz = memsz = sparse). */
  sparse?: number;
}

/** Writes an ELF64 x86_64 core: one PT_NOTE, then the PT_LOADs; PN_XNUM is used past 65534 headers. */
export function writeElfCore(path: string, notes: Buffer, loads: LoadSpec[], machine = 62): void {
  const phnum = loads.length + 1;
  const xnum = phnum >= 0xffff;
  const phoff = 64;
  const shoff = phoff + phnum * 56;
  let dataOff = shoff + (xnum ? 64 : 0);
  const fd = openSync(path, 'w');
  try {
    const eh = Buffer.alloc(64);
    eh.write('\x7fELF', 0, 'latin1');
    eh[4] = 2;
    eh[5] = 1;
    eh[6] = 1;
    eh.writeUInt16LE(4, 16);
    eh.writeUInt16LE(machine, 18);
    eh.writeUInt32LE(1, 20);
    eh.writeBigUInt64LE(BigInt(phoff), 32);
    eh.writeBigUInt64LE(xnum ? BigInt(shoff) : 0n, 40);
    eh.writeUInt16LE(64, 52);
    eh.writeUInt16LE(56, 54);
    eh.writeUInt16LE(xnum ? 0xffff : phnum, 56);
    eh.writeUInt16LE(xnum ? 64 : 0, 58);
    eh.writeUInt16LE(xnum ? 1 : 0, 60);
    writeSync(fd, eh, 0, 64, 0);
    if (xnum) {
      const sh = Buffer.alloc(64);
      sh.writeUInt32LE(phnum, 44);
      writeSync(fd, sh, 0, 64, shoff);
    }
    const ph = Buffer.alloc(phnum * 56);
    ph.writeUInt32LE(4, 0);
    ph.writeBigUInt64LE(BigInt(dataOff), 8);
    ph.writeBigUInt64LE(BigInt(notes.length), 32);
    writeSync(fd, notes, 0, notes.length, dataOff);
    dataOff += notes.length;
    loads.forEach((l, i) => {
      const o = (i + 1) * 56;
      if (l.sparse) {
        ph.writeUInt32LE(1, o);
        ph.writeBigUInt64LE(BigInt(dataOff), o + 8);
        ph.writeBigUInt64LE(BigInt(l.paddr), o + 24);
        ph.writeBigUInt64LE(BigInt(l.sparse), o + 32);
        ph.writeBigUInt64LE(BigInt(l.sparse), o + 40);
        dataOff += l.sparse;
        ftruncateSync(fd, dataOff);
        return;
      }
      ph.writeUInt32LE(1, o);
      ph.writeUInt32LE(7, o + 4);
      ph.writeBigUInt64LE(BigInt(dataOff), o + 8);
      ph.writeBigUInt64LE(l.vaddr ?? 0n, o + 16);
      ph.writeBigUInt64LE(BigInt(l.paddr), o + 24);
      ph.writeBigUInt64LE(BigInt(l.data.length), o + 32);
      ph.writeBigUInt64LE(BigInt(l.data.length + (l.extra ?? 0)), o + 40);
      if (l.data.length) writeSync(fd, l.data, 0, l.data.length, dataOff);
      dataOff += l.data.length;
    });
    writeSync(fd, ph, 0, ph.length, phoff);
  } finally {
    closeSync(fd);
  }
}

// ---- kdump-compressed ----

export type Codec = 'zlib' | 'snappy' | 'zstd' | 'none';
const CODEC_FLAG: Record<Codec, number> = { zlib: 0x1, snappy: 0x4, zstd: 0x20, none: 0 };

/** A zstd frame holding `data` as one raw block (RFC 8878: single segment, 2-byte content size). */
export function zstdRawFrame(data: Buffer): Buffer {
  const h = Buffer.alloc(4 + 1 + 2 + 3);
  h.writeUInt32LE(0xfd2fb528, 0);
  h[4] = 0x60; // FCS_flag=1 (2 bytes, value-256), single segment
  h.writeUInt16LE(data.length - 256, 5);
  const bh = (data.length << 3) | 1; // last block, raw
  h[7] = bh & 0xff;
  h[8] = (bh >> 8) & 0xff;
  h[9] = (bh >> 16) & 0xff;
  return Buffer.concat([h, data]);
}

export interface KdumpSpec {
  pageSize: number;
  maxPfn: number;
  /** Stored pages by pfn. */
  pages: Map<number, Buffer>;
  /** RAM pages that are not stored (1st bitmap only). */
  excluded?: number[];
  vmcoreinfo: string;
  notes?: Buffer;
  codec: Codec;
  /** Pre-compressed page data by pfn (overrides codec for those pages), e.g. from the zstd CLI. */
  compressed?: Map<number, Buffer>;
  release?: string;
  nrCpus?: number;
  /** kdump_sub_header.phys_base (makedumpfile uses it to translate kernel text addresses). */
  physBase?: bigint;
}

/** Writes a kdump-compressed v6 file laid out as makedumpfile does (shared zero page first). */
export function writeKdump(path: string, s: KdumpSpec): void {
  const bs = s.pageSize;
  const bitmapBytes = Math.ceil(s.maxPfn / 8);
  const bitmapBlocks = Math.ceil((bitmapBytes * 2) / bs / 2) * 2 || 2;
  const half = (bitmapBlocks * bs) / 2;
  const bm1 = Buffer.alloc(half);
  const bm2 = Buffer.alloc(half);
  const pfns = [...s.pages.keys()].sort((a, b) => a - b);
  for (const p of pfns) {
    bm1[p >> 3]! |= 1 << (p & 7);
    bm2[p >> 3]! |= 1 << (p & 7);
  }
  for (const p of s.excluded ?? []) bm1[p >> 3]! |= 1 << (p & 7);
  const vmci = Buffer.from(s.vmcoreinfo, 'latin1');
  const notes = s.notes ?? Buffer.alloc(0);
  const subHdrSize = Math.ceil((104 + vmci.length + notes.length) / bs);
  const descOff = (1 + subHdrSize + bitmapBlocks) * bs;
  let dataOff = descOff + pfns.length * 24;
  const fd = openSync(path, 'w');
  try {
    const h = Buffer.alloc(bs);
    h.write('KDUMP   ', 0, 'latin1');
    h.writeInt32LE(6, 8);
    const ut = ['Linux', '(none)', s.release ?? '', '#1', 'x86_64', '(none)'];
    ut.forEach((u, i) => h.write(u, 12 + 65 * i, 'latin1'));
    h.writeInt32LE(bs, 428);
    h.writeInt32LE(subHdrSize, 432);
    h.writeUInt32LE(bitmapBlocks, 436);
    h.writeUInt32LE(Math.min(s.maxPfn, 0xffffffff), 440);
    h.writeInt32LE(s.nrCpus ?? 1, 460);
    writeSync(fd, h, 0, bs, 0);
    const sub = Buffer.alloc(subHdrSize * bs);
    sub.writeBigUInt64LE(BigInt.asUintN(64, s.physBase ?? 0n), 0);
    sub.writeInt32LE(31, 8);
    const vOff = bs + 104;
    sub.writeBigUInt64LE(BigInt(vOff), 32);
    sub.writeBigUInt64LE(BigInt(vmci.length), 40);
    sub.writeBigUInt64LE(BigInt(vOff + vmci.length), 48);
    sub.writeBigUInt64LE(BigInt(notes.length), 56);
    sub.writeBigUInt64LE(BigInt(s.maxPfn), 96);
    vmci.copy(sub, 104);
    notes.copy(sub, 104 + vmci.length);
    writeSync(fd, sub, 0, sub.length, bs);
    writeSync(fd, bm1, 0, half, (1 + subHdrSize) * bs);
    writeSync(fd, bm2, 0, half, (1 + subHdrSize) * bs + half);
    // The shared zero page comes first, as makedumpfile writes it.
    const zero = Buffer.alloc(bs);
    const zeroOff = dataOff;
    writeSync(fd, zero, 0, bs, zeroOff);
    dataOff += bs;
    const descs = Buffer.alloc(pfns.length * 24);
    pfns.forEach((pfn, i) => {
      const page = s.pages.get(pfn)!;
      let off: number;
      let size: number;
      let flags = 0;
      if (page.equals(zero)) {
        off = zeroOff;
        size = bs;
      } else {
        let c: Buffer | null = s.compressed?.get(pfn) ?? null;
        if (c) flags = CODEC_FLAG.zstd;
        else if (s.codec === 'zlib') c = deflateSync(page);
        else if (s.codec === 'snappy') c = Buffer.from(snappy.compress(new Uint8Array(page)));
        else if (s.codec === 'zstd') c = zstdRawFrame(page);
        if (c && c.length < bs) {
          flags = flags || CODEC_FLAG[s.codec];
        } else {
          c = page;
          flags = 0;
        }
        off = dataOff;
        size = c.length;
        writeSync(fd, c, 0, c.length, dataOff);
        dataOff += c.length;
      }
      descs.writeBigUInt64LE(BigInt(off), i * 24);
      descs.writeUInt32LE(size, i * 24 + 8);
      descs.writeUInt32LE(flags, i * 24 + 12);
    });
    writeSync(fd, descs, 0, descs.length, descOff);
  } finally {
    closeSync(fd);
  }
}

/** Every stored page of a kdump file, with its VMCOREINFO and notes (to re-write it with another codec). */
export function readKdumpPages(path: string): { spec: Omit<KdumpSpec, 'codec'>; excluded: number[] } {
  const d = new Dump(path);
  try {
    if (!(d.mem instanceof KdumpMemory) || !d.kdump) throw new Error('not a kdump file');
    const mem = d.mem;
    const pages = new Map<number, Buffer>();
    mem.forEachDumped((pfn) => {
      const p = mem.readPage(pfn);
      if (p.data) pages.set(pfn, Buffer.from(p.data));
    });
    const k = d.kdump;
    const vOff = k.sub.offsetVmcoreinfo!;
    const vmcoreinfo = d.file.read(vOff, k.sub.sizeVmcoreinfo!).toString('latin1');
    const notes = d.file.read(k.sub.offsetNote!, k.sub.sizeNote!);
    const excluded: number[] = [];
    for (let pfn = 0; pfn < mem.maxPfn; pfn++) if (!pages.has(pfn) && mem.isRam(pfn)) excluded.push(pfn);
    return { spec: { pageSize: mem.pageSize, maxPfn: mem.maxPfn, pages, vmcoreinfo, notes, release: k.utsname.release, nrCpus: k.nrCpus, physBase: k.sub.physBase ?? 0n }, excluded };
  } finally {
    d.close();
  }
}

/** Compresses pages with the zstd CLI (one frame per page), or null when zstd is not installed. */
export function zstdCompressPages(pages: Map<number, Buffer>): Map<number, Buffer> | null {
  if (!hasCommand('zstd')) return null;
  const dir = join(tempDir(), `zpages-${Date.now()}`);
  mkdirSync(dir);
  for (const [pfn, data] of pages) writeFileSync(join(dir, String(pfn)), data);
  const r = spawnSync('sh', ['-c', `cd "${dir}" && ls | xargs zstd -q -3 --rm`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  const out = new Map<number, Buffer>();
  for (const f of readdirSync(dir)) out.set(Number(f.replace(/\.zst$/, '')), readFileSync(join(dir, f)));
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/**
 * Rewrites a file in makedumpfile's flattened format: 4096-byte header, then {offset, size} records
 * (big-endian) with their data, written out of order, with the first block written twice (as
 * makedumpfile rewrites the header) and an end record {-1, -1}.
 */
export function writeFlattened(src: string, dst: string, chunk = 65536): void {
  const data = readFileSync(src);
  const fd = openSync(dst, 'w');
  try {
    const h = Buffer.alloc(4096);
    h.write('makedumpfile', 0, 'latin1');
    h.writeBigInt64BE(1n, 16);
    h.writeBigInt64BE(1n, 24);
    let pos = 0;
    const put = (b: Buffer): void => {
      writeSync(fd, b, 0, b.length, pos);
      pos += b.length;
    };
    put(h);
    const rec = (off: number, b: Buffer): void => {
      const r = Buffer.alloc(16);
      r.writeBigInt64BE(BigInt(off), 0);
      r.writeBigInt64BE(BigInt(b.length), 8);
      put(r);
      put(b);
    };
    // A stale first block, overwritten later by the real one.
    rec(0, Buffer.alloc(Math.min(4096, data.length), 0xee));
    const order: number[] = [];
    for (let off = 0; off < data.length; off += chunk) order.push(off);
    // Odd chunks first, then even ones: records are not in file order.
    for (const off of [...order.filter((_, i) => i % 2 === 1), ...order.filter((_, i) => i % 2 === 0)])
      rec(off, data.subarray(off, Math.min(data.length, off + chunk)));
    const end = Buffer.alloc(16);
    end.writeBigInt64BE(-1n, 0);
    end.writeBigInt64BE(-1n, 8);
    put(end);
  } finally {
    closeSync(fd);
  }
}

// ---- Synthetic x86_64 memory images (hand-made fixtures for layouts no lab dump has) ----

export const START_KERNEL_MAP = 0xffffffff80000000n;
export const PAGE_OFFSET = 0xffff888000000000n;

/** A small physical memory image; kernel text/data at START_KERNEL_MAP + pa (phys_base 0). */
export class SynthImage {
  readonly mem: Buffer;
  readonly lines: string[] = [];
  constructor(size = 4 << 20) {
    this.mem = Buffer.alloc(size);
  }
  textVa(pa: number): bigint {
    return START_KERNEL_MAP + BigInt(pa);
  }
  directVa(pa: number): bigint {
    return PAGE_OFFSET + BigInt(pa);
  }
  u64(pa: number, v: bigint): void {
    this.mem.writeBigUInt64LE(BigInt.asUintN(64, v), pa);
  }
  u32(pa: number, v: number): void {
    this.mem.writeUInt32LE(v >>> 0, pa);
  }
  u16(pa: number, v: number): void {
    this.mem.writeUInt16LE(v, pa);
  }
  bytes(pa: number, b: Buffer | string): void {
    (typeof b === 'string' ? Buffer.from(b, 'latin1') : b).copy(this.mem, pa);
  }
  info(line: string): void {
    this.lines.push(line);
  }
  /**
   * 4-level page tables at pa 0x10000..0x13fff: the direct map's first 2 MiB through a 2 MiB page,
   * plus the direct map's next 4 KiB pages through a page table. Adds SYMBOL(init_top_pgt).
   */
  pageTables(opts: { fourK?: [number, number][]; sme?: bigint } = {}): void {
    const top = 0x10000;
    const pud = 0x11000;
    const pmd = 0x12000;
    const pt = 0x13000;
    const sme = opts.sme ?? 0n;
    const idx = (va: bigint, shift: bigint): number => Number((va >> shift) & 0x1ffn);
    this.u64(top + idx(PAGE_OFFSET, 39n) * 8, BigInt(pud) | sme | 0x63n);
    this.u64(pud + idx(PAGE_OFFSET, 30n) * 8, BigInt(pmd) | sme | 0x63n);
    this.u64(pmd, 0n | sme | 0xe3n); // 2 MiB page: pa 0..2 MiB, PSE
    this.u64(pmd + 8, BigInt(pt) | sme | 0x63n); // next 2 MiB of VA through 4 KiB pages
    for (const [vaPage, pa] of opts.fourK ?? []) this.u64(pt + vaPage * 8, BigInt(pa) | sme | 0x63n);
    this.info(`SYMBOL(init_top_pgt)=${this.textVa(top).toString(16)}`);
  }
  vmcoreinfo(): string {
    return this.lines.join('\n') + '\n';
  }
  writeElf(path: string, extraNotes: Buffer = Buffer.alloc(0), extraLoads: LoadSpec[] = []): void {
    const vmci = Buffer.from(this.vmcoreinfo(), 'latin1');
    writeElfCore(path, Buffer.concat([extraNotes, note('VMCOREINFO', 0, vmci)]), [{ paddr: 0, data: this.mem }, ...extraLoads]);
  }
  /** The image as kdump pages (every page stored; all-zero pages share the zero page). */
  kdumpPages(pageSize = 4096): Map<number, Buffer> {
    const m = new Map<number, Buffer>();
    for (let pfn = 0; pfn * pageSize < this.mem.length; pfn++) m.set(pfn, this.mem.subarray(pfn * pageSize, (pfn + 1) * pageSize));
    return m;
  }
}

/** A small image whose log is one record "hello from a hand-made dump" (lockless, 6.1 offsets). */
export function helloImage(): SynthImage {
  const img = new SynthImage(1 << 20);
  const prbVar = 0x1000, prb = 0x2000, descs = 0x3000, infos = 0x4000, data = 0x5000;
  img.info('OSRELEASE=6.1.0-handmade');
  img.info('PAGESIZE=4096');
  img.info('NUMBER(phys_base)=0');
  img.info(`SYMBOL(init_top_pgt)=${img.textVa(0x10000).toString(16)}`);
  img.info(`SYMBOL(prb)=${img.textVa(prbVar).toString(16)}`);
  for (const l of [
    'SIZE(printk_ringbuffer)=88', 'OFFSET(printk_ringbuffer.desc_ring)=0', 'OFFSET(printk_ringbuffer.text_data_ring)=48',
    'OFFSET(prb_desc_ring.count_bits)=0', 'OFFSET(prb_desc_ring.descs)=8', 'OFFSET(prb_desc_ring.infos)=16',
    'OFFSET(prb_desc_ring.head_id)=24', 'OFFSET(prb_desc_ring.tail_id)=32', 'SIZE(prb_desc)=24', 'OFFSET(prb_desc.state_var)=0',
    'OFFSET(prb_desc.text_blk_lpos)=8', 'OFFSET(prb_data_blk_lpos.begin)=0', 'OFFSET(prb_data_blk_lpos.next)=8',
    'SIZE(printk_info)=88', 'OFFSET(printk_info.ts_nsec)=8', 'OFFSET(printk_info.text_len)=16',
    'OFFSET(prb_data_ring.size_bits)=0', 'OFFSET(prb_data_ring.data)=8', 'OFFSET(atomic_long_t.counter)=0',
  ]) img.info(l);
  img.u64(prbVar, img.textVa(prb));
  img.u32(prb, 2);
  img.u64(prb + 8, img.textVa(descs));
  img.u64(prb + 16, img.textVa(infos));
  img.u64(prb + 24, 0n);
  img.u64(prb + 32, 0n);
  img.u32(prb + 48, 12);
  img.u64(prb + 56, img.textVa(data));
  const text = 'hello from a hand-made dump';
  img.u64(descs, (2n << 62n) | 0n);
  img.u64(descs + 8, 0n);
  img.u64(descs + 16, BigInt((8 + text.length + 7) & ~7));
  img.u64(infos + 8, 7_000_000n);
  img.u16(infos + 16, text.length);
  img.bytes(data + 8, text);
  return img;
}
export const HELLO_LOG = '[    0.007000] hello from a hand-made dump\n';

import { OrcTable, OrcUnwindData } from './orc.js';

// ---- hand-made unwinder environments (unwind tests and the unwind fuzz target) ----

export const SYN_STACK = 0xffffc90000000000n;
export const SYN_TEXT = 0xffffffff81000000n;
export const SYN_IPT = 0xffffffff82000000n;
export const SYN_ORC = 0xffffffff83000000n;

/**
 * An unwinder environment over one buffer: `stack` is a 16 KiB task stack at SYN_STACK, `text` is core text
 * at SYN_TEXT (code bytes, e.g. e8 calls), `ipTable`/`orc` the ORC tables (s32 relative ips, 6-byte entries)
 * at SYN_IPT/SYN_ORC. Reads outside the given bytes fault like missing pages.
 */
export function syntheticUnwindEnv(parts: { stack: Buffer; text: Buffer; ipTable?: Buffer; orc?: Buffer; orcCount?: number }) {
  const regions: [bigint, Buffer][] = [[SYN_STACK, parts.stack], [SYN_TEXT, parts.text], [SYN_IPT, parts.ipTable ?? Buffer.alloc(0)], [SYN_ORC, parts.orc ?? Buffer.alloc(0)]];
  const bytes = (va: bigint, len: number, what: string): Buffer => {
    for (const [base, b] of regions) {
      if (va >= base && va + BigInt(len) <= base + BigInt(b.length)) return b.subarray(Number(va - base), Number(va - base) + len);
    }
    throw new Error(`${what} at ${va.toString(16)}: not in the dump`);
  };
  const k = {
    dump: { path: 'hand-made' },
    gaps: [] as { source: string; what: string }[],
    bytes,
    u64: (va: bigint, what: string) => bytes(va, 8, what).readBigUInt64LE(0),
    symbols: {
      byName: () => [],
      lookup: (a: bigint) => (a >= SYN_TEXT && a < SYN_TEXT + BigInt(parts.text.length) ? { name: `fn_${((a - SYN_TEXT) >> 6n).toString(16)}`, type: 't', address: SYN_TEXT + ((a - SYN_TEXT) & ~63n), offset: (a - SYN_TEXT) & 63n, size: 64n, module: null } : null),
    },
  };
  const n = parts.orcCount ?? Math.min(Math.floor((parts.ipTable?.length ?? 0) / 4), Math.floor((parts.orc?.length ?? 0) / 6));
  const orc = n > 0 ? new OrcUnwindData(new OrcTable(k, SYN_IPT, SYN_ORC, n, 1, 'hand-made'), null, []) : null;
  return {
    k: k as unknown as import('./kernel.js').KernelContext,
    orc,
    stacks: [{ kind: 'task' as const, label: 'task stack', lo: SYN_STACK, hi: SYN_STACK + 16384n }],
    text: { lo: SYN_TEXT, hi: SYN_TEXT + BigInt(parts.text.length) },
    isModuleText: () => false,
  };
}

// ---- BTF blobs (include/uapi/linux/btf.h layout) ----

export interface BtfMemberSpec { name: string; type: number; bitOffset: number; bitSize?: number }

/** Writes hand-made BTF blobs: a 24-byte header, btf_type records with their trailers, the string section. */
export class BtfBuilder {
  private strs: Buffer[] = [Buffer.from([0])];
  private strLen = 1;
  private strMap = new Map<string, number>();
  private recs: Buffer[] = [];
  /** Raw string section override (bad-input tests). */
  rawStrings: Buffer | null = null;

  str(s: string): number {
    if (s === '') return 0;
    const hit = this.strMap.get(s);
    if (hit !== undefined) return hit;
    const off = this.strLen;
    const b = Buffer.from(s + '\0', 'latin1');
    this.strs.push(b);
    this.strLen += b.length;
    this.strMap.set(s, off);
    return off;
  }

  /** A record: kind, name (string or raw offset), vlen, kind_flag, size-or-type, then trailer u32 words. */
  add(kind: number, name: string | number, vlen: number, kflag: boolean, sizeOrType: number, trailer: number[] = []): number {
    const b = Buffer.alloc(12 + trailer.length * 4);
    b.writeUInt32LE(typeof name === 'number' ? name : this.str(name), 0);
    b.writeUInt32LE(((kflag ? 1 : 0) << 31 | (kind & 0x1f) << 24 | (vlen & 0xffff)) >>> 0, 4);
    b.writeUInt32LE(sizeOrType >>> 0, 8);
    trailer.forEach((w, i) => b.writeUInt32LE(w >>> 0, 12 + i * 4));
    this.recs.push(b);
    return this.recs.length;
  }

  int(name: string, size: number, o: { signed?: boolean; char?: boolean; bool?: boolean; bits?: number; offset?: number } = {}): number {
    const enc = (o.signed ? 1 : 0) | (o.char ? 2 : 0) | (o.bool ? 4 : 0);
    return this.add(1, name, 0, false, size, [(enc << 24) | ((o.offset ?? 0) << 16) | (o.bits ?? size * 8)]);
  }
  ptr(t: number): number { return this.add(2, '', 0, false, t); }
  array(elem: number, index: number, n: number): number { return this.add(3, '', 0, false, 0, [elem, index, n]); }
  struct(name: string, size: number, members: BtfMemberSpec[], union = false): number {
    const kflag = members.some((m) => m.bitSize);
    const words = members.flatMap((m) => [this.str(m.name), m.type, kflag ? ((m.bitSize ?? 0) << 24) | m.bitOffset : m.bitOffset]);
    return this.add(union ? 5 : 4, name, members.length, kflag, size, words);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    return this.add(6, name, values.length, signed, size, values.flatMap(([n, v]) => [this.str(n), v >>> 0]));
  }
  enum64(name: string, values: [string, bigint][], signed = false): number {
    return this.add(19, name, values.length, signed, 8, values.flatMap(([n, v]) => { const u = BigInt.asUintN(64, v); return [this.str(n), Number(u & 0xffffffffn), Number(u >> 32n)]; }));
  }
  fwd(name: string, union = false): number { return this.add(7, name, 0, union, 0); }
  typedef(name: string, t: number): number { return this.add(8, name, 0, false, t); }
  volatile(t: number): number { return this.add(9, '', 0, false, t); }
  const(t: number): number { return this.add(10, '', 0, false, t); }
  restrict(t: number): number { return this.add(11, '', 0, false, t); }
  func(name: string, proto: number, linkage = 1): number { return this.add(12, name, linkage, false, proto); }
  funcProto(ret: number, params: [string, number][], variadic = false): number {
    const ps = [...params, ...(variadic ? [['', 0] as [string, number]] : [])];
    return this.add(13, '', ps.length, false, ret, ps.flatMap(([n, t]) => [this.str(n), t]));
  }
  var(name: string, t: number, linkage = 1): number { return this.add(14, name, 0, false, t, [linkage]); }
  datasec(name: string, size: number, vars: [number, number, number][]): number { return this.add(15, name, vars.length, false, size, vars.flat()); }
  float(name: string, size: number): number { return this.add(16, name, 0, false, size); }
  declTag(name: string, t: number, componentIdx = -1): number { return this.add(17, name, 0, false, t, [componentIdx]); }
  typeTag(name: string, t: number): number { return this.add(18, name, 0, false, t); }

  build(): Buffer {
    const types = Buffer.concat(this.recs);
    const strs = this.rawStrings ?? Buffer.concat(this.strs);
    const h = Buffer.alloc(24);
    h.writeUInt16LE(0xeb9f, 0);
    h[2] = 1;
    h.writeUInt32LE(24, 4);
    h.writeUInt32LE(0, 8);
    h.writeUInt32LE(types.length, 12);
    h.writeUInt32LE(types.length, 16);
    h.writeUInt32LE(strs.length, 20);
    return Buffer.concat([h, types, strs]);
  }
}
