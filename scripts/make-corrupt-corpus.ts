// The corrupt-dump corpus (issue 5): damaged variants of a real lab dump, each with the behaviour
// ktriage must show on it. `node dist/scripts/make-corrupt-corpus.js OUTDIR [--all]` writes them and a
// cases.json; test/hardening/corrupt-dumps.test.ts builds a handful per class into os.tmpdir() and
// checks each. The base is the lab's sysrq-c kdump (lzo, makedumpfile -l -d 31) carved to the pages
// its kernel log needs (real header, VMCOREINFO, notes and compressed pages: scripts/fuzz-targets.ts
// carveKdump/buildKdump); without ../shared, the vmcore test kit's hand-made kdump.
//
// Behaviour classes:
//   ok       the dump reads with no gap (control cases, a sparse 2 TB tail)
//   partial  readVmcore returns, with at least one gap whose text matches `gap`
//   error    readVmcore throws one plain Error whose one-line message matches `error`
// Every case must also finish within its time budget (ms).
import { closeSync, mkdirSync, openSync, readFileSync, readSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildKdump, carved, scratchDir, type FuzzTarget } from './fuzz-targets.js';
import { Dump } from '../src/readers/vmcore/dump.js';
import { KdumpMemory } from '../src/readers/vmcore/kdump.js';
import { helloImage, note, prstatus, writeElfCore, writeKdump } from '../src/readers/vmcore/testkit.js';

export type Behaviour = 'ok' | 'partial' | 'error';

export interface CorruptCase {
  name: string;
  /** truncated, header-bits, bitmap-bits, descriptor-bits, vmcoreinfo, printk-indices, pagetable-loop, sparse-2tb */
  klass: string;
  file: string;
  expect: Behaviour;
  /** Pattern of the error message (error) or of one gap (partial). */
  pattern: string;
  budgetMs: number;
}

interface Layout {
  bs: number;
  subHdrSize: number;
  bitmapOff: number;
  bitmapBlocks: number;
  descOff: number;
  dumped: number;
  dataEnd: number;
  vmciOff: number;
  vmciSize: number;
}

function layoutOf(b: Buffer): Layout {
  const bs = b.readInt32LE(428);
  const subHdrSize = b.readInt32LE(432);
  const bitmapBlocks = b.readUInt32LE(436);
  const bitmapOff = (1 + subHdrSize) * bs;
  const half = (bitmapBlocks * bs) / 2;
  let dumped = 0;
  for (let i = bitmapOff + half; i < bitmapOff + 2 * half; i++) for (let v = b[i]!; v; v &= v - 1) dumped++;
  return {
    bs, subHdrSize, bitmapOff, bitmapBlocks, descOff: bitmapOff + bitmapBlocks * bs, dumped, dataEnd: b.length,
    vmciOff: Number(b.readBigUInt64LE(bs + 32)), vmciSize: Number(b.readBigUInt64LE(bs + 40)),
  };
}

/** The base dump: the carved lab kdump, else the test kit's hand-made one (makedumpfile's layout). */
export function baseDump(): { data: Buffer; real: boolean } {
  const c = carved('sysrq-c');
  if (c) return { data: buildKdump(c), real: true };
  const f = join(scratchDir(), 'hello.kdump');
  const img = helloImage();
  writeKdump(f, { pageSize: 4096, maxPfn: 256, pages: img.kdumpPages(), vmcoreinfo: img.vmcoreinfo(), codec: 'zlib', release: '6.1.0-handmade' });
  return { data: readFileSync(f), real: false };
}

/** Page frame and page offset of a kernel virtual address in the base dump, and its descriptor offset. */
function locate(file: string, va: bigint): { pfn: number; inPage: number; desc: number } | null {
  const d = new Dump(file);
  try {
    const t = d.translator?.translate(va);
    if (!t || 'error' in t || !(d.mem instanceof KdumpMemory)) return null;
    const pfn = Math.floor(t.pa / d.mem.pageSize);
    const b = readFileSync(file);
    const L = layoutOf(b);
    const half = (L.bitmapBlocks * L.bs) / 2;
    let rank = 0;
    for (let p = 0; p < pfn; p++) if ((b[L.bitmapOff + half + (p >> 3)]! >> (p & 7)) & 1) rank++;
    return { pfn, inPage: t.pa - pfn * d.mem.pageSize, desc: L.descOff + rank * 24 };
  } finally {
    d.close();
  }
}

/** Replaces page `pfn` of a kdump by `page` stored uncompressed (appended; its descriptor updated). */
function rewritePage(b: Buffer, desc: number, page: Buffer): Buffer {
  const out = Buffer.concat([b, page]);
  out.writeBigUInt64LE(BigInt(b.length), desc);
  out.writeUInt32LE(page.length, desc + 8);
  out.writeUInt32LE(0, desc + 12);
  return out;
}

function pageOf(file: string, pfn: number): Buffer {
  const d = new Dump(file);
  try {
    const p = d.mem.readPage(pfn);
    return Buffer.from(p.data ?? Buffer.alloc(4096));
  } finally {
    d.close();
  }
}

