// LZO1X decoder: hand-made streams following the LZO1X instruction encoding (Linux
// Documentation/staging/lzo.rst), and random corruption that must end in LzoError, never a crash or hang.
// Real pages compressed by liblzo2 are decoded by lab.test.ts (the lab's lzo kdump files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lzo1xDecompress, LzoError } from './lzo.js';

const END = [0x11, 0x00, 0x00];

test('literal-only stream (first byte 17+n)', () => {
  const s = Uint8Array.from([17 + 5, ...Buffer.from('hello'), ...END]);
  assert.equal(Buffer.from(lzo1xDecompress(s, 4096)).toString(), 'hello');
});

test('M3 match with overlap after a literal run', () => {
  // 4 literals, then a 8-byte match at distance 4 (t = 32 | (8-2), distance-1 = 3 in the 14-bit field).
  const s = Uint8Array.from([17 + 4, ...Buffer.from('abcd'), 32 | 6, 3 << 2, 0x00, ...END]);
  assert.equal(Buffer.from(lzo1xDecompress(s, 4096)).toString(), 'abcdabcdabcd');
});

test('M2 match followed by a trailing literal', () => {
  // 3 literals (first byte < 21 takes the short literal path), M2: length 3, distance 3, one literal after.
  const s = Uint8Array.from([17 + 3, ...Buffer.from('xyz'), (2 << 5) | (2 << 2) | 1, 0, ...Buffer.from('w'), ...END]);
  assert.equal(Buffer.from(lzo1xDecompress(s, 4096)).toString(), 'xyzxyzw');
});

test('long literal run with zero-byte length extension', () => {
  const n = 3 + 15 + 255 + 10; // t=0, one zero byte (+255), then 10
  const lit = Buffer.alloc(n, 0x41);
  const s = Uint8Array.from([0, 0, 10, ...lit, ...END]);
  assert.equal(lzo1xDecompress(s, 4096).length, n);
});

test('output overrun, lookbehind before the start and truncated input are LzoErrors', () => {
  assert.throws(() => lzo1xDecompress(Uint8Array.from([17 + 5, ...Buffer.from('hello'), ...END]), 3), LzoError);
  assert.throws(() => lzo1xDecompress(Uint8Array.from([17 + 1, 0x61, 32 | 6, 0xfc, 0xff, ...END]), 4096), LzoError);
  assert.throws(() => lzo1xDecompress(Uint8Array.from([17 + 5, 0x61, 0x62]), 4096), LzoError);
  assert.throws(() => lzo1xDecompress(Uint8Array.from([1]), 4096), LzoError);
});

test('random corruption: LzoError or bounded output, never another exception', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const base = Uint8Array.from([17 + 4, ...Buffer.from('abcd'), 32 | 6, 3 << 2, 0x00, (2 << 5) | (2 << 2) | 1, 0, 0x77, ...END]);
  for (let i = 0; i < 20000; i++) {
    const s = i % 2 ? base.slice() : Uint8Array.from({ length: 1 + rnd(64) }, () => rnd(256));
    for (let k = 0; k < 1 + rnd(4); k++) s[rnd(s.length)] = rnd(256);
    try {
      const out = lzo1xDecompress(s, 256);
      assert.ok(out.length <= 256);
    } catch (err) {
      assert.ok(err instanceof LzoError, String(err));
    }
  }
});
