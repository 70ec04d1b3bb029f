// The three printk generations on hand-made memory images. Each image follows the kernel's own layout
// of that generation exactly (field offsets given through VMCOREINFO as the kernel exports them):
//  - lockless ring (5.10: kernel/printk/printk_ringbuffer.h: prb_desc_ring {count_bits, descs, infos,
//    head_id, tail_id}, prb_data_ring {size_bits, data, head_lpos, tail_lpos}, prb_desc {state_var,
//    text_blk_lpos {begin, next}}, printk_info {seq, ts_nsec, text_len, facility, flags:5/level:3,
//    caller_id, dev_info {subsystem[16], device[48]}}, data blocks = 8-byte id + text);
//  - variable-length records (3.11-5.9: struct printk_log {u64 ts_nsec; u16 len, text_len, dict_len;
//    u8 facility; u8 flags:5, level:3} packed, 4-byte aligned on x86; a zero len marks the buffer end);
//  - plain log_buf (before 3.5: log_buf, log_buf_len, log_end as unsigned).
// Expected outputs are written by hand in makedumpfile --dump-dmesg's format (makedumpfile.c
// dump_log_entry(), printk.c dump_record(); the plain buffer is copied as it is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readVmcore } from './index.js';
import { SynthImage, tempDir } from './testkit.js';

const ID_MASK = (1n << 62n) - 1n;

