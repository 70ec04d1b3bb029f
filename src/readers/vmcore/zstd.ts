// Zstandard decoder for kdump pages (makedumpfile -z stores each page as one zstd frame, descriptor flag
// DUMP_DH_COMPRESSED_ZSTD), written by hand from RFC 8878.
// Why not an npm package: no well-kept JS zstd decoder bounds its work. fzstd 0.1 executes sequences
// without checking them against its output array (typed-array writes past the end are silently
// dropped), so an 18-byte hostile page (test/fixtures/fuzz/page-zstd-sequence-bomb.bin: ~98,000
// sequences of ~65,000-byte matches) keeps it busy for minutes.
// Here every read of the input is bounds-checked; every literal run and match is checked against the
// output capacity, the literals left and the bytes already decoded BEFORE it is copied; the sequence
// count is bounded by what the block's output can hold; FSE and Huffman table descriptions are
// validated (accuracy logs, weights, total probability). Work is O(input + output): the loops are
// bounded by the output capacity and by the input (each block header costs 3 bytes), and the entropy
// tables built per call by the output capacity (see cellBudget: the one limit beyond RFC 8878).
// Frames may be several (skippable frames are skipped); frames that need a dictionary are refused.
// The optional content checksum (XXH64) is skipped, not verified: makedumpfile compresses with libzstd's
// defaults, which write none.
// Not a streaming decoder: the whole output must fit in `out` (one page, or a few for tests).

export class ZstdError extends Error {}

function fail(what: string): never {
  throw new ZstdError(`zstd: ${what}`);
}

const MAGIC = 0xfd2fb528;
const BLOCK_MAX = 1 << 17; // Block_Maximum_Size's upper bound (RFC 8878 3.1.1.2.3)
const LL_MAX_SYM = 35;
const ML_MAX_SYM = 52;
const OF_MAX_SYM = 31;
const HUF_MAX_BITS = 11;

const highbit = (x: number): number => 31 - Math.clz32(x);

// ---- FSE tables (RFC 8878 4.1) ----

/** A decoding table: for each state, its symbol, the bits to read and the baseline of the next state. */
class FseTable {
  log = 0;
  readonly sym: Uint8Array;
  readonly nb: Uint8Array;
  readonly base: Uint16Array;
  constructor(maxLog: number) {
    this.sym = new Uint8Array(1 << maxLog);
    this.nb = new Uint8Array(1 << maxLog);
    this.base = new Uint16Array(1 << maxLog);
  }
}

const NORM = new Int16Array(256); // normalized probabilities of the table being built
const NEXT = new Uint16Array(256);

// Table cells (FSE and Huffman) the current call may still build: a few bytes of description build up
// to 2,048 cells, so a page of hundreds of tiny blocks, each with new tables, would cost ~10 ms. Encoders
// size tables to a block's content (libzstd: at most ~2 cells per sequence or literal, 32 minimum), so
// real frames stay far below 32,768 + 8 per byte of output capacity (a 4 KiB page: 65,536 cells, twenty
// times a full set of the largest tables).
let cellBudget = 0;
function spendCells(n: number): void {
  cellBudget -= n;
  if (cellBudget < 0) fail('entropy tables rebuilt too often for the output size');
}

/** Fills t from NORM[0..n) (probabilities summing to 1 << log, -1 meaning "less than 1"). */
function buildFse(t: FseTable, log: number, n: number): void {
  const size = 1 << log;
  const { sym, nb, base } = t;
  let high = size - 1;
  for (let s = 0; s < n; s++) {
    if (NORM[s] === -1) {
      sym[high--] = s;
      NEXT[s] = 1;
    } else NEXT[s] = NORM[s]!;
  }
  // Symbols spread over the cells with a step coprime to the size, skipping the "less than 1" cells.
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < n; s++) {
    for (let k = NORM[s]!; k > 0; k--) {
      sym[pos] = s;
      pos = (pos + step) & mask;
      while (pos > high) pos = (pos + step) & mask;
    }
  }
  if (pos !== 0) fail('bad FSE distribution');
  for (let u = 0; u < size; u++) {
    const s = sym[u]!;
    const ns = NEXT[s]!;
    NEXT[s] = ns + 1;
    const bits = log - highbit(ns);
    nb[u] = bits;
    base[u] = (ns << bits) - size;
  }
  t.log = log;
}

