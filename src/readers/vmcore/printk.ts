// The kernel log from VMCOREINFO alone, for the three printk generations:
//  - lockless printk_ringbuffer (5.10+): kernel/printk/printk_ringbuffer.[ch];
//  - variable-length `struct printk_log` records in log_buf (3.5-5.9): kernel/printk/printk.c;
//  - the plain character log_buf with log_end (before 3.5).
// Records are walked the way makedumpfile's dump_dmesg()/dump_lockless_dmesg() walk them, so that the
// text printed by format.ts matches `makedumpfile --dump-dmesg`; every index is bounded and checked.
import type { Gap } from '../../model/types.js';
import { kernelVersionCode } from './vmcoreinfo.js';
import { Dump } from './dump.js';

export interface LogRecord {
  seq: bigint | null;
  tsNsec: bigint;
  text: Buffer;
  level: number | null;
  facility: number | null;
  flags: number | null;
  /** printk caller id (0x80000000 set: CPU number, else task id), null when the layout has none. */
  callerId: number | null;
  /** dev_printk_info (5.10+) or the dictionary's SUBSYSTEM=/DEVICE= (3.5-5.9). */
  subsystem: string | null;
  device: string | null;
  /** Raw dictionary of 3.5-5.9 records (KEY=value pairs separated by NUL), null otherwise. */
  dict: string | null;
}

export type PrintkGeneration = 'lockless' | 'variable' | 'plain';

export interface KernelLog {
  generation: PrintkGeneration;
  records: LogRecord[];
  /** For the plain log_buf: the bytes as they are in the buffer. */
  plain: Buffer | null;
  /** True when the layout has caller ids (newer makedumpfile prints them). */
  hasCallerId: boolean;
  gaps: Gap[];
}

const SRC = 'vmcore';

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
const MAX_COUNT_BITS = 24;
const MAX_DATA_BITS = 30;
const MAX_LOG_BUF = 1 << 28;

const DESC_SV_BITS = 64n;
const DESC_FLAGS_SHIFT = DESC_SV_BITS - 2n;
const DESC_FLAGS_MASK = 3n << DESC_FLAGS_SHIFT;
const DESC_ID_MASK = ((1n << 64n) - 1n) & ~DESC_FLAGS_MASK;

class MissingLayout extends Error {}

function need(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined) throw new MissingLayout(`VMCOREINFO lacks ${key}`);
  return v;
}

export function readKernelLog(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  try {
    if (vi.symbols.has('prb')) return readLockless(dump);
    if (!vi.symbols.has('log_buf') || !vi.symbols.has('log_buf_len')) throw new MissingLayout("VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf)");
    if (!vi.symbols.has('log_end')) return readVariable(dump);
    return readPlain(dump);
  } catch (err) {
    if (err instanceof MissingLayout) throw new Error(`cannot read the kernel log: ${err.message}`);
    // Offsets from a corrupt VMCOREINFO that point outside the structures they describe.
    if (err instanceof RangeError || (err as NodeJS.ErrnoException).code === 'ERR_OUT_OF_RANGE')
      throw new Error('cannot read the kernel log: VMCOREINFO gives offsets outside the printk structures');
    throw err;
  }
}

/**
 * Lazy reads of one kernel-virtual array (the descriptor ring, the info array, the text ring): the array
 * is fetched in 4 KiB virtual pages on first use and kept, so a walk over N records costs one page read
 * per page touched instead of three readVirt calls per record. Memory is bounded by the pages touched.
 * Unreadable pages are remembered as such; a read reports how many of its pages were unreadable (the
 * count readVirt would give) and reads them as zeros.
 */
class VirtWindow {
  private pages = new Map<number, Buffer | null>();
  private readonly base: bigint;
  private readonly delta: number;
  bad = 0;
  pos = 0;

  constructor(private dump: Dump, va: bigint) {
    this.base = va & ~0xfffn;
    this.delta = Number(va - this.base);
  }

  private page(k: number): Buffer | null {
    let p = this.pages.get(k);
    if (p === undefined) {
      const r = this.dump.readVirt(this.base + BigInt(k) * 4096n, 4096);
      p = r.bad.length ? null : r.data;
      this.pages.set(k, p);
    }
    return p;
  }