function locklessImage(opts: { tailBack?: bigint } = {}): { img: SynthImage; headId: bigint } {
  const img = new SynthImage();
  const prbVar = 0x1000;
  const prb = 0x2000;
  const descs = 0x3000;
  const infos = 0x4000;
  const data = 0x5000;
  const countBits = 3;
  const sizeBits = 6;
  const size = 64n;
  img.info('OSRELEASE=5.10.0-synthetic');
  img.info('PAGESIZE=4096');
  img.info(`SYMBOL(prb)=${img.textVa(prbVar).toString(16)}`);
  for (const l of [
    'SIZE(printk_ringbuffer)=80', 'OFFSET(printk_ringbuffer.desc_ring)=0', 'OFFSET(printk_ringbuffer.text_data_ring)=40',
    'OFFSET(printk_ringbuffer.fail)=72', 'SIZE(prb_desc_ring)=40', 'OFFSET(prb_desc_ring.count_bits)=0',
    'OFFSET(prb_desc_ring.descs)=8', 'OFFSET(prb_desc_ring.infos)=16', 'OFFSET(prb_desc_ring.head_id)=24',
    'OFFSET(prb_desc_ring.tail_id)=32', 'SIZE(prb_desc)=24', 'OFFSET(prb_desc.state_var)=0', 'OFFSET(prb_desc.text_blk_lpos)=8',
    'SIZE(prb_data_blk_lpos)=16', 'OFFSET(prb_data_blk_lpos.begin)=0', 'OFFSET(prb_data_blk_lpos.next)=8',
    'SIZE(printk_info)=88', 'OFFSET(printk_info.seq)=0', 'OFFSET(printk_info.ts_nsec)=8', 'OFFSET(printk_info.text_len)=16',
    'OFFSET(printk_info.caller_id)=20', 'OFFSET(printk_info.dev_info)=24', 'SIZE(dev_printk_info)=64',
    'OFFSET(dev_printk_info.subsystem)=0', 'LENGTH(printk_info_subsystem)=16', 'OFFSET(dev_printk_info.device)=16',
    'LENGTH(printk_info_device)=48', 'SIZE(prb_data_ring)=32', 'OFFSET(prb_data_ring.size_bits)=0', 'OFFSET(prb_data_ring.data)=8',
    'OFFSET(prb_data_ring.head_lpos)=16', 'OFFSET(prb_data_ring.tail_lpos)=24', 'SIZE(atomic_long_t)=8', 'OFFSET(atomic_long_t.counter)=0',
    'SOMETHING_NEW=ignored',
  ]) img.info(l);
  img.u64(prbVar, img.textVa(prb));
  img.u32(prb + 0, countBits);
  img.u64(prb + 8, img.textVa(descs));
  img.u64(prb + 16, img.textVa(infos));
  img.u32(prb + 40, sizeBits);
  img.u64(prb + 48, img.textVa(data));
  // ids wrap through the 62-bit id space, as they do from the kernel's initial -(count+1).
  const ids = [ID_MASK - 2n, ID_MASK - 1n, ID_MASK, 0n, 1n, 2n];
  const head = 2n;
  const tail = (head - (opts.tailBack ?? 5n)) & ID_MASK;
  img.u64(prb + 24, head);
  img.u64(prb + 32, tail);
  const base = 64n * 1000n; // logical positions many laps into the ring
  const desc = (id: bigint, state: bigint, begin: bigint, next: bigint, svId = id): void => {
    const slot = Number(id % 8n);
    img.u64(descs + slot * 24, (state << 62n) | svId);
    img.u64(descs + slot * 24 + 8, begin);
    img.u64(descs + slot * 24 + 16, next);
  };
  const info = (id: bigint, ts: bigint, textLen: number, extra: { caller?: number; sub?: string; dev?: string; level?: number } = {}): void => {
    const o = infos + Number(id % 8n) * 88;
    img.u64(o, 100n + (id & 0xffn));
    img.u64(o + 8, ts);
    img.u16(o + 16, textLen);
    img.mem[o + 19] = ((extra.level ?? 6) << 5) | 0;
    img.u32(o + 20, extra.caller ?? 0);
    if (extra.sub) img.bytes(o + 24, extra.sub);
    if (extra.dev) img.bytes(o + 24 + 16, extra.dev);
  };
  // id A (reserved: skipped)
  desc(ids[0]!, 0n, base + 32n, base + 48n);
  info(ids[0]!, 1n, 3);
  // id B "first" at ring offset 16, finalized, with dev_info and a CPU caller id
  desc(ids[1]!, 2n, base + 16n, base + 32n);
  info(ids[1]!, 1_000_000_000n, 5, { caller: 0x80000001, sub: 'pci', dev: '+pci:0000:00:02.0', level: 4 });
  img.u64(data + 16, ids[1]!);
  img.bytes(data + 24, 'first');
  // id C: committed but data-less (FAILED_LPOS): skipped
  desc(ids[2]!, 1n, 1n, 1n);
  info(ids[2]!, 2n, 0);
  // id 0: wrapping block: begins 8 bytes before the ring's end, its data is at the ring's start
  desc(ids[3]!, 2n, base - 8n, base + 16n);
  info(ids[3]!, 12_345_678_901n, 7, { caller: 42 });
  img.u64(data + 0, ids[3]!);
  img.bytes(data + 8, 'wrap\nme');
  // id 1: text_len says 20 but the block holds 8 bytes: truncated to the block
  desc(ids[4]!, 2n, base + 32n, base + 48n);
  info(ids[4]!, 99_999_999_999_999n, 20);
  img.u64(data + 32, ids[4]!);
  img.bytes(data + 40, Buffer.from([0x74, 0x01, 0xe9, 0x09, 0x61, 0x62, 0x63, 0x64]));
  img.bytes(data + 48, 'efghijkl');
  // id 2 (head): its slot holds an older id (desc_miss): skipped
  desc(ids[5]!, 2n, base + 48n, base + 56n, ids[5]! - 8n);
  info(ids[5]!, 5n, 2);
  void size;
  return { img, headId: head };
}

const LOCKLESS_WANT = '[    1.000000] first\n[   12.345678] wrap\n               me\n[99999.999999] t\\x01\\xffffffe9\tabcd\n';