/** Bits [bit, bit+n) of src read forward (n <= 24); bytes past the array read as 0. */
function fwdBits(src: Uint8Array, bit: number, n: number): number {
  const p = bit >>> 3;
  return ((src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> (bit & 7)) & ((1 << n) - 1);
}

/**
 * Reads an FSE table description (RFC 8878 4.1.1) from src[pos, end) into t; returns the position after
 * it. Refuses accuracy logs over maxLog, symbols over maxSym and probabilities not summing to the table.
 */
function readFse(src: Uint8Array, pos: number, end: number, maxLog: number, maxSym: number, t: FseTable, what: string): number {
  if (pos >= end) fail(`${what} table description missing`);
  const endBit = end * 8;
  const log = (src[pos]! & 15) + 5;
  if (log > maxLog) fail(`${what} table accuracy log ${log} over ${maxLog}`);
  let bit = pos * 8 + 4;
  let remaining = 1 << log;
  let n = 0;
  while (remaining > 0) {
    if (n > maxSym) fail(`${what} table has symbols over ${maxSym}`);
    const bits = highbit(remaining + 1) + 1;
    let val = fwdBits(src, bit, bits);
    const low = (1 << (bits - 1)) - 1;
    const threshold = (1 << bits) - 1 - (remaining + 1);
    if ((val & low) < threshold) {
      val &= low;
      bit += bits - 1;
    } else {
      if (val > low) val -= threshold;
      bit += bits;
    }
    const p = val - 1;
    NORM[n++] = p;
    remaining -= p < 0 ? -p : p;
    if (p === 0) {
      for (;;) {
        const rep = fwdBits(src, bit, 2);
        bit += 2;
        if (n + rep > maxSym + 1) fail(`${what} table has symbols over ${maxSym}`);
        for (let k = 0; k < rep; k++) NORM[n++] = 0;
        if (rep !== 3 || bit > endBit) break;
      }
    }
    if (bit > endBit) fail(`${what} table description past its section`);
  }
  if (remaining !== 0) fail(`${what} table probabilities do not sum to ${1 << log}`);
  spendCells(1 << log);
  buildFse(t, log, n);
  return (bit + 7) >>> 3;
}

/**
 * Bits [at, at+n) of a backward bit stream whose first byte is src[start] (n <= 24); bits before the
 * start read as 0 (the caller checks that it did not read past the start).
 */
function backBits(src: Uint8Array, start: number, at: number, n: number): number {
  if (at >= 0) return fwdBits(src, start * 8 + at, n);
  if (at + n <= 0) return 0;
  return fwdBits(src, start * 8, at + n) << -at;
}

/** The number of data bits of the backward stream src[start, end): its last byte holds a 1 marking the end. */
function backStart(src: Uint8Array, start: number, end: number, what: string): number {
  if (end <= start) fail(`${what} bit stream empty`);
  const last = src[end - 1]!;
  if (last === 0) fail(`${what} bit stream has no end mark`);
  return (end - 1 - start) * 8 + highbit(last);
}

// Predefined distributions (RFC 8878 3.1.1.3.2.2), built on first use.
const LL_DEFAULT = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
const ML_DEFAULT = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
const OF_DEFAULT = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];
let predefined: { ll: FseTable; ml: FseTable; of: FseTable } | null = null;
function predef(): { ll: FseTable; ml: FseTable; of: FseTable } {
  if (predefined) return predefined;
  const make = (dist: number[], log: number): FseTable => {
    const t = new FseTable(log);
    dist.forEach((p, i) => (NORM[i] = p));
    buildFse(t, log, dist.length);
    return t;
  };
  predefined = { ll: make(LL_DEFAULT, 6), ml: make(ML_DEFAULT, 6), of: make(OF_DEFAULT, 5) };
  return predefined;
}

// Code -> baseline and extra bits (RFC 8878 3.1.1.3.2.1.1).
const LL_BASE = new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
const LL_BITS = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
const ML_BASE = new Uint32Array([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539]);
const ML_BITS = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

