// Bounds-checked decoder of raw Snappy blocks (makedumpfile -p pages), following Snappy's
// format_description.txt: a varint of the uncompressed length, then literal and copy elements.
// Written because snappyjs 0.7 trusts a 4-byte literal length: a negative one moves its input
// position backwards and it then loops about 2^31 times (found by fuzzing, test/fixtures/fuzz/page-snappy-*).
// Every read and write is checked; work is linear in the output size, which is capped by maxOut.


export class SnappyError extends Error {}

export function snappyUncompress(src: Uint8Array, maxOut: number): Uint8Array {
  let ip = 0;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= src.length || shift > 28) throw new SnappyError('snappy: bad length preamble');
    const c = src[ip++]!;
    len += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (len > maxOut) throw new SnappyError(`snappy: uncompressed length ${len} is over ${maxOut}`);
  const out = new Uint8Array(len);
  let op = 0;
  while (ip < src.length) {
    const tag = src[ip++]!;
    if ((tag & 3) === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (ip + bytes > src.length) throw new SnappyError('snappy: literal length past input');
        n = 0;
        for (let i = 0; i < bytes; i++) n += src[ip + i]! * 2 ** (8 * i);
        ip += bytes;
      }
      n += 1;
      if (ip + n > src.length || op + n > len) throw new SnappyError('snappy: literal past input or output');
      out.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let n: number;
    let off: number;
    if ((tag & 3) === 1) {
      if (ip + 1 > src.length) throw new SnappyError('snappy: copy past input');
      n = 4 + ((tag >>> 2) & 7);
      off = ((tag >>> 5) << 8) | src[ip]!;
      ip += 1;
    } else if ((tag & 3) === 2) {
      if (ip + 2 > src.length) throw new SnappyError('snappy: copy past input');
      n = 1 + (tag >>> 2);
      off = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > src.length) throw new SnappyError('snappy: copy past input');
      n = 1 + (tag >>> 2);
      off = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16)) + src[ip + 3]! * 2 ** 24;
      ip += 4;
    }
    if (off === 0 || off > op || op + n > len) throw new SnappyError('snappy: bad copy');
    for (let i = 0; i < n; i++, op++) out[op] = out[op - off]!;
  }
  if (op !== len) throw new SnappyError(`snappy: ${op} bytes decoded, ${len} announced`);
  return out;
}