test('lockless printk_ringbuffer (hand-made 5.10 layout): states, wrap-around, id wrap, truncation', () => {
  const { img } = locklessImage();
  const f = join(tempDir(), 'lockless.elf');
  img.writeElf(f);
  const r = readVmcore(f);
  assert.equal(r.log, LOCKLESS_WANT);
  assert.deepEqual(r.gaps, []);
  assert.equal(r.info.printk, 'lockless');
  assert.equal(r.info.release, '5.10.0-synthetic');
  const first = r.records[0]!;
  assert.equal(first.subsystem, 'pci');
  assert.equal(first.device, '+pci:0000:00:02.0');
  assert.equal(first.level, 4);
  assert.equal(first.callerId, 0x80000001);
  // Newer makedumpfile's caller column.
  const withCaller = readVmcore(f, { callerId: true });
  assert.equal(withCaller.log.split('\n')[0], '[    1.000000] [      C1] first');
  assert.equal(withCaller.log.split('\n')[1], '[   12.345678] [     T42] wrap');
  assert.equal(withCaller.log.split('\n')[2], '                          me');
});

test('lockless ring with garbage indices: one lap read, named gap, no hang', () => {
  const { img } = locklessImage({ tailBack: 1n << 40n });
  const f = join(tempDir(), 'lockless-garbage.elf');
  img.writeElf(f);
  const r = readVmcore(f);
  assert.equal(r.log, LOCKLESS_WANT);
  assert.equal(r.gaps.length, 1);
  assert.match(r.gaps[0]!.what, /printk ring indices are inconsistent/);
});

test('lockless ring with an implausible size is a clear error, not an allocation', () => {
  const { img } = locklessImage();
  img.u32(0x2000 + 40, 60); // size_bits 60
  const f = join(tempDir(), 'lockless-huge.elf');
  img.writeElf(f);
  const r = readVmcore(f);
  assert.equal(r.info.printk, null);
  assert.match(r.gaps[0]!.what, /implausible ring sizes/);
});

/** struct printk_log (3.11-5.9, x86: packed, aligned 4): 16-byte header + text + dict, padded to 4. */
function printkLog(ts: bigint, text: string | Buffer, dict = '', level = 6, facility = 0): Buffer {
  const t = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const d = Buffer.from(dict, 'latin1');
  const len = (16 + t.length + d.length + 3) & ~3;
  const b = Buffer.alloc(len);
  b.writeBigUInt64LE(ts, 0);
  b.writeUInt16LE(len, 8);
  b.writeUInt16LE(t.length, 10);
  b.writeUInt16LE(d.length, 12);
  b[14] = facility;
  b[15] = (level << 5) | 2; // LOG_NEWLINE
  t.copy(b, 16);
  d.copy(b, 16 + t.length);
  return b;
}

function variableImage(): SynthImage {
  const img = new SynthImage();
  img.pageTables();
  const logBufVar = 0x1000;
  const lenVar = 0x1008;
  const firstVar = 0x1010;
  const nextVar = 0x1014;
  const buf = 0x20000; // log_buf itself is reached through the direct map
  const bufLen = 512;
  img.info('OSRELEASE=4.19.0-synthetic');
  img.info('PAGESIZE=4096');
  img.info(`SYMBOL(log_buf)=${img.textVa(logBufVar).toString(16)}`);
  img.info(`SYMBOL(log_buf_len)=${img.textVa(lenVar).toString(16)}`);
  img.info(`SYMBOL(log_first_idx)=${img.textVa(firstVar).toString(16)}`);
  img.info(`SYMBOL(log_next_idx)=${img.textVa(nextVar).toString(16)}`);
  img.info('SIZE(printk_log)=16');
  img.info('OFFSET(printk_log.ts_nsec)=0');
  img.info('OFFSET(printk_log.len)=8');
  img.info('OFFSET(printk_log.text_len)=10');
  img.info('NUMBER(phys_base)=0');
  img.u64(logBufVar, img.directVa(buf));
  img.u32(lenVar, bufLen);
  const a = printkLog(1_500_000_000n, 'Linux version 4.19.0-synthetic');
  const b = printkLog(2_000_001_000n, 'e1000 0000:00:03.0: link up\nsecond line', 'SUBSYSTEM=pci\0DEVICE=+pci:0000:00:03.0', 4);
  const c = printkLog(3_000_000_000n, Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64, 0xe2, 0x80, 0x99, 0x7f]));
  // Oldest records from offset 300, then the end marker (len 0), then the newest at offset 0.
  const first = 300;
  img.bytes(buf + first, a);
  img.bytes(buf + first + a.length, b);
  // remaining bytes up to bufLen hold a zeroed header (len 0): wrap
  img.bytes(buf, c);
  img.u32(firstVar, first);
  img.u32(nextVar, c.length);
  return img;
}