// Scratch shared by all calls (the decoder is synchronous and not re-entrant).
const LL_FSE = new FseTable(9);
const OF_FSE = new FseTable(8);
const ML_FSE = new FseTable(9);
const LL_RLE = new FseTable(0);
const OF_RLE = new FseTable(0);
const ML_RLE = new FseTable(0);
const WEIGHT_FSE = new FseTable(6);
const WEIGHTS = new Uint8Array(256);
const RANK = new Uint16Array(HUF_MAX_BITS + 2);
const HUF = new Uint16Array(1 << HUF_MAX_BITS); // symbol | bits << 8, indexed by the next hufLog bits
const LITERALS = new Uint8Array(BLOCK_MAX);

// ---- Huffman literals (RFC 8878 4.2) ----

/** Decodes the FSE-compressed Huffman weights of src[pos, end) into WEIGHTS; returns their count. */
function fseWeights(src: Uint8Array, pos: number, end: number): number {
  const t = WEIGHT_FSE;
  const start = readFse(src, pos, end, 6, 255, t, 'Huffman weight');
  let bit = backStart(src, start, end, 'Huffman weight');
  const { sym, nb, base } = t;
  bit -= t.log;
  let s1 = backBits(src, start, bit, t.log);
  bit -= t.log;
  let s2 = backBits(src, start, bit, t.log);
  if (bit < 0) fail('Huffman weight bit stream too short');
  let n = 0;
  // Two interleaved states until the stream is over-read (RFC 8878 4.2.1.2).
  for (;;) {
    if (n + 2 > 255) fail('too many Huffman weights');
    WEIGHTS[n++] = sym[s1]!;
    bit -= nb[s1]!;
    s1 = base[s1]! + backBits(src, start, bit, nb[s1]!);
    if (bit < 0) {
      WEIGHTS[n++] = sym[s2]!;
      break;
    }
    if (n + 2 > 255) fail('too many Huffman weights');
    WEIGHTS[n++] = sym[s2]!;
    bit -= nb[s2]!;
    s2 = base[s2]! + backBits(src, start, bit, nb[s2]!);
    if (bit < 0) {
      WEIGHTS[n++] = sym[s1]!;
      break;
    }
  }
  return n;
}

/** Reads a Huffman tree description at src[pos, end) into HUF; returns [position after it] and sets hufLog. */
function readHuffman(src: Uint8Array, pos: number, end: number): { pos: number; log: number } {
  if (pos >= end) fail('Huffman tree description missing');
  const hb = src[pos++]!;
  let n: number;
  if (hb < 128) {
    if (hb === 0 || pos + hb > end) fail('Huffman weights past the literals section');
    n = fseWeights(src, pos, pos + hb);
    pos += hb;
  } else {
    n = hb - 127;
    const bytes = (n + 1) >> 1;
    if (pos + bytes > end) fail('Huffman weights past the literals section');
    for (let i = 0; i < n; i++) WEIGHTS[i] = i & 1 ? src[pos + (i >> 1)]! & 15 : src[pos + (i >> 1)]! >> 4;
    pos += bytes;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = WEIGHTS[i]!;
    if (w > HUF_MAX_BITS) fail(`Huffman weight ${w} over ${HUF_MAX_BITS}`);
    if (w) total += 1 << (w - 1);
  }
  if (total === 0) fail('Huffman weights all zero');
  const log = highbit(total) + 1;
  if (log > HUF_MAX_BITS) fail(`Huffman code length ${log} over ${HUF_MAX_BITS}`);
  const rest = (1 << log) - total;
  if (rest & (rest - 1)) fail('Huffman weights do not complete a tree');
  WEIGHTS[n++] = highbit(rest) + 1; // the last symbol's weight is implied
  RANK.fill(0);
  for (let i = 0; i < n; i++) if (WEIGHTS[i]) RANK[log + 1 - WEIGHTS[i]!]!++;
  if (RANK[log]! < 2 || RANK[log]! & 1) fail('Huffman weights do not complete a tree');
  spendCells(1 << log);
  // Canonical codes: longest codes first; each code covers 2^(log - bits) table cells.
  let at = 0;
  for (let bits = log; bits >= 1; bits--) {
    const c = RANK[bits]!;
    RANK[bits] = at;
    at += c << (log - bits);
  }
  for (let s = 0; s < n; s++) {
    const w = WEIGHTS[s]!;
    if (!w) continue;
    const bits = log + 1 - w;
    const len = 1 << (log - bits);
    HUF.fill(s | (bits << 8), RANK[bits]!, RANK[bits]! + len);
    RANK[bits]! += len;
  }
  return { pos, log };
}

