// Opening a dump: recognises the format, reads its notes and VMCOREINFO, and gives virtual reads.
import { CachedFile, type RandomAccess } from './file.js';
import { PageCache, type PageStatus, type PhysMemory, type Truncation } from './memory.js';
import { type VmcoreInfo, parseVmcoreInfo } from './vmcoreinfo.js';
import { type Notes, parseNotes } from './notes.js';
import { type ElfCore, ElfMemory, isElf64, parseElfCore } from './elf.js';
import { FlatFile, isFlattened } from './flat.js';
import { DUMP_DH_COMPRESSED_INCOMPLETE, type KdumpHeader, KdumpMemory, isKdump, parseKdumpHeader } from './kdump.js';
import { X86_64Translator } from './x86_64.js';
import { phase, phaseStart } from './profile.js';

export type DumpFormat = 'kdump' | 'flattened' | 'elf';

export interface VirtRead {
  data: Buffer;
  /** Pages of the range that could not be read (filled with zeros in data). */
  bad: { offset: number; status: PageStatus | 'unmapped'; why: string }[];
}

const MAX_NOTE_BYTES = 16 << 20;
const ELF_MACHINES: Record<number, string> = { 3: 'i386', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 243: 'riscv64', 258: 'loongarch64' };
const MAX_VIRT_READ = 256 << 20;
const BULK_READ = 64 << 10;

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
    phaseStart();
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
      phase('open');
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
    // A bulk read (kallsyms, BTF) does not fill the page cache (memory.ts).
    const keep = len <= BULK_READ;
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
        const p = this.pages.get(pfn, keep);
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
