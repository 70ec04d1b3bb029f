// Bad input: truncated dumps, lying headers, descriptors past the end, pages that do not decompress,
// a 2 TB sparse core. Each gives a clear error or the readable part with named gaps, quickly and in
// bounded memory. The dumps are hand-made (testkit writers: kdump-compressed per makedumpfile's
// diskdump_mod.h, ELF64 per elf.h) around the lockless printk layout of printk.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readVmcore } from './index.js';
import { SynthImage, tempDir, writeKdump } from './testkit.js';

/** A small image whose log is one record "hello from a hand-made dump" (lockless, 6.1 offsets). */
function image(): SynthImage {
  const img = new SynthImage(1 << 20);
  const prbVar = 0x1000, prb = 0x2000, descs = 0x3000, infos = 0x4000, data = 0x5000;
  img.info('OSRELEASE=6.1.0-handmade');
  img.info('PAGESIZE=4096');
  img.info('NUMBER(phys_base)=0');
  img.info(`SYMBOL(init_top_pgt)=${img.textVa(0x10000).toString(16)}`);
  img.info(`SYMBOL(prb)=${img.textVa(prbVar).toString(16)}`);
  for (const l of [
    'SIZE(printk_ringbuffer)=88', 'OFFSET(printk_ringbuffer.desc_ring)=0', 'OFFSET(printk_ringbuffer.text_data_ring)=48',
    'OFFSET(prb_desc_ring.count_bits)=0', 'OFFSET(prb_desc_ring.descs)=8', 'OFFSET(prb_desc_ring.infos)=16',
    'OFFSET(prb_desc_ring.head_id)=24', 'OFFSET(prb_desc_ring.tail_id)=32', 'SIZE(prb_desc)=24', 'OFFSET(prb_desc.state_var)=0',
    'OFFSET(prb_desc.text_blk_lpos)=8', 'OFFSET(prb_data_blk_lpos.begin)=0', 'OFFSET(prb_data_blk_lpos.next)=8',
    'SIZE(printk_info)=88', 'OFFSET(printk_info.ts_nsec)=8', 'OFFSET(printk_info.text_len)=16',
    'OFFSET(prb_data_ring.size_bits)=0', 'OFFSET(prb_data_ring.data)=8', 'OFFSET(atomic_long_t.counter)=0',
  ]) img.info(l);
  img.u64(prbVar, img.textVa(prb));
  img.u32(prb, 2);
  img.u64(prb + 8, img.textVa(descs));
  img.u64(prb + 16, img.textVa(infos));
  img.u64(prb + 24, 0n);
  img.u64(prb + 32, 0n);
  img.u32(prb + 48, 12);
  img.u64(prb + 56, img.textVa(data));
  const text = 'hello from a hand-made dump';
  img.u64(descs, (2n << 62n) | 0n);
  img.u64(descs + 8, 0n);
  img.u64(descs + 16, BigInt((8 + text.length + 7) & ~7));
  img.u64(infos + 8, 7_000_000n);
  img.u16(infos + 16, text.length);
  img.bytes(data + 8, text);
  return img;
}
const WANT = '[    0.007000] hello from a hand-made dump\n';

function kdump(name: string, codec: 'zlib' | 'none' = 'zlib'): string {
  const img = image();
  const f = join(tempDir(), name);
  writeKdump(f, { pageSize: 4096, maxPfn: 256, pages: img.kdumpPages(), vmcoreinfo: img.vmcoreinfo(), codec, release: '6.1.0-handmade' });
  return f;
}

/** Offset and contents of page pfn's descriptor in a file written by writeKdump. */
function descOf(f: string, pfn: number): { at: number; off: number; size: number } {
  const b = readFileSync(f);
  const bs = b.readInt32LE(428);
  const sub = b.readInt32LE(432);
  const bmb = b.readUInt32LE(436);
  const at = (1 + sub + bmb) * bs + pfn * 24; // every page is stored: descriptor index = pfn
  return { at, off: Number(b.readBigUInt64LE(at)), size: b.readUInt32LE(at + 8) };
}

test('hand-made kdump reads back', () => {
  const r = readVmcore(kdump('ok.kdump'), { countPages: true });
  assert.equal(r.log, WANT);
  assert.deepEqual(r.gaps, []);
  assert.equal(r.info.pages!.dumpable, 256);
  assert.ok(r.info.pages!.zero! > 200);
});

test('empty, garbage and missing files are clear errors', () => {
  const e = join(tempDir(), 'empty');
  writeFileSync(e, '');
  assert.throws(() => readVmcore(e), /empty file/);
  const g = join(tempDir(), 'garbage');
  writeFileSync(g, Buffer.alloc(10000, 0x5a));
  assert.throws(() => readVmcore(g), /not a vmcore/);
  assert.throws(() => readVmcore(join(tempDir(), 'does-not-exist')), /ENOENT/);
});

test('truncated kdump: the header survives, the log pages do not: named gap, no throw', () => {
  const f = kdump('trunc.kdump');
  const d = descOf(f, 1);
  truncateSync(f, d.off - 10);
  const r = readVmcore(f);
  assert.equal(r.info.printk, null);
  assert.match(r.gaps[0]!.what, /cannot read the kernel log/);
  truncateSync(f, 300);
  assert.throws(() => readVmcore(f), /kdump header truncated/);
});

test('a header that lies about the bitmap size is a clear error', () => {
  const f = kdump('lying.kdump');
  const fd = openSync(f, 'r+');
  const b = Buffer.alloc(4);
  b.writeUInt32LE(0x7fffffff, 0);
  writeSync(fd, b, 0, 4, 436);
  closeSync(fd);
  assert.throws(() => readVmcore(f), /bitmaps extend past end of file/);
});

test('a descriptor pointing past the file and a page that does not decompress: named gaps', () => {
  const f = kdump('baddesc.kdump');
  // The text page (pfn 5) points far past the end of the file.
  const d = descOf(f, 5);
  const fd = openSync(f, 'r+');
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(1n << 40n, 0);
  writeSync(fd, b, 0, 8, d.at);
  closeSync(fd);
  const r = readVmcore(f);
  assert.equal(r.log, '[    0.007000] ' + '\\x00'.repeat(27) + '\n');
  assert.match(r.gaps.map((g) => g.what).join(';'), /1 pages of printk text not in the dump/);

  const f2 = kdump('badzlib.kdump');
  const d2 = descOf(f2, 5);
  const fd2 = openSync(f2, 'r+');
  writeSync(fd2, Buffer.alloc(d2.size, 0xff), 0, d2.size, d2.off);
  closeSync(fd2);
  const r2 = readVmcore(f2);
  assert.equal(r2.gaps.length, 1);
  assert.match(r2.gaps[0]!.what, /printk text not in the dump/);
});

test('a 2 TB sparse ELF core: the log is read from the few pages it needs, fast', () => {
  const img = image();
  const f = join(tempDir(), 'sparse-2tb.elf');
  img.writeElf(f, Buffer.alloc(0), [{ paddr: 1 << 20, data: Buffer.alloc(0), sparse: 2 ** 41 }]);
  const t0 = Date.now();
  const r = readVmcore(f, { countPages: true });
  assert.equal(r.log, WANT);
  assert.equal(r.info.pages!.total, 256 + 2 ** 29);
  assert.ok(r.stats.bytesRead < 1 << 22, `bytes read ${r.stats.bytesRead}`);
  assert.ok(Date.now() - t0 < 5000);
  truncateSync(f, 0);
});
