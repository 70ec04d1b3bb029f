// x86_64 address translation on hand-made page tables (layout of arch/x86/include/asm/pgtable_types.h:
// present bit 0, PSE bit 7 at PUD/PMD level, physical address bits 12-51, SME C-bit masked by sme_mask).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Dump } from './dump.js';
import { PAGE_OFFSET, START_KERNEL_MAP, SynthImage, tempDir } from './testkit.js';

function open(img: SynthImage, name: string): Dump {
  const f = join(tempDir(), name);
  img.writeElf(f);
  return new Dump(f);
}

function pa(d: Dump, va: bigint): number | string {
  const t = d.translator!.translate(va);
  return 'pa' in t ? t.pa : t.error;
}

test('kernel text through __START_KERNEL_map + phys_base (positive and negative phys_base)', () => {
  const img = new SynthImage();
  img.info('NUMBER(phys_base)=1048576');
  img.info(`SYMBOL(init_top_pgt)=${(START_KERNEL_MAP + 0x10000n).toString(16)}`);
  const d = open(img, 'text.elf');
  assert.equal(pa(d, START_KERNEL_MAP + 0x1234n), 0x101234);
  d.close();
  const img2 = new SynthImage();
  img2.info('NUMBER(phys_base)=-4096');
  img2.info(`SYMBOL(init_top_pgt)=${(START_KERNEL_MAP + 0x11000n).toString(16)}`);
  const d2 = open(img2, 'text2.elf');
  assert.equal(pa(d2, START_KERNEL_MAP + 0x2000n), 0x1000);
  d2.close();
});

test('4-level walk: 2 MiB page, 4 KiB pages, 1 GiB page, holes, SME bit masked', () => {
  for (const sme of [0n, 1n << 47n]) {
    const img = new SynthImage();
    img.info('NUMBER(phys_base)=0');
    if (sme) img.info(`NUMBER(sme_mask)=${sme}`);
    img.pageTables({ fourK: [[5, 0x30000]], sme });
    // A 1 GiB page at the direct map's second GiB (PUD index 1, PSE).
    img.u64(0x11000 + 8, (1n << 30n) | sme | 0xe3n);
    const d = open(img, `walk-${sme}.elf`);
    assert.equal(pa(d, PAGE_OFFSET + 0x1fffffn), 0x1fffff);
    assert.equal(pa(d, PAGE_OFFSET + 0x200000n + 5n * 4096n + 0x10n), 0x30010);
    assert.match(String(pa(d, PAGE_OFFSET + 0x200000n + 6n * 4096n)), /is not mapped/);
    assert.equal(pa(d, PAGE_OFFSET + (1n << 30n) + 0x12345n), 0x40012345);
    assert.match(String(pa(d, 0xffffc90000000000n)), /is not mapped/);
    // Reads through the direct map give the bytes of the physical page.
    img.bytes(0x30010, 'direct');
    d.close();
    const d2 = open(img, `walk2-${sme}.elf`);
    assert.equal(d2.readVirt(PAGE_OFFSET + 0x200000n + 5n * 4096n + 0x10n, 6).data.toString(), 'direct');
    d2.close();
  }
});

test('5-level walk when VMCOREINFO says pgtable_l5_enabled=1', () => {
  const img = new SynthImage();
  img.info('NUMBER(phys_base)=0');
  img.info('NUMBER(pgtable_l5_enabled)=1');
  img.info(`SYMBOL(init_top_pgt)=${(START_KERNEL_MAP + 0x10000n).toString(16)}`);
  const va = 0xff11000000000000n; // page_offset_base with 5 levels
  const idx = (shift: bigint): number => Number((va >> shift) & 0x1ffn);
  img.u64(0x10000 + idx(48n) * 8, 0x11000n | 0x63n); // PGD -> P4D
  img.u64(0x11000 + idx(39n) * 8, 0x12000n | 0x63n); // P4D -> PUD
  img.u64(0x12000 + idx(30n) * 8, 0x13000n | 0x63n); // PUD -> PMD
  img.u64(0x13000 + idx(21n) * 8, 0x14000n | 0x63n); // PMD -> PT
  img.u64(0x14000 + idx(12n) * 8, 0x50000n | 0x63n); // PTE
  const d = open(img, 'l5.elf');
  assert.equal(d.translator!.levels, 5);
  assert.equal(pa(d, va + 0x123n), 0x50123);
  d.close();
});

test('a page-table loop cannot hang the walk', () => {
  const img = new SynthImage();
  img.info('NUMBER(phys_base)=0');
  img.info(`SYMBOL(init_top_pgt)=${(START_KERNEL_MAP + 0x10000n).toString(16)}`);
  for (let i = 0; i < 512; i++) img.u64(0x10000 + i * 8, 0x10000n | 0x63n); // every entry points back at the top
  const d = open(img, 'loop.elf');
  const r = pa(d, PAGE_OFFSET + 0x1000n);
  assert.equal(typeof r, 'number'); // a fixed-depth walk ends (at the table page itself)
  d.close();
});

test('ELF cores with overlapping PT_LOADs (QEMU with paging maps a page more than once)', async () => {
  const { writeElfCore, note } = await import('./testkit.js');
  const img = new SynthImage(1 << 16);
  img.info('NUMBER(phys_base)=0');
  img.info(`SYMBOL(init_top_pgt)=${(START_KERNEL_MAP + 0x10000n).toString(16)}`);
  const page = (c: string): Buffer => Buffer.alloc(4096, c);
  const f = join(tempDir(), 'overlap.elf');
  writeElfCore(f, note('VMCOREINFO', 0, Buffer.from(img.vmcoreinfo())), [
    { paddr: 0, data: Buffer.concat([page('a'), page('b'), page('c'), page('d')]) },
    { paddr: 0x1000, data: page('b') },
    { paddr: 0x3000, data: page('d') },
  ]);
  const d = new Dump(f);
  assert.equal(d.readVirt(START_KERNEL_MAP + 0x2000n, 4).data.toString(), 'cccc');
  assert.equal(d.readVirt(START_KERNEL_MAP + 0x3ffen, 2).data.toString(), 'dd');
  assert.equal(d.readVirt(START_KERNEL_MAP + 0x4000n, 2).bad[0]!.status, 'absent');
  d.close();
});
