// Physical memory of a dump, page by page, whatever the file format.
import { IO } from './profile.js';

export type PageStatus = 'ok' | 'zero' | 'excluded' | 'absent' | 'corrupt';

export interface PageRead {
  status: PageStatus;
  /** Page contents for ok/zero (zero may share one buffer: never write into it). */
  data: Buffer | null;
  /** Why a page is corrupt. */
  why?: string;
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

/**
 * A cache of decoded pages in front of a PhysMemory (first in, first out; 1,024 pages = 4 MiB at most).
 * Bulk reads (kallsyms, BTF: `keep` false) take what the cache has but do not fill it: their pages are copied
 * once into the caller's buffer, so memory stays that buffer plus the cache, and the small reads that follow
 * (page tables, task structs, stacks) keep their pages. Pages decoded a second time are counted (the bench).
 */
export class PageCache {
  private map = new Map<number, PageRead>();
  private decoded = new Set<number>();
  /** Pages read (decoded) from the dump so far, cache misses (bench figures). */
  pagesRead = 0;
  /** Pages decoded more than once (evicted, or read in bulk and again later). */
  redecoded = 0;
  constructor(private mem: PhysMemory, private max = 1024) {}
  get(pfn: number, keep = true): PageRead {
    IO.pageGets++;
    const hit = this.map.get(pfn);
    if (hit) return hit;
    this.pagesRead++;
    IO.pagesDecoded++;
    if (this.decoded.has(pfn)) {
      this.redecoded++;
      IO.pagesRedecoded++;
    } else this.decoded.add(pfn);
    const r = this.mem.readPage(pfn);
    if (!keep) return r;
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
