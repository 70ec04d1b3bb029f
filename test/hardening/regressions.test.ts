// Every failure the fuzzers found, as a regression test: the saved input (test/fixtures/fuzz/
// <target>-<what>.bin) replayed through its target, plus the exact behaviour the fix gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { TARGETS, FUZZ_FIXTURES, unpackImage } from '../../scripts/fuzz-targets.js';
import { isClearError } from '../../scripts/fuzz.js';
import { readKernelLog } from '../../src/readers/vmcore/printk.js';
import { snappyUncompress } from '../../src/readers/vmcore/snappy.js';
import { readLog, createLogReader } from '../../src/readers/log/index.js';
import { looksLikeModuleContinuation } from '../../src/readers/log/body.js';
import { helloImage, tempDir, writeKdump } from '../../src/readers/vmcore/testkit.js';
import { Dump } from '../../src/readers/vmcore/dump.js';
import { KdumpMemory } from '../../src/readers/vmcore/kdump.js';
import { repoRoot } from '../paths.js';

const fixture = (name: string): Buffer => readFileSync(join(FUZZ_FIXTURES, name));

test('every saved fuzz failure replays through its target within 1 s, with no bug-class exception', () => {
  const files = readdirSync(FUZZ_FIXTURES).filter((f) => f.endsWith('.bin'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const target = TARGETS.filter((t) => f.startsWith(`${t.name}-`)).sort((a, b) => b.name.length - a.name.length)[0];
    assert.ok(target, `no target for ${f}`);
    const t0 = performance.now();
    try {
      target.run(readFileSync(join(FUZZ_FIXTURES, f)));
    } catch (err) {
      assert.ok(target.mayThrow && isClearError(err), `${f}: ${(err as Error).stack}`);
    }
    assert.ok(performance.now() - t0 < 1000, `${f} took ${(performance.now() - t0).toFixed(0)} ms`);
  }
});

test('printk: a 3.5-5.9 layout without SYMBOL(log_first_idx) is one clear error (was a TypeError)', () => {
  const u = unpackImage(fixture('printk-variable-no-first-idx.bin'))!;
  assert.ok(u.dump.vmcoreinfo.symbols.has('log_buf'));
  assert.equal(u.dump.vmcoreinfo.symbols.has('log_first_idx'), false);
  assert.throws(() => readKernelLog(u.dump), (e: Error) => e.constructor === Error && /^cannot read the kernel log: VMCOREINFO lacks SYMBOL\(log_first_idx\) or SYMBOL\(log_next_idx\)$/.test(e.message));
});

test('snappy: a negative 4-byte literal length is refused at once (snappyjs looped ~2^31 times)', () => {
  const page = fixture('page-snappy-negative-literal.bin');
  const t0 = performance.now();
  assert.throws(() => snappyUncompress(page, 4096), /^Error: snappy: |snappy: /);
  assert.ok(performance.now() - t0 < 50);
  // Hand-made (Snappy's format_description.txt): length 4, tag 0xfc = literal with a 4-byte length
  // field, holding 0xffffffff: length 2^32, past the input.
  assert.throws(() => snappyUncompress(Buffer.from([4, 0xfc, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]), 4096), /literal past input/);
  // Copies: offset 0, offset before the start, output past the announced length.
  assert.throws(() => snappyUncompress(Buffer.from([8, 0x00, 0x61, 0x01, 0x00]), 4096), /bad copy/);
  assert.throws(() => snappyUncompress(Buffer.from([8, 0x00, 0x61, 0x01, 0x05]), 4096), /bad copy/);
  assert.throws(() => snappyUncompress(Buffer.from([0x80, 0x40]), 4096), /over 4096/);
});

test('snappy: the own decoder gives back what snappyjs compressed (real pages of a hand-made image)', () => {
  const img = helloImage();
  const pages = [img.mem.subarray(0x2000, 0x3000), img.mem.subarray(0x5000, 0x6000), Buffer.alloc(4096, 0x41), Buffer.from(readFileSync(join(repoRoot(), 'test', 'fixtures', 'logs', 'lab-bug-module.dmesg.txt')).subarray(0, 4096))];
  for (const p of pages) {
    const c = Buffer.from(snappy.compress(new Uint8Array(p)));
    assert.deepEqual(Buffer.from(snappyUncompress(c, 4096)), p);
  }
});

test('zstd: an 18-byte page of 98,047 sequences of 65,539-byte matches reads as corrupt at once (fzstd looped for minutes)', () => {
  const bomb = fixture('page-zstd-sequence-bomb.bin');
  // A one-page kdump (makedumpfile's layout, written by the testkit) whose page 1 is this zstd frame.
  const path = join(tempDir(), 'zstd-bomb.kdump');
  writeKdump(path, { pageSize: 4096, maxPfn: 2, pages: new Map([[1, Buffer.alloc(4096, 0x41)]]), compressed: new Map([[1, bomb]]), vmcoreinfo: 'OSRELEASE=6.1.0\nPAGESIZE=4096\n', codec: 'zstd' });
  const d = new Dump(path);
  try {
    assert.ok(d.mem instanceof KdumpMemory);
    const t0 = performance.now();
    const r = d.mem.readPage(1);
    assert.ok(performance.now() - t0 < 50, `took ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(r.status, 'corrupt');
    assert.equal(r.why, 'page does not decompress: zstd: block size 9 over Block_Maximum_Size 0');
    assert.deepEqual(d.mem.codecs, ['zstd']);
  } finally {
    d.close();
  }
});

// The saved inputs of the two log-reader findings were rebuilt by hand from the lab's own oops-null-module
// console (test/fixtures/logs) with the shapes that triggered them (the fuzzers' originals were mutated
// syzkaller corpus files, which may not be copied into the project): boot noise with a garbled and an
// out-of-order time stamp before the oops; a module-list continuation line holding one 3,000-char word.
test('log reader: the same events whatever the chunk boundaries (a reboot was detected from where a chunk ended)', () => {
  const input = fixture('log-stream-boot-by-chunk.bin');
  const key = (r: ReturnType<typeof readLog>): string => JSON.stringify([r.boots, r.events.map((e) => [e.kind, e.header, e.source, e.boot, e.title])]);
  const whole = readLog('x', input);
  assert.equal(whole.boots, 3);
  assert.equal(whole.events[0]!.source.startLine, 38);
  assert.equal(whole.events[0]!.source.endLine, 88);
  const want = key(whole);
  for (let p = 1; p < input.length; p += 7) {
    const r = createLogReader('x');
    r.push(input.subarray(0, p));
    r.push(input.subarray(p));
    assert.equal(key(r.end()), want, `split at ${p}`);
  }
});

test('log reader: a long word on a module-list continuation line is checked in linear time (was 55 s for 3 KB)', () => {
  const input = fixture('analyze-module-line-backtracking.bin');
  const t0 = performance.now();
  readLog('x', input);
  assert.ok(performance.now() - t0 < 500, `took ${(performance.now() - t0).toFixed(0)} ms`);
  const t1 = performance.now();
  assert.equal(looksLikeModuleContinuation('a_'.repeat(2000) + '!'), false);
  assert.ok(performance.now() - t1 < 50);
  // Real continuation lines keep matching (lab bug-module's list; hand-made wrap with last unloaded).
  assert.equal(looksLikeModuleContinuation('ktl_bug(OE) qemu_fw_cfg virtio_blk virtio_pci virtio_pci_modern_dev'), true);
  assert.equal(looksLikeModuleContinuation(' virtio_ring virtio [last unloaded: ktl_x(OE)]'), true);
});
