// makedumpfile's flattened format (makedumpfile -F, QEMU kdump-* to a file): a 4096-byte header with
// the signature "makedumpfile", type and version (big-endian int64), then records of
// {int64 offset, int64 buf_size} (big-endian) each followed by buf_size bytes to place at offset in the
// real kdump file, ended by a record of {-1, -1}. Layout from makedumpfile.h (makedumpfile_header,
// makedumpfile_data_header) and rearrange_dumpdata(). We index the records once (16 bytes read per
// record) and serve positional reads through the index: the file is never rewritten.
import { type RandomAccess } from './file.js';

export const FLAT_SIGNATURE = 'makedumpfile';
const HEADER_SIZE = 4096;
const MAX_RECORDS = 1 << 24;
const MAX_OVERLAP = 64;

export function isFlattened(head: Buffer): boolean {
  return head.length >= 12 && head.toString('latin1', 0, 12) === FLAT_SIGNATURE && (head.length < 13 || head[12] === 0);
}

interface Piece {
  dst: number;
  size: number;
  src: number;
  ord: number;
}

export class FlatFile implements RandomAccess {
  readonly size: number;
  readonly records: number;
  private dst: Float64Array;
  private len: Float64Array;
  private src: Float64Array;
  /** Set when the record list did not end with the {-1,-1} marker. */
  readonly truncated: boolean;

  constructor(private f: RandomAccess, onProgress?: (done: number, total: number) => void) {
    const h = f.read(0, 32);
    if (!isFlattened(h) || h.length < 32) throw new Error('not a flattened makedumpfile file');
    const type = h.readBigInt64BE(16);
    if (type !== 1n) throw new Error(`flattened file: unknown type ${type}`);
    const raw: Piece[] = [];
    let pos = HEADER_SIZE;
    let ended = false;
    let n = 0;
    while (pos + 16 <= f.size) {
      const r = f.read(pos, 16);
      const off = r.readBigInt64BE(0);
      const sz = r.readBigInt64BE(8);
      if (off === -1n && sz === -1n) {
        ended = true;
        break;
      }
      if (off < 0n || sz <= 0n || off > BigInt(Number.MAX_SAFE_INTEGER) || sz > 1n << 40n) break;
      const size = Number(sz);
      if (pos + 16 + size > f.size) break;
      raw.push({ dst: Number(off), size, src: pos + 16, ord: n });
      if (++n > MAX_RECORDS) throw new Error(`flattened file has over ${MAX_RECORDS} records: convert it with makedumpfile -R first`);
      pos += 16 + size;
      if ((n & 0xffff) === 0) onProgress?.(pos, f.size);
    }
    this.truncated = !ended;
    raw.sort((a, b) => a.dst - b.dst || a.ord - b.ord);
    const out: Piece[] = [];
    for (const rec of raw) {
      let i = out.length;
      while (i > 0 && out[i - 1]!.dst + out[i - 1]!.size > rec.dst) i--;
      if (i === out.length) {
        out.push(rec);
        continue;
      }
      const tail = out.splice(i);
      if (tail.length > MAX_OVERLAP) throw new Error('flattened file: too many overlapping records');
      const all = [...tail, rec];
      const cuts = [...new Set(all.flatMap((p) => [p.dst, p.dst + p.size]))].sort((a, b) => a - b);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const a = cuts[k]!;
        const b = cuts[k + 1]!;
        let best: Piece | null = null;
        for (const p of all) if (p.dst <= a && p.dst + p.size >= b && (!best || p.ord > best.ord)) best = p;
        if (best) out.push({ dst: a, size: b - a, src: best.src + (a - best.dst), ord: best.ord });
      }
    }
    this.records = raw.length;
    this.dst = new Float64Array(out.map((p) => p.dst));
    this.len = new Float64Array(out.map((p) => p.size));
    this.src = new Float64Array(out.map((p) => p.src));
    this.size = out.length ? out[out.length - 1]!.dst + out[out.length - 1]!.size : 0;
  }

  get bytesRead(): number {
    return this.f.bytesRead;
  }

  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.size) return Buffer.alloc(0);
    const end = Math.min(this.size, offset + length);
    const out = Buffer.alloc(end - offset); // bytes no record wrote read as zero, as in the rebuilt file
    let lo = 0;
    let hi = this.dst.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.dst[mid]! + this.len[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.dst.length && this.dst[i]! < end; i++) {
      const a = Math.max(offset, this.dst[i]!);
      const b = Math.min(end, this.dst[i]! + this.len[i]!);
      if (b <= a) continue;
      const data = this.f.read(this.src[i]! + (a - this.dst[i]!), b - a);
      data.copy(out, a - offset);
    }
    return out;
  }

  close(): void {
    this.f.close();
  }
}
