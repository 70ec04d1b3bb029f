// Positional, cached reads of a dump file: the file is never loaded whole. A RandomAccess is anything
// that can fill a buffer from an offset; the flattened format and tests supply their own.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { IO } from './profile.js';

export interface RandomAccess {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; returns fewer only at end of file. */
  read(offset: number, length: number): Buffer;
  /** Bytes actually fetched from the underlying storage so far. */
  readonly bytesRead: number;
  close(): void;
}

const BLOCK = 64 * 1024;
const MAX_BLOCKS = 32; // 2 MiB of cache at most: page data is read in file order, the decoded pages have their own cache

/** A file opened by descriptor with an LRU cache of 64 KiB blocks. */
export class CachedFile implements RandomAccess {
  readonly size: number;
  bytesRead = 0;
  private fd: number;
  private cache = new Map<number, Buffer>();

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    try {
      const st = fstatSync(this.fd);
      if (!st.isFile() && !st.isBlockDevice() && !st.isCharacterDevice()) throw new Error(`${path}: not a regular file`);
      this.size = st.size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private block(index: number): Buffer {
    const hit = this.cache.get(index);
    if (hit) {
      this.cache.delete(index);
      this.cache.set(index, hit);
      return hit;
    }
    const start = index * BLOCK;
    const len = Math.max(0, Math.min(BLOCK, this.size - start));
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, start + got);
      if (n <= 0) break;
      got += n;
    }
    this.bytesRead += got;
    IO.bytesRead += got;
    IO.fileReads++;
    const b = got === len ? buf : buf.subarray(0, got);
    this.cache.set(index, b);
    if (this.cache.size > MAX_BLOCKS) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
    return b;
  }

  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.size) return Buffer.alloc(0);
    const end = Math.min(this.size, offset + length);
    // Large reads go straight to the file, bypassing the cache.
    if (end - offset > BLOCK * 4) {
      const buf = Buffer.allocUnsafe(end - offset);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(this.fd, buf, got, buf.length - got, offset + got);
        if (n <= 0) break;
        got += n;
      }
      this.bytesRead += got;
      IO.bytesRead += got;
      IO.fileReads++;
      return buf.subarray(0, got);
    }
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((end - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      const s = offset - first * BLOCK;
      return b.subarray(s, Math.min(b.length, s + (end - offset)));
    }
    const out = Buffer.allocUnsafe(end - offset);
    let pos = 0;
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const s = i === first ? offset - first * BLOCK : 0;
      const e = i === last ? end - last * BLOCK : BLOCK;
      if (b.length < e) {
        b.copy(out, pos, s, b.length);
        pos += Math.max(0, b.length - s);
        return out.subarray(0, pos);
      }
      b.copy(out, pos, s, e);
      pos += e - s;
    }
    return out;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    this.cache.clear();
  }
}

/** An in-memory RandomAccess (tests, small fixtures). */
export class BufferFile implements RandomAccess {
  bytesRead = 0;
  constructor(private buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    if (!(offset >= 0) || !(length >= 0) || offset >= this.buf.length) return Buffer.alloc(0);
    const b = this.buf.subarray(offset, Math.min(this.buf.length, offset + length));
    this.bytesRead += b.length;
    return b;
  }
  close(): void {}
}

/** Reads a 64-bit little-endian value as a JS number when it fits exactly, else NaN. */
export function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : NaN;
}
