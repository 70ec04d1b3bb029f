// KdumpMemory internals that the lab tests only reach indirectly: the word-at-a-time bit count used to
// find a page's descriptor, checked against a byte-by-byte count on the lab's real 2nd bitmap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CachedFile } from './file.js';
import { parseKdumpHeader, popcount } from './kdump.js';
import { LAB, labPresent } from './testkit.js';

function naive(b: Uint8Array, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) for (let v = b[i]!; v; v >>= 1) c += v & 1;
  return c;
}

const dump = join(LAB, 'stack-protector-module', 'vmcore');
const skip = labPresent && existsSync(dump) ? false : `lab dump ${dump} not found: skipped`;

test('popcount equals a bit-by-bit count on the lab kdump bitmaps, at every alignment', { skip }, () => {
  const f = new CachedFile(dump);
  try {
    const h = parseKdumpHeader(f);
    const off = (1 + h.subHdrSize) * h.blockSize;
    const len = Math.min(h.bitmapBlocks * h.blockSize, 1 << 16);
    const bitmap = f.read(off, len);
    // The whole first 64 KiB (1st bitmap, then the start of the 2nd) and ranges starting and ending at every alignment.
    assert.equal(popcount(bitmap, 0, bitmap.length), naive(bitmap, 0, bitmap.length));
    assert.ok(naive(bitmap, 0, bitmap.length) > 0);
    for (let from = 0; from < 8; from++)
      for (const to of [from, from + 1, from + 255, from + 256, from + 1027, bitmap.length - 3])
        assert.equal(popcount(bitmap, from, to), naive(bitmap, from, to), `bits in [${from}, ${to})`);
    // A view that is not 4-byte aligned takes the byte-by-byte path.
    const odd = Buffer.alloc(bitmap.length + 1).subarray(1);
    bitmap.copy(odd);
    assert.equal(popcount(odd, 0, odd.length), naive(bitmap, 0, bitmap.length));
  } finally {
    f.close();
  }
});
