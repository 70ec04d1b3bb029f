// A streaming reader of tar archives (ustar, GNU long names, pax extended headers), fed with chunks.
//
// Written by hand: npm's `tar` (node-tar) is well kept, but it is built to extract to disk and brings six
// packages (minipass, minizlib, chownr, mkdirp, yallist, fs-minipass); `tar-stream` brings three (streamx,
// b4a, fast-fifo). ktriage only reads regular files' bytes in order, from memory, with a size bound per
// file: the format's 512-byte headers take some seventy lines, and the gzip layer is Node's own zlib.

export interface TarEntry {
  name: string;
  data: Buffer;
}

export interface TarOptions {
  /** Which regular files to keep (others are skipped without buffering). */
  want(name: string): boolean;
  /** Files larger than this are skipped and counted. */
  maxFileBytes: number;
  onEntry(e: TarEntry): void;
  /** A wanted file that was too large. */
  onSkip?(name: string, why: string): void;
}

const BLOCK = 512;

function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z < 0 ? s : s.subarray(0, z)).toString('utf8');
}

function octal(b: Buffer, off: number, len: number): number {
  // GNU base-256 for sizes over 8 GiB: the high bit of the first byte.
  if (b[off]! & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = cstr(b, off, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === octal(h, 148, 8);
}

/** A push parser: feed it the (decompressed) archive in chunks; entries come out through onEntry. */
export class TarReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: 'header' | 'body' | 'done' = 'header';
  private left = 0;
  private pad = 0;
  private keep: Buffer[] | null = null;
  private name = '';
  private type = '0';
  private longName: string | null = null;
  private paxPath: string | null = null;
  /** Bytes of the current entry being collected as metadata (long name, pax header). */
  private meta: 'L' | 'x' | null = null;
  error: string | null = null;

  constructor(private readonly opts: TarOptions) {}

  push(chunk: Buffer): void {
    if (this.state === 'done') return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    for (;;) {
      if (this.state === 'header') {
        if (this.buf.length - pos < BLOCK) break;
        const h = this.buf.subarray(pos, pos + BLOCK);
        pos += BLOCK;
        if (h.every((x) => x === 0)) { this.state = 'done'; break; }
        if (!checksumOk(h)) { this.error = 'not a tar archive (bad header checksum)'; this.state = 'done'; break; }
        this.startEntry(h);
      } else if (this.state === 'body') {
        const n = Math.min(this.left, this.buf.length - pos);
        if (this.keep) this.keep.push(Buffer.from(this.buf.subarray(pos, pos + n)));
        pos += n;
        this.left -= n;
        if (this.left > 0) break;
        const p = Math.min(this.pad, this.buf.length - pos);
        pos += p;
        this.pad -= p;
        if (this.pad > 0) break;
        this.endEntry();
        this.state = 'header';
      } else break;
    }
    this.buf = this.buf.subarray(pos);
    if (this.buf.length > 0 && this.buf.byteOffset > 0) this.buf = Buffer.from(this.buf);
  }

  /** True when the archive ended cleanly (end blocks or a clean end between entries). */
  finished(): boolean {
    return this.error === null && (this.state === 'done' || (this.state === 'header' && this.buf.length === 0));
  }

  private startEntry(h: Buffer): void {
    const size = octal(h, 124, 12);
    this.type = String.fromCharCode(h[156] || 0x30);
    const prefix = cstr(h, 345, 155);
    const base = cstr(h, 0, 100);
    this.name = this.paxPath ?? this.longName ?? (prefix ? `${prefix}/${base}` : base);
    this.left = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    this.meta = null;
    this.keep = null;
    if (this.type === 'L' || this.type === 'x') {
      this.meta = this.type;
      this.keep = size <= 1024 * 1024 ? [] : null;
    } else {
      this.longName = null;
      this.paxPath = null;
      if ((this.type === '0' || this.type === '\0' || this.type === '7') && this.opts.want(this.name)) {
        if (size <= this.opts.maxFileBytes) this.keep = [];
        else this.opts.onSkip?.(this.name, `larger than ${this.opts.maxFileBytes} bytes`);
      }
    }
    this.state = 'body';
    if (size === 0 && this.pad === 0) { this.endEntry(); this.state = 'header'; }
  }

  private endEntry(): void {
    const data = this.keep ? Buffer.concat(this.keep) : null;
    this.keep = null;
    if (this.meta === 'L') {
      this.longName = data ? cstr(data, 0, data.length) : null;
    } else if (this.meta === 'x') {
      // Pax records: "LEN key=value\n".
      const text = data?.toString('utf8') ?? '';
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
      this.paxPath = m ? m[1]! : null;
    } else if (data) {
      this.opts.onEntry({ name: this.name, data });
    }
    this.meta = null;
  }
}
