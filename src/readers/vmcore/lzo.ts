// LZO1X decompressor (the format makedumpfile -l writes per page via liblzo2's lzo1x_1_compress).
// Written by hand: npm has no maintained, bounds-checked LZO1X decoder. It follows the instruction set
// of LZO1X as documented in the Linux kernel's Documentation/staging/lzo.rst (state machine of
// lib/lzo/lzo1x_decompress_safe.c), without the kernel-only run-length extension. Every input read and
// output write is bounds-checked; a bad stream throws LzoError, never reads or writes out of range.

export class LzoError extends Error {}

const M2_MAX_OFFSET = 0x0800;

/** Decompresses `src` into a new buffer of at most `maxOut` bytes; returns the bytes produced. */
export function lzo1xDecompress(src: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  const n = lzo1xDecompressInto(src, out);
  return n === maxOut ? out : out.subarray(0, n);
}

export function lzo1xDecompressInto(src: Uint8Array, out: Uint8Array): number {
  const inLen = src.length;
  const outLen = out.length;
  let ip = 0;
  let op = 0;
  let t = 0;
  let next = 0;
  let state = 0;
  let mPos = 0;
  if (inLen < 3) throw new LzoError('lzo: input too short');

  const needIn = (n: number): void => {
    if (ip + n > inLen) throw new LzoError('lzo: input overrun');
  };
  const needOut = (n: number): void => {
    if (op + n > outLen) throw new LzoError('lzo: output overrun');
  };
  const copyLiterals = (n: number): void => {
    needIn(n);
    needOut(n);
    if (n < 16) for (let i = 0; i < n; i++) out[op + i] = src[ip + i]!;
    else out.set(src.subarray(ip, ip + n), op);
    ip += n;
    op += n;
  };
  const copyMatch = (from: number, n: number): void => {
    if (from < 0) throw new LzoError('lzo: lookbehind overrun');
    needOut(n);
    if (from + n <= op && n >= 16) out.copyWithin(op, from, from + n);
    else for (let i = 0; i < n; i++) out[op + i] = out[from + i]!; // overlapping copies repeat bytes
    op += n;
  };
  /** Length continuation: runs of zero bytes add 255 each, then one byte. */
  const zeroRun = (): number => {
    const start = ip;
    needIn(1);
    while (src[ip] === 0) {
      ip++;
      needIn(1);
    }
    const zeros = ip - start;
    return zeros * 255 + src[ip++]!;
  };

  let first = true;
  // Each iteration decodes one instruction; the loop is bounded by the input (every path consumes input).
  for (;;) {
    let doMatchNext = false;
    if (first && src[0]! > 17) {
      ip = 1;
      t = src[0]! - 17;
      if (t < 4) {
        next = t;
        doMatchNext = true;
      } else {
        copyLiterals(t);
        state = 4;
        first = false;
        continue;
      }
    }
    first = false;
    if (!doMatchNext) {
      needIn(1);
      t = src[ip++]!;
      if (t < 16) {
        if (state === 0) {
          if (t === 0) t += 15 + zeroRun();
          t += 3;
          copyLiterals(t);
          state = 4;
          continue;
        } else if (state !== 4) {
          next = t & 3;
          needIn(1);
          mPos = op - 1 - (t >> 2) - (src[ip++]! << 2);
          copyMatch(mPos, 2);
          doMatchNext = true;
        } else {
          next = t & 3;
          needIn(1);
          mPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (src[ip++]! << 2);
          t = 3;
        }
      } else if (t >= 64) {
        next = t & 3;
        needIn(1);
        mPos = op - 1 - ((t >> 2) & 7) - (src[ip++]! << 3);
        t = (t >> 5) - 1 + 2;
      } else if (t >= 32) {
        t = (t & 31) + 2;
        if (t === 2) t += 31 + zeroRun();
        needIn(2);
        next = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        mPos = op - 1 - (next >> 2);
        next &= 3;
      } else {
        mPos = op - ((t & 8) << 11);
        t = (t & 7) + 2;
        if (t === 2) t += 7 + zeroRun();
        needIn(2);
        next = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        mPos -= next >> 2;
        next &= 3;
        if (mPos === op) {
          // End of stream marker (M4 with distance 0).
          if (t !== 3) throw new LzoError('lzo: bad end marker');
          return op;
        }
        mPos -= 0x4000;
      }
      if (!doMatchNext) copyMatch(mPos, t);
    }
    // match_next: 0..3 literals follow a match.
    state = next;
    t = next;
    if (t > 0) copyLiterals(t);
  }
}
