// Multi-literal search in bytes, for the count-only mode of the log reader: a JavaScript regex
// alternation of ~30 literals runs at a few hundred MB/s; a Wu-Manber scan (a shift table over 2-byte
// blocks, windows of 4 bytes) skips 2-3 bytes per step and runs about twice as fast.

const WINDOW = 4;
const BLOCK = 2;
const MAX_SHIFT = WINDOW - BLOCK + 1;

interface Pattern {
  bytes: Uint8Array;
  /** Offset in the literal of the last byte of its window. */
  windowEnd: number;
}

/** Weight of a byte in the choice of a literal's window: windows of rarer bytes give fewer false hits. */
function weight(c: number): number {
  if (c >= 97 && c <= 122) return 3; // lower-case letters: symbol names, words
  if (c === 32) return 4;
  if (c >= 48 && c <= 57) return 2;
  return 1;
}

/** The offset of the 4-byte window of `lit` made of the least common bytes (its last block weighs most). */
function windowOffset(lit: Uint8Array): number {
  let best = 0;
  let bestCost = Infinity;
  for (let k = 0; k + WINDOW <= lit.length; k++) {
    let cost = 0;
    for (let j = 0; j + 1 < WINDOW; j++) {
      const w = weight(lit[k + j]!) * weight(lit[k + j + 1]!);
      cost += j + BLOCK === WINDOW ? 10 * w : w;
    }
    if (cost < bestCost) {
      bestCost = cost;
      best = k;
    }
  }
  return best;
}

export class LiteralScanner {
  private shift = new Uint8Array(65536).fill(MAX_SHIFT);
  private byBlock: (Pattern[] | undefined)[] = new Array(65536);

  /** `literals`: ASCII strings of at least 4 characters. */
  constructor(literals: readonly string[]) {
    for (const lit of literals) {
      const bytes = Buffer.from(lit, 'latin1');
      if (bytes.length < WINDOW || /[^\x20-\x7e]/.test(lit)) throw new Error(`LiteralScanner: unsupported literal '${lit}'`);
      const k = windowOffset(bytes);
      for (let j = 0; j + 1 < WINDOW; j++) {
        const block = (bytes[k + j]! << 8) | bytes[k + j + 1]!;
        const s = WINDOW - BLOCK - j;
        if (s < this.shift[block]!) this.shift[block] = s;
      }
      const last = (bytes[k + WINDOW - 2]! << 8) | bytes[k + WINDOW - 1]!;
      (this.byBlock[last] ??= []).push({ bytes, windowEnd: k + WINDOW - 1 });
    }
  }

  /**
   * The start of an occurrence of one of the literals that lies in buf[from, to), or -1. No occurrence
   * ends before the line of the one returned: occurrences are found in the order of their windows' ends,
   * and a window lies inside its occurrence.
   */
  find(buf: Uint8Array, from: number, to: number): number {
    const shift = this.shift;
    let i = from + WINDOW - 1;
    while (i < to) {
      const block = (buf[i - 1]! << 8) | buf[i]!;
      const s = shift[block]!;
      if (s !== 0) {
        i += s;
        continue;
      }
      const list = this.byBlock[block]!;
      for (let q = 0; q < list.length; q++) {
        const p = list[q]!;
        const start = i - p.windowEnd;
        const lit = p.bytes;
        if (start < from || start + lit.length > to) continue;
        let t = 0;
        while (t < lit.length && buf[start + t] === lit[t]) t++;
        if (t === lit.length) return start;
      }
      i++;
    }
    return -1;
  }
}