test('variable-length printk_log records (hand-made 3.11-5.9 layout): wrap marker, dict, escapes', () => {
  const f = join(tempDir(), 'variable.elf');
  variableImage().writeElf(f);
  const r = readVmcore(f);
  assert.equal(
    r.log,
    '[    1.500000] Linux version 4.19.0-synthetic\n' +
      '[    2.000001] e1000 0000:00:03.0: link up\n               second line\n' +
      '[    3.000000] \\x1b[31mred\\xffffffe2\\xffffff80\\xffffff99\\x7f\n',
  );
  assert.deepEqual(r.gaps, []);
  assert.equal(r.info.printk, 'variable');
  assert.equal(r.records[1]!.dict, 'SUBSYSTEM=pci\0DEVICE=+pci:0000:00:03.0');
  assert.equal(r.records[1]!.subsystem, 'pci');
  assert.equal(r.records[1]!.device, '+pci:0000:00:03.0');
  assert.equal(r.records[1]!.level, 4);
});

test('variable-length records whose chain loops: bounded walk and a named gap', () => {
  const img = variableImage();
  // log_next_idx points nowhere the chain reaches: the walk wraps forever without a bound.
  img.u32(0x1014, 7);
  const f = join(tempDir(), 'variable-loop.elf');
  img.writeElf(f);
  const r = readVmcore(f);
  assert.match(r.gaps.map((g) => g.what).join(';'), /record chain is broken/);
  assert.ok(r.records.length > 0 && r.records.length <= 512 / 16 + 2);
});

function plainImage(logEnd: number): SynthImage {
  const img = new SynthImage();
  const bufVar = 0x1000;
  const lenVar = 0x1008;
  const endVar = 0x1010;
  const buf = 0x3000;
  img.info('OSRELEASE=2.6.32-synthetic');
  img.info('PAGESIZE=4096');
  img.info(`SYMBOL(log_buf)=${img.textVa(bufVar).toString(16)}`);
  img.info(`SYMBOL(log_buf_len)=${img.textVa(lenVar).toString(16)}`);
  img.info(`SYMBOL(log_end)=${img.textVa(endVar).toString(16)}`);
  img.info(`SYMBOL(init_top_pgt)=${img.textVa(0x10000).toString(16)}`);
  img.u64(bufVar, img.textVa(buf));
  img.u32(lenVar, 64);
  img.u32(endVar, logEnd);
  // 64-byte ring: the kernel writes at log_end & 63.
  img.bytes(buf, 'NEWEST>\n<6>[    1.000000] older line that wrapped around the buffer.\n');
  return img;
}

test('plain log_buf (hand-made pre-3.5 layout): wrapped and unwrapped buffers copied as they are', () => {
  const f = join(tempDir(), 'plain.elf');
  plainImage(64 + 8).writeElf(f);
  const r = readVmcore(f);
  const ring = 'NEWEST>\n<6>[    1.000000] older line that wrapped around the buffer.\n'.slice(0, 64);
  assert.equal(r.log, ring.slice(8) + ring.slice(0, 8));
  assert.equal(r.info.printk, 'plain');
  const g = join(tempDir(), 'plain2.elf');
  plainImage(20).writeElf(g);
  assert.equal(readVmcore(g).log, ring.slice(0, 20));
});