function vmcoreinfoValue(b: Buffer, L: Layout, key: string): string | null {
  const text = b.toString('latin1', L.vmciOff, L.vmciOff + L.vmciSize);
  const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}=(.*)$`, 'm').exec(text);
  return m ? m[1]! : null;
}

/** Writes the corpus into dir; `all` gives many cases per class, else a handful (CI). */
export function makeCorruptCorpus(dir: string, all = false): CorruptCase[] {
  mkdirSync(dir, { recursive: true });
  const { data: base, real } = baseDump();
  const L = layoutOf(base);
  const cases: CorruptCase[] = [];
  const put = (name: string, klass: string, data: Buffer, expect: Behaviour, pattern: string, budgetMs = 2000): string => {
    const file = join(dir, `${name}.kdump`);
    writeFileSync(file, data);
    cases.push({ name, klass, file, expect, pattern, budgetMs });
    return file;
  };
  const baseFile = put('control', 'control', base, 'ok', '');

  // Truncated at many points: inside the header, the sub-header, the bitmaps, the descriptors, the data.
  const points = new Set<number>([0, 7, 100, 463, 464, L.bs, L.bs + 200, L.bitmapOff + 1, L.descOff - 1, L.descOff + 12, L.descOff + L.dumped * 24 + 1, Math.floor(base.length * 0.75), base.length - 1]);
  if (all) for (let i = 1; i < 64; i++) points.add(Math.floor((base.length * i) / 64));
  for (const at of [...points].sort((a, b) => a - b)) {
    let expect: Behaviour;
    let pattern: string;
    if (at === 0) [expect, pattern] = ['error', '^empty file$'];
    else if (at < 8) [expect, pattern] = ['error', '^not a vmcore'];
    else if (at < 464) [expect, pattern] = ['error', '^kdump header truncated$'];
    else if (at < L.bitmapOff + L.bitmapBlocks * L.bs) [expect, pattern] = ['error', 'truncated|no VMCOREINFO|bitmaps extend past end of file'];
    else [expect, pattern] = ['partial', 'kernel log|printk|not in the dump|pages?'];
    put(`truncated-at-${at}`, 'truncated', base.subarray(0, at), expect, pattern);
  }

  // Flipped bits in header fields with a known meaning.
  const flip = (off: number, mask: number): Buffer => {
    const b = Buffer.from(base);
    b[off] = b[off]! ^ mask;
    return b;
  };
  put('header-signature', 'header-bits', flip(0, 0x01), 'error', '^not a vmcore');
  put('header-block-size', 'header-bits', flip(428 + 1, 0x01), 'error', 'bad block size');
  put('header-sub-size', 'header-bits', flip(432 + 3, 0x40), 'error', 'bad sub-header size');
  put('header-bitmap-blocks', 'header-bits', flip(436 + 3, 0x40), 'error', 'bitmaps extend past end of file');
  put('header-version', 'header-bits', flip(8 + 3, 0x80), 'error', 'bad version');
  put('subheader-vmcoreinfo-offset', 'header-bits', flip(L.bs + 32 + 5, 0x10), 'partial', 'VMCOREINFO has neither SYMBOL\\(prb\\)');
  // utsname strings other than machine (12 + 65 * 4: a changed machine is another architecture) are informative only.
  if (all) for (let off = 12; off < 428; off += 13) if (off < 272 || off >= 337) put(`header-utsname-${off}`, 'header-bits', flip(off, 0x20), 'ok', '');

  // The second bitmap loses the log's pages: they read as filtered out.
  {
    const b = Buffer.from(base);
    const half = (L.bitmapBlocks * L.bs) / 2;
    b.fill(0, L.bitmapOff + half, L.bitmapOff + 2 * half);
    put('bitmap2-cleared', 'bitmap-bits', b, 'partial', 'cannot read the kernel log');
  }
  {
    // One stray bit set early in the 2nd bitmap shifts every later descriptor by one (rank).
    const b = Buffer.from(base);
    const half = (L.bitmapBlocks * L.bs) / 2;
    let i = L.bitmapOff + half;
    while (b[i] !== 0 && i < L.bitmapOff + 2 * half) i++;
    b[i] = b[i]! | 1;
    put('bitmap2-stray-bit', 'bitmap-bits', b, 'partial', 'kernel log|printk|page');
  }

  // Descriptors: every stored page's descriptor points past the file, or has a zero size, or a bad codec flag.
  for (const [what, field, value] of [['offset-past-eof', 0, 1n << 50n], ['size-zero', 8, 0n], ['size-huge', 8, 0xffffffffn], ['flags-none', 12, 0n]] as const) {
    const b = Buffer.from(base);
    for (let k = 0; k < L.dumped; k++) {
      const at = L.descOff + k * 24 + field;
      if (field === 0) b.writeBigUInt64LE(value, at);
      else b.writeUInt32LE(Number(value), at);
    }
    put(`descriptors-${what}`, 'descriptor-bits', b, 'partial', 'cannot read the kernel log|printk');
  }

  // VMCOREINFO zeroed (its size kept): nothing to translate or find the log with.
  {
    const b = Buffer.from(base);
    b.fill(0, L.vmciOff, L.vmciOff + L.vmciSize);
    put('vmcoreinfo-zeroed', 'vmcoreinfo', b, 'partial', 'cannot read the kernel log: VMCOREINFO has neither SYMBOL\\(prb\\) nor SYMBOL\\(log_buf\\)');
  }

  // A printk ring with wild head/tail indices: the reader reads one lap of descriptors and says so.
  const prbSym = vmcoreinfoValue(base, L, 'SYMBOL(prb)');
  if (prbSym) {
    const d = new Dump(baseFile);
    let prbVa: bigint | null = null;
    try {
      prbVa = d.readU64(BigInt('0x' + prbSym));
    } finally {
      d.close();
    }
    const oDr = Number(vmcoreinfoValue(base, L, 'OFFSET(printk_ringbuffer.desc_ring)') ?? 0);
    const oHead = Number(vmcoreinfoValue(base, L, 'OFFSET(prb_desc_ring.head_id)') ?? 24);
    const oTail = Number(vmcoreinfoValue(base, L, 'OFFSET(prb_desc_ring.tail_id)') ?? 32);
    const where = prbVa === null ? null : locate(baseFile, prbVa);
    if (where) {
      const far = 'printk ring indices are inconsistent';
      const wild: [string, bigint, bigint, string][] = [
        ['head-far-ahead', 1n << 40n, 0n, far], ['tail-far-behind', 5n, (1n << 62n) - (1n << 40n), far],
        // Close together, so within one lap, but naming ids no descriptor holds.
        ['close-but-wrong', (1n << 24n) + 5n, 1n << 24n, 'the printk ring holds no record between tail'],
      ];
      if (all) wild.push(['head-all-ones', 0xffffffffffffffffn, 0n, far], ['tail-2-to-61', 3n, 1n << 61n, far]);
      for (const [what, head, tail, expect] of wild) {
        const page = pageOf(baseFile, where.pfn);
        page.writeBigUInt64LE(head, where.inPage + oDr + oHead);
        page.writeBigUInt64LE(tail, where.inPage + oDr + oTail);
        put(`printk-${what}`, 'printk-indices', rewritePage(base, where.desc, page), 'partial', expect);
      }
    }
  }

  // A page-table loop: every entry of the top-level table points back to the table itself.
  const top = vmcoreinfoValue(base, L, 'SYMBOL(init_top_pgt)');
  if (top) {
    const where = locate(baseFile, BigInt('0x' + top));
    if (where) {
      const page = pageOf(baseFile, where.pfn);
      const self = BigInt(where.pfn * 4096) | 0x63n;
      for (let i = 0; i < 512; i++) page.writeBigUInt64LE(self, i * 8);
      put('pagetable-self-loop', 'pagetable-loop', rewritePage(base, where.desc, page), 'partial', 'cannot read the kernel log|not in the dump|not mapped');
    }
  }

  // A 2 TB sparse file: the dump followed by a hole (kdump), and an ELF core with a 2 TB sparse PT_LOAD.
  {
    const f = put('sparse-2tb-tail', 'sparse-2tb', base, 'ok', '', 3000);
    truncateSync(f, 2 * 2 ** 40);
    const elf = join(dir, 'sparse-2tb.elf');
    const img = helloImage();
    writeElfCore(elf, Buffer.concat([prstatus(1), note('VMCOREINFO', 0, Buffer.from(img.vmcoreinfo(), 'latin1'))]), [{ paddr: 0, data: img.mem }, { paddr: 1 << 30, data: Buffer.alloc(0), sparse: 2 * 2 ** 40 }]);
    cases.push({ name: 'sparse-2tb-elf', klass: 'sparse-2tb', file: elf, expect: 'ok', pattern: '', budgetMs: 3000 });
    // The same ELF whose sparse segment claims a file offset past the end: the segment is dropped.
    const head = Buffer.alloc(8192);
    const rfd = openSync(elf, 'r');
    try {
      readSync(rfd, head, 0, head.length, 0);
    } finally {
      closeSync(rfd);
    }
    const lying = join(dir, 'sparse-2tb-lying.elf');
    writeFileSync(lying, head);
    cases.push({ name: 'sparse-2tb-elf-truncated', klass: 'sparse-2tb', file: lying, expect: 'partial', pattern: '.', budgetMs: 3000 });
  }

  writeFileSync(join(dir, 'cases.json'), JSON.stringify({ base: real ? 'lab sysrq-c (carved)' : 'hand-made', cases }, null, 1));
  return cases;
}

export type { FuzzTarget };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: make-corrupt-corpus OUTDIR [--all]');
    process.exitCode = 2;
  } else {
    const cases = makeCorruptCorpus(dir, process.argv.includes('--all'));
    console.log(`${cases.length} cases written to ${dir} (cases.json lists the expected behaviour of each)`);
  }
}
