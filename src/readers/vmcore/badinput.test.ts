// Bad input: truncated dumps, lying headers, descriptors past the end, pages that do not decompress,
// a 2 TB sparse core. Each gives a clear error or the readable part with named gaps, quickly and in
// bounded memory. The dumps are hand-made (testkit writers: kdump-compressed per makedumpfile's
// diskdump_mod.h, ELF64 per elf.h) around the lockless printk layout of printk.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readVmcore } from './index.js';
import { helloImage as image, HELLO_LOG as WANT, tempDir, writeKdump } from './testkit.js';


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
  assert.match(r.gaps.map((g) => g.what).join(';'), /1 page of printk text not in the dump/);

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

test('an incomplete kdump (status flag set by makedumpfile on ENOSPC) is named as a gap', () => {
  const f = kdump('incomplete.kdump');
  const fd = openSync(f, 'r+');
  const b = Buffer.alloc(4);
  b.writeUInt32LE(0x8, 0);
  writeSync(fd, b, 0, 4, 424);
  closeSync(fd);
  const r = readVmcore(f);
  assert.equal(r.log, WANT);
  assert.match(r.gaps[0]!.what, /the dump is incomplete/);
});

test('VMCOREINFO offsets outside their structures: a clear gap, not a RangeError', async () => {
  const { SynthImage } = await import('./testkit.js');
  const img = image();
  const lines = img.lines.map((l) => (l.startsWith('OFFSET(printk_info.ts_nsec)=') ? 'OFFSET(printk_info.ts_nsec)=4000' : l));
  const bad = new SynthImage(1 << 20);
  img.mem.copy(bad.mem);
  lines.forEach((l) => bad.info(l));
  const f = join(tempDir(), 'bad-offsets.elf');
  bad.writeElf(f);
  const r = readVmcore(f);
  assert.equal(r.info.printk, null);
  assert.match(r.gaps[0]!.what, /offsets outside the printk structures|inconsistent printk structure sizes/);
});

test('other architectures: the dump opens, the log is "not supported yet"', async () => {
  const { writeElfCore, note } = await import('./testkit.js');
  const img = image();
  const f = join(tempDir(), 'aarch64.elf');
  writeElfCore(f, note('VMCOREINFO', 0, Buffer.from(img.vmcoreinfo())), [{ paddr: 0, data: img.mem }], 183);
  const r = readVmcore(f);
  assert.equal(r.info.arch, 'aarch64');
  assert.equal(r.info.release, '6.1.0-handmade');
  assert.match(r.gaps[0]!.what, /address translation for aarch64 is not supported yet/);
});
