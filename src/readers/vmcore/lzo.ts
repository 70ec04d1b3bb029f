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

export function lzo1xDecompressInto(input: Uint8Array, out: Uint8Array): number {
  // One flat function without closures: it runs cold (a few pages per dump), in the interpreter.
  // A plain Uint8Array view of a Buffer input: its subarray() is V8's own, many times cheaper than Buffer's.
  const src = new Uint8Array(input.buffer, input.byteOffset, input.length);
  const inLen = src.length;
  const outLen = out.length;
  let ip = 0;
  let op = 0;
  let t = 0;
  let next = 0;
  let state = 0;
  let mPos = 0;
  if (inLen < 3) throw new LzoError('lzo: input too short');
  if (src[0]! > 17) {
    t = src[0]! - 17;
    ip = 1;
    if (t < 4) {
      next = t;
      state = -1; // go straight to the trailing-literal copy below
    } else {
      if (ip + t > inLen) throw new LzoError('lzo: input overrun');
      if (op + t > outLen) throw new LzoError('lzo: output overrun');
      out.set(src.subarray(ip, ip + t), op);
      ip += t;
      op += t;
      state = 4;
    }
  }
  // Every iteration consumes input, so the loop is bounded by the input length.
  for (;;) {
    let matchLen = 0;
    if (state === -1) {
      state = 0;
    } else {
      if (ip >= inLen) throw new LzoError('lzo: input overrun');
      t = src[ip++]!;
      if (t < 16) {
        if (state === 0) {
          if (t === 0) {
            const start = ip;
            while (ip < inLen && src[ip] === 0) ip++;
            if (ip >= inLen) throw new LzoError('lzo: input overrun');
            t = 15 + (ip - start) * 255 + src[ip++]!;
          }
          t += 3;
          if (ip + t > inLen) throw new LzoError('lzo: input overrun');
          if (op + t > outLen) throw new LzoError('lzo: output overrun');
          out.set(src.subarray(ip, ip + t), op);
          ip += t;
          op += t;
          state = 4;
          continue;
        }
        if (ip >= inLen) throw new LzoError('lzo: input overrun');
        next = t & 3;
        if (state !== 4) {
          mPos = op - 1 - (t >> 2) - (src[ip++]! << 2);
          matchLen = 2;
        } else {
          mPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (src[ip++]! << 2);
          matchLen = 3;
        }
      } else if (t >= 64) {
        if (ip >= inLen) throw new LzoError('lzo: input overrun');
        next = t & 3;
        mPos = op - 1 - ((t >> 2) & 7) - (src[ip++]! << 3);
        matchLen = (t >> 5) + 1;
      } else {
        const m3 = t >= 32;
        if (m3) {
          matchLen = (t & 31) + 2;
          mPos = op - 1;
        } else {
          matchLen = (t & 7) + 2;
          mPos = op - ((t & 8) << 11);
        }
        if (matchLen === 2) {
          const start = ip;
          while (ip < inLen && src[ip] === 0) ip++;
          if (ip >= inLen) throw new LzoError('lzo: input overrun');
          matchLen += (m3 ? 31 : 7) + (ip - start) * 255 + src[ip++]!;
        }
        if (ip + 2 > inLen) throw new LzoError('lzo: input overrun');
        next = src[ip]! | (src[ip + 1]! << 8);
        ip += 2;
        mPos -= next >> 2;
        next &= 3;
        if (!m3) {
          if (mPos === op) {
            // End of stream: an M4 with distance 0.
            if (matchLen !== 3) throw new LzoError('lzo: bad end marker');
            return op;
          }
          mPos -= 0x4000;
        }
      }
      if (mPos < 0) throw new LzoError('lzo: lookbehind overrun');
      if (op + matchLen > outLen) throw new LzoError('lzo: output overrun');
      // copyWithin for every non-overlapping match: in the interpreter, where this runs, one builtin call
      // costs less than a byte loop even for 4 bytes (LZO matches are mostly 4-8 bytes on text pages).
      if (mPos + matchLen <= op) {
        out.copyWithin(op, mPos, mPos + matchLen);
        op += matchLen;
      } else for (let i = 0; i < matchLen; i++) out[op++] = out[mPos + i]!; // overlapping copies repeat bytes
    }
    // 0..3 literals follow a match (or the stream's short first run).
    state = next;
    if (next > 0) {
      if (ip + next > inLen) throw new LzoError('lzo: input overrun');
      if (op + next > outLen) throw new LzoError('lzo: output overrun');
      for (let i = 0; i < next; i++) out[op++] = src[ip++]!;
    }
  }
}
