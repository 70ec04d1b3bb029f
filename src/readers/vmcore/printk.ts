// The kernel log from VMCOREINFO alone, for the three printk generations:
//  - lockless printk_ringbuffer (5.10+): kernel/printk/printk_ringbuffer.[ch];
//  - variable-length `struct printk_log` records in log_buf (3.5-5.9): kernel/printk/printk.c;
//  - the plain character log_buf with log_end (before 3.5).
// Records are walked the way makedumpfile's dump_dmesg()/dump_lockless_dmesg() walk them, so that the
// text printed by format.ts matches `makedumpfile --dump-dmesg`; every index is bounded and checked.
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import { kernelVersionCode } from './vmcoreinfo.js';

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

function cstring(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('latin1');
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
  for (let i = 0n, id = tailId; i <= span; i++, id = (id + 1n) & DESC_ID_MASK) {
    const slot = id % descCount;
    const d = dump.readVirt(descsVa + slot * BigInt(descSize), descSize);
    if (d.bad.length) {
      lostRecords++;
      continue;
    }
    const sv = d.data.readBigUInt64LE(oState);
    if ((sv & DESC_ID_MASK) !== id) continue;
    const state = (sv >> DESC_FLAGS_SHIFT) & 3n;
    if (state !== 1n && state !== 2n) continue;
    let begin = Number(d.data.readBigUInt64LE(oLpos + oBegin) % dataSize);
    const next = Number(d.data.readBigUInt64LE(oLpos + oNext) % dataSize);
    if (begin === next) continue;
    const inf = dump.readVirt(infosVa + slot * BigInt(infoSize), infoSize);
    if (inf.bad.length) {
      lostRecords++;
      continue;
    }
    const info = inf.data;
    let textLen = info.readUInt16LE(oLen);
    if (begin > next) begin = 0;
    begin += 8;
    if (next >= begin && next - begin < textLen) textLen = next - begin;
    if (begin + textLen > dataSizeN) textLen = Math.max(0, dataSizeN - begin);
    const t = dump.readVirt(dataVa + BigInt(begin), textLen);
    if (t.bad.length) lostPages += t.bad.length;
    const flagsByte = oLen + 3 < infoSize ? info[oLen + 3]! : null;
    const devBase = oDev ?? null;
    records.push({
      seq: oSeq !== undefined ? info.readBigUInt64LE(oSeq) : null,
      tsNsec: info.readBigUInt64LE(oTs),
      text: t.data,
      facility: oLen + 2 < infoSize ? info[oLen + 2]! : null,
      level: flagsByte === null ? null : flagsByte >> 5,
      flags: flagsByte === null ? null : flagsByte & 0x1f,
      callerId: oCaller !== undefined && oCaller + 4 <= infoSize ? info.readUInt32LE(oCaller) : null,
      subsystem: devBase !== null && oSub !== undefined && devBase + oSub + subLen <= infoSize ? cstring(info.subarray(devBase + oSub, devBase + oSub + subLen)) || null : null,
      device: devBase !== null && oDevice !== undefined && devBase + oDevice + devLen <= infoSize ? cstring(info.subarray(devBase + oDevice, devBase + oDevice + devLen)) || null : null,
      dict: null,
    });
  }
  if (lostRecords) gaps.push({ source: SRC, what: `${count(lostRecords, 'printk record', 'printk records')} unreadable (descriptor pages not in the dump)` });
  if (lostPages) gaps.push({ source: SRC, what: `${count(lostPages, 'page', 'pages')} of printk text not in the dump (read as zeros)` });
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
