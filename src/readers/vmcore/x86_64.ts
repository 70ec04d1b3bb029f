// x86_64 kernel virtual to physical addresses without the debug vmlinux: kernel text and data through
// __START_KERNEL_map + phys_base, everything else (direct map at page_offset_base under KASLR, vmalloc,
// modules) by walking the kernel page tables from init_top_pgt (4 or 5 levels; 1 GiB and 2 MiB pages;
// the SME encryption bit masked off). The walk has a fixed depth, so a page-table loop cannot hang it.
import { PageCache } from './memory.js';
import { type VmcoreInfo } from './vmcoreinfo.js';

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