/** Decodes `count` literals from the Huffman stream src[start, end) into LITERALS[o..). */
function huffmanStream(src: Uint8Array, start: number, end: number, o: number, count: number, log: number): void {
  let bit = backStart(src, start, end, 'Huffman');
  const mask = (1 << log) - 1;
  const lastOut = o + count;
  for (; o < lastOut; o++) {
    const at = bit - log;
    let v: number;
    if (at >= 0) {
      const p = start + (at >>> 3);
      v = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16)) >>> (at & 7);
    } else {
      if (bit < 0) fail('Huffman stream over-read');
      v = (src[start]! | (src[start + 1]! << 8)) << -at;
    }
    const e = HUF[v & mask]!;
    LITERALS[o] = e;
    bit -= e >> 8;
  }
  if (bit !== 0) fail('Huffman stream not consumed exactly');
}

// ---- frames, blocks, sequences (RFC 8878 3.1) ----

class Decoder {
  ip = 0;
  op = 0;
  // Per frame:
  frameStart = 0;
  blockMax = 0;
  rep1 = 1;
  rep2 = 4;
  rep3 = 8;
  hufLog = 0; // 0: no Huffman table yet in this frame
  ll: FseTable | null = null;
  of: FseTable | null = null;
  ml: FseTable | null = null;
  // Literals of the current block: lit[litPos, litEnd).
  lit: Uint8Array = LITERALS;
  litPos = 0;
  litEnd = 0;

  constructor(
    readonly src: Uint8Array,
    readonly out: Uint8Array,
  ) {}

  need(n: number, end: number, what: string): void {
    if (this.ip + n > end) fail(`${what} truncated`);
  }

  /** Room left in the output for the current block. */
  room(blockStart: number): number {
    return Math.min(this.out.length, blockStart + this.blockMax) - this.op;
  }

  overflow(want: number): never {
    if (this.op + want > this.out.length) fail(`output over capacity (${this.out.length} bytes)`);
    fail(`block decodes to more than ${this.blockMax} bytes`);
  }

