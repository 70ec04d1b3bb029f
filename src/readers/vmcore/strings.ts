// Printable strings in a range of kernel memory, like crash's `rd -a`: runs of printable ASCII of at
// least MIN_LEN bytes, each with its address. Used on memory that no symbol names (a hidden module's
// core memory, the page around an unknown code address) to show what the code there is about.
import { type KernelContext, hex } from './kernel.js';

export interface FoundString {
  address: bigint;
  text: string;
  /** The object the range belongs to (`hidden module at ...`). */
  region: string;
}

export const MIN_LEN = 4;
const MAX_RANGE = 4 << 20;

export function scanStrings(k: KernelContext, start: bigint, len: number, region: string, max = 2000): FoundString[] {
  const out: FoundString[] = [];
  const end = start + BigInt(Math.min(len, MAX_RANGE));
  // Page by page: pages missing from the dump are skipped (one gap for the range).
  let missing = 0;
  let run = '';
  let runStart = 0n;
  const flush = (): void => {
    if (run.length >= MIN_LEN && out.length < max) out.push({ address: runStart, text: run.slice(0, 200), region });
    run = '';
  };
  for (let page = start & ~0xfffn; page < end; page += 0x1000n) {
    let b: Buffer;
    try {
      b = k.bytes(page, 4096, region);
    } catch {
      missing++;
      flush();
      continue;
    }
    const from = page < start ? Number(start - page) : 0;
    const to = page + 4096n > end ? Number(end - page) : 4096;
    for (let i = from; i < to; i++) {
      const c = b[i]!;
      if (c >= 0x20 && c < 0x7f) {
        if (!run) runStart = page + BigInt(i);
        run += String.fromCharCode(c);
      } else flush();
    }
  }
  flush();
  if (missing) k.gap(`${region}: ${missing} page(s) from ${hex(start)} are not in the dump (strings not scanned there)`);
  return out;
}