  /** `len` bytes at byte `off` of the array, zeros where unreadable; sets this.bad to the number of unreadable pages in them. */
  read(off: number, len: number): Buffer {
    const b = this.at(off, len);
    return b === null ? Buffer.alloc(len) : this.pos === 0 && b.length === len ? b : b.subarray(this.pos, this.pos + len);
  }

  /**
   * The bytes of read(off, len) without a copy or a view: a buffer holding them at this.pos, or null when
   * the single page that holds them is unreadable (then this.bad is 1).
   */
  at(off: number, len: number): Buffer | null {
    this.bad = 0;
    this.pos = 0;
    if (len <= 0) return EMPTY;
    const abs = this.delta + off;
    const first = Math.floor(abs / 4096);
    const last = Math.floor((abs + len - 1) / 4096);
    if (first === last) {
      const p = this.page(first);
      if (p) this.pos = abs - first * 4096;
      else this.bad = 1;
      return p;
    }
    const out = Buffer.alloc(len);
    for (let k = first; k <= last; k++) {
      const s = Math.max(abs, k * 4096);
      const e = Math.min(abs + len, (k + 1) * 4096);
      const p = this.page(k);
      if (p) p.copy(out, s - abs, s - k * 4096, e - k * 4096);
      else this.bad++;
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

function u32(b: Buffer, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}

/** An unsigned 64-bit little-endian value as a bigint, without readBigUInt64LE's cost for values below 2^53. */
function u64big(b: Buffer, p: number): bigint {
  const hi = u32(b, p + 4);
  const lo = u32(b, p);
  return hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** A NUL-terminated string of at most `len` bytes at p, null when empty. */
function cfield(b: Buffer, p: number, len: number): string | null {
  if (b[p] === 0) return null;
  let e = p;
  while (e < p + len && b[e] !== 0) e++;
  return b.toString('latin1', p, e);
}

function readLockless(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const O = vi.offsets;
  const S = vi.sizes;
  const gaps: Gap[] = [];
  const prbPtr = dump.readU64(vi.symbols.get('prb')!);
  if (prbPtr === null) throw new Error('cannot read the kernel log: the page holding prb is not in the dump');
  const prbSize = need(S, 'printk_ringbuffer');
  const prbRead = dump.readVirt(prbPtr, Math.min(prbSize, 4096));
  if (prbRead.bad.length) throw new Error('cannot read the kernel log: struct printk_ringbuffer is not in the dump');
  const prb = prbRead.data;
  const dr = need(O, 'printk_ringbuffer.desc_ring');
  const tr = need(O, 'printk_ringbuffer.text_data_ring');
  const countBits = prb.readUInt32LE(dr + need(O, 'prb_desc_ring.count_bits'));
  const sizeBits = prb.readUInt32LE(tr + need(O, 'prb_data_ring.size_bits'));
  if (countBits > MAX_COUNT_BITS || sizeBits > MAX_DATA_BITS || sizeBits < 3)
    throw new Error(`cannot read the kernel log: implausible ring sizes (count_bits ${countBits}, size_bits ${sizeBits})`);
  const descCount = 1n << BigInt(countBits);
  const dataSize = 1n << BigInt(sizeBits);
  const descsVa = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.descs'));
  const infosVa = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.infos'));
  const dataVa = prb.readBigUInt64LE(tr + need(O, 'prb_data_ring.data'));
  const atomicCounter = O.get('atomic_long_t.counter') ?? 0;
  const headId = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.head_id') + atomicCounter);
  let tailId = prb.readBigUInt64LE(dr + need(O, 'prb_desc_ring.tail_id') + atomicCounter);
  const descSize = need(S, 'prb_desc');
  const infoSize = need(S, 'printk_info');
  const oState = need(O, 'prb_desc.state_var') + atomicCounter;
  const oLpos = need(O, 'prb_desc.text_blk_lpos');
  const oBegin = need(O, 'prb_data_blk_lpos.begin');
  const oNext = need(O, 'prb_data_blk_lpos.next');
  const oTs = need(O, 'printk_info.ts_nsec');
  const oLen = need(O, 'printk_info.text_len');
  const oSeq = O.get('printk_info.seq');
  const oCaller = O.get('printk_info.caller_id');
  const oDev = O.get('printk_info.dev_info');
  const oSub = O.get('dev_printk_info.subsystem');
  const oDevice = O.get('dev_printk_info.device');
  const subLen = vi.lengths.get('printk_info_subsystem') ?? 16;
  const devLen = vi.lengths.get('printk_info_device') ?? 48;
  if (descSize < oLpos + Math.max(oBegin, oNext) + 8 || infoSize < oLen + 2 || infoSize > 4096 || descSize > 4096)
    throw new Error('cannot read the kernel log: VMCOREINFO gives inconsistent printk structure sizes');
  if (oState + 8 > descSize || oTs + 8 > infoSize || (oSeq !== undefined && oSeq + 8 > infoSize))
    throw new Error('cannot read the kernel log: VMCOREINFO gives offsets outside the printk structures');

  // Records from tail to head; garbage indices are cut to one lap of the descriptor ring.
  let span = (headId - tailId) & DESC_ID_MASK;
  if (span >= descCount) {
    gaps.push({ source: SRC, what: `printk ring indices are inconsistent (tail ${tailId.toString(16)}, head ${headId.toString(16)}): read the last ${descCount} descriptors only` });
    tailId = (headId - descCount + 1n) & DESC_ID_MASK;
    span = descCount - 1n;
  }
  const records: LogRecord[] = [];
  let lostRecords = 0;
  let lostPages = 0;
  const dataSizeN = Number(dataSize);
  const slotMask = Number(descCount) - 1;
  const descs = new VirtWindow(dump, descsVa);
  const infos = new VirtWindow(dump, infosVa);
  const texts = new VirtWindow(dump, dataVa);
  let slot = Number(tailId & BigInt(slotMask));
  // The 62-bit descriptor id as two numbers (ids are compared with the state variable's low 62 bits).
  let idLo = Number(tailId & 0xffffffffn);
  let idHi = Number(tailId >> 32n);
  const hasCaller = oCaller !== undefined && oCaller + 4 <= infoSize;
  const hasFacility = oLen + 2 < infoSize;
  const hasFlags = oLen + 3 < infoSize;
  const subAt = oDev !== undefined && oSub !== undefined && oDev + oSub + subLen <= infoSize ? oDev + oSub : -1;
  const devAt = oDev !== undefined && oDevice !== undefined && oDev + oDevice + devLen <= infoSize ? oDev + oDevice : -1;
  const n = Number(span);
  for (let i = 0; i <= n; i++) {
    if (i > 0) {
      slot = (slot + 1) & slotMask;
      if (++idLo === 0x100000000) {
        idLo = 0;
        idHi = (idHi + 1) & 0x3fffffff;
      }
    }
    const d = descs.at(slot * descSize, descSize);
    if (d === null || descs.bad) {
      lostRecords++;
      continue;
    }
    const dp = descs.pos;
    // Byte arithmetic inline rather than u32() calls: this loop runs once per record, in the interpreter.
    const so = dp + oState;
    const svHi = (d[so + 4]! | (d[so + 5]! << 8) | (d[so + 6]! << 16)) + d[so + 7]! * 0x1000000;
    if ((d[so]! | (d[so + 1]! << 8) | (d[so + 2]! << 16)) + d[so + 3]! * 0x1000000 !== idLo || (svHi & 0x3fffffff) !== idHi) continue;
    const state = svHi >>> 30; // 1: committed, 2: finalized
    if (state !== 1 && state !== 2) continue;
    // lpos % dataSize: dataSize is a power of two <= 2^30, so the low 32 bits decide it.
    const bo = dp + oLpos + oBegin;
    const no = dp + oLpos + oNext;
    let begin = (d[bo]! | (d[bo + 1]! << 8) | (d[bo + 2]! << 16) | (d[bo + 3]! << 24)) & (dataSizeN - 1);
    const next = (d[no]! | (d[no + 1]! << 8) | (d[no + 2]! << 16) | (d[no + 3]! << 24)) & (dataSizeN - 1);
    if (begin === next) continue;
    const info = infos.at(slot * infoSize, infoSize);
    if (info === null || infos.bad) {
      lostRecords++;
      continue;
    }
    const ip = infos.pos;
    let textLen = info[ip + oLen]! | (info[ip + oLen + 1]! << 8);
    if (begin > next) begin = 0;
    begin += 8;
    if (next >= begin && next - begin < textLen) textLen = next - begin;
    if (begin + textLen > dataSizeN) textLen = Math.max(0, dataSizeN - begin);
    const text = texts.read(begin, textLen);
    lostPages += texts.bad;
    const flagsByte = hasFlags ? info[ip + oLen + 3]! : -1;
    records.push({
      seq: oSeq !== undefined ? u64big(info, ip + oSeq) : null,
      tsNsec: u64big(info, ip + oTs),
      text,
      facility: hasFacility ? info[ip + oLen + 2]! : null,
      level: flagsByte < 0 ? null : flagsByte >> 5,
      flags: flagsByte < 0 ? null : flagsByte & 0x1f,
      callerId: hasCaller ? u32(info, ip + oCaller!) : null,
      subsystem: subAt >= 0 ? cfield(info, ip + subAt, subLen) : null,
      device: devAt >= 0 ? cfield(info, ip + devAt, devLen) : null,
      dict: null,
    });
  }
  if (lostRecords) gaps.push({ source: SRC, what: `${count(lostRecords, 'printk record', 'printk records')} unreadable (descriptor pages not in the dump)` });
  if (lostPages) gaps.push({ source: SRC, what: `${count(lostPages, 'page', 'pages')} of printk text not in the dump (read as zeros)` });
  // Descriptors that were read but none of them committed with the expected id: the indices are damaged.
  if (records.length === 0 && lostRecords === 0)
    gaps.push({ source: SRC, what: `the printk ring holds no record between tail ${tailId.toString(16)} and head ${headId.toString(16)}: its indices may be damaged` });
  return { generation: 'lockless', records, plain: null, hasCallerId: oCaller !== undefined, gaps };
}

function readVariable(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const gaps: Gap[] = [];
  // The struct was called `log` in 3.5-3.10 and `printk_log` from 3.11.
  const name = vi.sizes.has('printk_log') ? 'printk_log' : 'log';
  const size = need(vi.sizes, name);
  const oLen = need(vi.offsets, `${name}.len`);
  const oTextLen = need(vi.offsets, `${name}.text_len`);
  const oTs = need(vi.offsets, `${name}.ts_nsec`);
  const oCaller = vi.offsets.get(`${name}.caller_id`);
  const logBuf = dump.readU64(vi.symbols.get('log_buf')!);
  const bufLen = dump.readU32(vi.symbols.get('log_buf_len')!);
  const firstVa = vi.symbols.get('log_first_idx');
  const nextVa = vi.symbols.get('log_next_idx');
  if (firstVa === undefined || nextVa === undefined) throw new MissingLayout('VMCOREINFO lacks SYMBOL(log_first_idx) or SYMBOL(log_next_idx)');
  const first = dump.readU32(firstVa);
  const nextIdx = dump.readU32(nextVa);
  if (logBuf === null || bufLen === null || first === null || nextIdx === null)
    throw new Error('cannot read the kernel log: log_buf, log_buf_len, log_first_idx or log_next_idx is not in the dump');
  if (bufLen <= 0 || bufLen > MAX_LOG_BUF) throw new Error(`cannot read the kernel log: implausible log_buf_len ${bufLen}`);
  if (size < oTextLen + 2 || size > 256) throw new Error('cannot read the kernel log: implausible struct printk_log size');
  const r = dump.readVirt(logBuf, bufLen);
  if (r.bad.length) gaps.push({ source: SRC, what: `${count(r.bad.length, 'page', 'pages')} of log_buf not in the dump (read as zeros)` });
  const buf = r.data;
  const records: LogRecord[] = [];
  const len = (p: number): number => (p + oLen + 2 <= bufLen ? buf.readUInt16LE(p + oLen) : 0);
  let ptr = first;
  // At most one record per minimal record size: bounds the walk even on a garbage ring.
  const maxSteps = Math.floor(bufLen / Math.max(1, size)) + 2;
  let steps = 0;
  let broken = false;
  while (ptr !== nextIdx) {
    if (++steps > maxSteps || ptr >= bufLen) {
      broken = true;
      break;
    }
    const l = len(ptr);
    const rec = l === 0 ? 0 : ptr; // a zero length marks the end of the buffer: wrap to its start
    if (rec + size > bufLen) {
      broken = true;
      break;
    }
    const textLen = buf.readUInt16LE(rec + oTextLen);
    const dictLen = oTextLen + 4 <= size ? buf.readUInt16LE(rec + oTextLen + 2) : 0;
    const tEnd = Math.min(bufLen, rec + size + textLen);
    const text = Buffer.from(buf.subarray(rec + size, tEnd));
    const dEnd = Math.min(bufLen, tEnd + dictLen);
    const dict = dictLen ? buf.subarray(tEnd, dEnd).toString('latin1') : null;
    const kv = new Map((dict ?? '').split('\0').map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] as [string, string]));
    const fb = oTextLen + 5 < size ? buf[rec + oTextLen + 5]! : null;
    records.push({
      seq: null,
      tsNsec: buf.readBigUInt64LE(rec + oTs),
      text,
      facility: oTextLen + 4 < size ? buf[rec + oTextLen + 4]! : null,
      level: fb === null ? null : fb >> 5,
      flags: fb === null ? null : fb & 0x1f,
      callerId: oCaller !== undefined && rec + oCaller + 4 <= bufLen ? buf.readUInt32LE(rec + oCaller) : null,
      subsystem: kv.get('SUBSYSTEM') ?? null,
      device: kv.get('DEVICE') ?? null,
      dict,
    });
    const step = l === 0 ? len(0) : l;
    if (step === 0) {
      broken = true;
      break;
    }
    ptr = rec + step;
  }
  if (broken) gaps.push({ source: SRC, what: `the log_buf record chain is broken after ${count(records.length, 'record', 'records')} (garbage indices)` });
  return { generation: 'variable', records, plain: null, hasCallerId: oCaller !== undefined, gaps };
}

function readPlain(dump: Dump): KernelLog {
  const vi = dump.vmcoreinfo;
  const gaps: Gap[] = [];
  const logBuf = dump.readU64(vi.symbols.get('log_buf')!);
  const bufLen = dump.readU32(vi.symbols.get('log_buf_len')!);
  // log_end is `unsigned long` up to 2.6.24 and `unsigned` from 2.6.25.
  const ver = kernelVersionCode(vi.osrelease);
  const endVa = vi.symbols.get('log_end')!;
  const wide = ver !== null && ver < 2 * 65536 + 6 * 256 + 25;
  const end64 = wide ? dump.readU64(endVa) : null;
  const logEnd = wide ? (end64 === null ? null : end64 > 0xffffffffn ? null : Number(end64)) : dump.readU32(endVa);
  if (logBuf === null || bufLen === null || logEnd === null) throw new Error('cannot read the kernel log: log_buf, log_buf_len or log_end is not in the dump');
  if (bufLen <= 0 || bufLen > MAX_LOG_BUF || (bufLen & (bufLen - 1)) !== 0) throw new Error(`cannot read the kernel log: implausible log_buf_len ${bufLen}`);
  let out: Buffer;
  let bad = 0;
  if (logEnd < bufLen) {
    const r = dump.readVirt(logBuf, logEnd);
    out = r.data;
    bad = r.bad.length;
  } else {
    const index = logEnd & (bufLen - 1);
    const a = dump.readVirt(logBuf + BigInt(index), bufLen - index);
    const b = dump.readVirt(logBuf, index);
    out = Buffer.concat([a.data, b.data]);
    bad = a.bad.length + b.bad.length;
  }
  if (bad) gaps.push({ source: SRC, what: `${count(bad, 'page', 'pages')} of log_buf not in the dump (read as zeros)` });
  return { generation: 'plain', records: [], plain: out, hasCallerId: false, gaps };
}