  frame(): void {
    const src = this.src;
    const len = src.length;
    this.need(6, len, 'frame header');
    const fhd = src[this.ip + 4]!;
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    if (fhd & 8) fail('reserved bit set in the frame header');
    const checksum = (fhd >> 2) & 1;
    const didBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = [single, 2, 4, 8][fcsFlag]!;
    this.need(5 + (single ? 0 : 1) + didBytes + fcsBytes, len, 'frame header');
    let p = this.ip + 5;
    let window = 0;
    if (!single) {
      const wd = src[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    let dict = 0;
    for (let i = 0; i < didBytes; i++) dict += src[p++]! * 2 ** (8 * i);
    if (dict !== 0) fail(`frame needs dictionary ${dict} (dictionaries are not supported)`);
    let fcs = -1;
    if (fcsBytes) {
      fcs = 0;
      for (let i = 0; i < fcsBytes; i++) fcs += src[p++]! * 2 ** (8 * i);
      if (fcsBytes === 2) fcs += 256;
      if (fcs > this.out.length - this.op) fail(`content size ${fcs} over output capacity (${this.out.length - this.op} bytes left)`);
    }
    if (single) window = fcs;
    this.ip = p;
    this.frameStart = this.op;
    this.blockMax = Math.min(BLOCK_MAX, window);
    this.rep1 = 1;
    this.rep2 = 4;
    this.rep3 = 8;
    this.hufLog = 0;
    this.ll = this.of = this.ml = null;
    for (let last = 0; !last; ) {
      this.need(3, len, 'block header');
      const bh = src[this.ip]! | (src[this.ip + 1]! << 8) | (src[this.ip + 2]! << 16);
      this.ip += 3;
      last = bh & 1;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (size > this.blockMax) fail(`block size ${size} over Block_Maximum_Size ${this.blockMax}`);
      const blockStart = this.op;
      if (type === 0) {
        this.need(size, len, 'raw block');
        if (size > this.room(blockStart)) this.overflow(size);
        this.out.set(src.subarray(this.ip, this.ip + size), this.op);
        this.ip += size;
        this.op += size;
      } else if (type === 1) {
        this.need(1, len, 'RLE block');
        if (size > this.room(blockStart)) this.overflow(size);
        this.out.fill(src[this.ip]!, this.op, this.op + size);
        this.ip += 1;
        this.op += size;
      } else if (type === 2) {
        this.need(size, len, 'compressed block');
        const end = this.ip + size;
        this.literals(end, blockStart);
        this.sequences(end, blockStart);
        this.ip = end;
      } else fail('reserved block type');
    }
    if (checksum) {
      this.need(4, len, 'content checksum');
      this.ip += 4; // XXH64 not verified (see the header comment)
    }
    if (fcs >= 0 && this.op - this.frameStart !== fcs) fail(`frame decoded to ${this.op - this.frameStart} bytes, header says ${fcs}`);
  }

  /** Reads the literals section of a compressed block ending at `end`; sets lit/litPos/litEnd. */
  literals(end: number, blockStart: number): void {
    const src = this.src;
    let ip = this.ip;
    if (ip >= end) fail('literals section missing');
    const b0 = src[ip]!;
    const type = b0 & 3;
    const sf = (b0 >> 2) & 3;
    const room = this.room(blockStart);
    if (type <= 1) {
      let size: number;
      let hdr: number;
      if ((sf & 1) === 0) {
        size = b0 >> 3;
        hdr = 1;
      } else if (sf === 1) {
        this.need(2, end, 'literals header');
        size = (b0 >> 4) | (src[ip + 1]! << 4);
        hdr = 2;
      } else {
        this.need(3, end, 'literals header');
        size = (b0 >> 4) | (src[ip + 1]! << 4) | (src[ip + 2]! << 12);
        hdr = 3;
      }
      ip += hdr;
      if (size > room) this.overflow(size);
      if (type === 0) {
        if (ip + size > end) fail('raw literals past the block');
        this.lit = src;
        this.litPos = ip;
        this.litEnd = ip + size;
        this.ip = ip + size;
      } else {
        if (ip + 1 > end) fail('RLE literals past the block');
        LITERALS.fill(src[ip]!, 0, size);
        this.lit = LITERALS;
        this.litPos = 0;
        this.litEnd = size;
        this.ip = ip + 1;
      }
      return;
    }
    // Huffman-coded: 1 or 4 streams, with a new tree (type 2) or the frame's previous one (type 3).
    const hdr = sf <= 1 ? 3 : sf + 2;
    this.need(hdr, end, 'literals header');
    const b1 = src[ip + 1]!;
    const b2 = src[ip + 2]!;
    let regen: number;
    let comp: number;
    if (sf <= 1) {
      regen = (b0 >> 4) | ((b1 & 0x3f) << 4);
      comp = (b1 >> 6) | (b2 << 2);
    } else if (sf === 2) {
      regen = (b0 >> 4) | (b1 << 4) | ((b2 & 3) << 12);
      comp = (b2 >> 2) | (src[ip + 3]! << 6);
    } else {
      regen = (b0 >> 4) | (b1 << 4) | ((b2 & 0x3f) << 12);
      comp = (b2 >> 6) | (src[ip + 3]! << 2) | (src[ip + 4]! << 10);
    }
    ip += hdr;
    if (regen > room) this.overflow(regen);
    const cEnd = ip + comp;
    if (cEnd > end) fail('compressed literals past the block');
    if (type === 2) {
      const h = readHuffman(src, ip, cEnd);
      ip = h.pos;
      this.hufLog = h.log;
    } else if (this.hufLog === 0) fail('treeless literals without a previous Huffman table');
    const log = this.hufLog;
    if (sf === 0) huffmanStream(src, ip, cEnd, 0, regen, log);
    else {
      if (ip + 6 > cEnd) fail('Huffman jump table past the literals');
      const s1 = src[ip]! | (src[ip + 1]! << 8);
      const s2 = src[ip + 2]! | (src[ip + 3]! << 8);
      const s3 = src[ip + 4]! | (src[ip + 5]! << 8);
      const a = ip + 6;
      const b = a + s1;
      const c = b + s2;
      const d = c + s3;
      if (d >= cEnd) fail('Huffman streams past the literals');
      const seg = (regen + 3) >> 2;
      if (regen - 3 * seg < 0) fail(`${regen} literals cannot be split in 4 streams`);
      huffmanStream(src, a, b, 0, seg, log);
      huffmanStream(src, b, c, seg, seg, log);
      huffmanStream(src, c, d, 2 * seg, seg, log);
      huffmanStream(src, d, cEnd, 3 * seg, regen - 3 * seg, log);
    }
    this.lit = LITERALS;
    this.litPos = 0;
    this.litEnd = regen;
    this.ip = cEnd;
  }

  /** Table for one sequence field by its mode: predefined, RLE, FSE-described, or the previous one. */
  table(mode: number, prev: FseTable | null, pre: FseTable, rle: FseTable, fse: FseTable, maxLog: number, maxSym: number, end: number, what: string): FseTable {
    if (mode === 0) return pre;
    if (mode === 1) {
      this.need(1, end, `${what} RLE symbol`);
      const s = this.src[this.ip++]!;
      if (s > maxSym) fail(`${what} RLE symbol ${s} over ${maxSym}`);
      rle.sym[0] = s;
      rle.nb[0] = 0;
      rle.base[0] = 0;
      rle.log = 0;
      return rle;
    }
    if (mode === 2) {
      this.ip = readFse(this.src, this.ip, end, maxLog, maxSym, fse, what);
      return fse;
    }
    if (!prev) fail(`${what} table repeated with none before`);
    return prev;
  }

  /** Reads and executes the sequences section ending at `end`, then copies the literals left. */
  sequences(end: number, blockStart: number): void {
    const src = this.src;
    const out = this.out;
    this.need(1, end, 'sequences header');
    let nb = src[this.ip++]!;
    if (nb >= 128) {
      if (nb < 255) {
        this.need(1, end, 'sequences header');
        nb = ((nb - 128) << 8) + src[this.ip++]!;
      } else {
        this.need(2, end, 'sequences header');
        nb = src[this.ip]! + (src[this.ip + 1]! << 8) + 0x7f00;
        this.ip += 2;
      }
    }
    const lit = this.lit;
    let litPos = this.litPos;
    const litEnd = this.litEnd;
    let op = this.op;
    if (nb > 0) {
      // Each sequence writes at least 3 bytes besides the literals.
      if (litEnd - litPos + 3 * nb > this.room(blockStart)) this.overflow(litEnd - litPos + 3 * nb);
      this.need(1, end, 'sequence modes');
      const modes = src[this.ip++]!;
      if (modes & 3) fail('reserved bits set in the sequence modes');
      const pre = predef();
      const llT = (this.ll = this.table(modes >> 6, this.ll, pre.ll, LL_RLE, LL_FSE, 9, LL_MAX_SYM, end, 'literal length'));
      const ofT = (this.of = this.table((modes >> 4) & 3, this.of, pre.of, OF_RLE, OF_FSE, 8, OF_MAX_SYM, end, 'offset'));
      const mlT = (this.ml = this.table((modes >> 2) & 3, this.ml, pre.ml, ML_RLE, ML_FSE, 9, ML_MAX_SYM, end, 'match length'));
      const start = this.ip;
      let bit = backStart(src, start, end, 'sequence');
      bit -= llT.log;
      let llS = backBits(src, start, bit, llT.log);
      bit -= ofT.log;
      let ofS = backBits(src, start, bit, ofT.log);
      bit -= mlT.log;
      let mlS = backBits(src, start, bit, mlT.log);
      if (bit < 0) fail('sequence bit stream too short');
      const outEnd = Math.min(out.length, blockStart + this.blockMax);
      const frameStart = this.frameStart;
      let rep1 = this.rep1;
      let rep2 = this.rep2;
      let rep3 = this.rep3;
      for (let i = 0; i < nb; i++) {
        const ofCode = ofT.sym[ofS]!;
        const mlCode = mlT.sym[mlS]!;
        const llCode = llT.sym[llS]!;
        // Extra bits: offset, then match length, then literal length.
        let ofv: number;
        bit -= ofCode;
        if (ofCode <= 24) ofv = 2 ** ofCode + backBits(src, start, bit, ofCode);
        else ofv = 2 ** ofCode + backBits(src, start, bit + 24, ofCode - 24) * 0x1000000 + backBits(src, start, bit, 24);
        let n = ML_BITS[mlCode]!;
        bit -= n;
        const ml = ML_BASE[mlCode]! + backBits(src, start, bit, n);
        n = LL_BITS[llCode]!;
        bit -= n;
        const ll = LL_BASE[llCode]! + backBits(src, start, bit, n);
        let offset: number;
        if (ofv > 3) {
          offset = ofv - 3;
          rep3 = rep2;
          rep2 = rep1;
          rep1 = offset;
        } else {
          const r = ll === 0 ? ofv : ofv - 1; // 0..3: rep1, rep2, rep3, rep1 - 1
          if (r === 0) offset = rep1;
          else {
            offset = r === 1 ? rep2 : r === 2 ? rep3 : rep1 - 1;
            if (r !== 1) rep3 = rep2;
            rep2 = rep1;
            rep1 = offset;
          }
        }
        if (i + 1 < nb) {
          // State updates: literal length, match length, offset.
          n = llT.nb[llS]!;
          bit -= n;
          llS = llT.base[llS]! + backBits(src, start, bit, n);
          n = mlT.nb[mlS]!;
          bit -= n;
          mlS = mlT.base[mlS]! + backBits(src, start, bit, n);
          n = ofT.nb[ofS]!;
          bit -= n;
          ofS = ofT.base[ofS]! + backBits(src, start, bit, n);
        }
        if (bit < 0) fail('sequence bit stream over-read');
        // Execute, every bound checked before copying.
        if (ll > litEnd - litPos) fail('sequence takes more literals than the block has');
        if (ll + ml > outEnd - op) {
          this.op = op;
          this.overflow(ll + ml);
        }
        if (ll < 16) for (let k = 0; k < ll; k++) out[op++] = lit[litPos++]!;
        else {
          out.set(lit.subarray(litPos, litPos + ll), op);
          op += ll;
          litPos += ll;
        }
        if (offset === 0 || offset > op - frameStart) fail(`match offset ${offset} beyond the ${op - frameStart} bytes decoded`);
        let from = op - offset;
        if (offset >= ml && ml >= 16) {
          out.copyWithin(op, from, from + ml);
          op += ml;
        } else for (let k = 0; k < ml; k++) out[op++] = out[from++]!;
      }
      if (bit !== 0) fail('sequence bit stream not consumed exactly');
      this.rep1 = rep1;
      this.rep2 = rep2;
      this.rep3 = rep3;
    } else if (this.ip !== end) fail('data after an empty sequences section');
    const rest = litEnd - litPos;
    if (rest > Math.min(out.length, blockStart + this.blockMax) - op) {
      this.op = op;
      this.overflow(rest);
    }
    out.set(lit.subarray(litPos, litEnd), op);
    this.op = op + rest;
  }
}

/**
 * Decodes the zstd frame(s) of `src` into `out`; returns the number of bytes written. Throws ZstdError
 * (one line) on any malformed input, or when the content would not fit in `out`.
 */
export function zstdDecompressPage(src: Uint8Array, out: Uint8Array): number {
  // A plain Uint8Array view: Buffer.subarray is many times slower than V8's own.
  const s = Object.getPrototypeOf(src) === Uint8Array.prototype ? src : new Uint8Array(src.buffer, src.byteOffset, src.length);
  if (s.length === 0) fail('empty input');
  cellBudget = 32768 + 8 * out.length;
  const d = new Decoder(s, out);
  while (d.ip < s.length) {
    if (d.ip + 4 > s.length) fail('truncated frame magic');
    const magic = (s[d.ip]! | (s[d.ip + 1]! << 8) | (s[d.ip + 2]! << 16) | (s[d.ip + 3]! << 24)) >>> 0;
    if (magic === MAGIC) d.frame();
    else if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      if (d.ip + 8 > s.length) fail('skippable frame header truncated');
      const size = (s[d.ip + 4]! | (s[d.ip + 5]! << 8) | (s[d.ip + 6]! << 16) | (s[d.ip + 7]! << 24)) >>> 0;
      if (size > s.length - d.ip - 8) fail('skippable frame past the input');
      d.ip += 8 + size;
    } else fail(`bad frame magic 0x${magic.toString(16)}`);
  }
  return d.op;
}
