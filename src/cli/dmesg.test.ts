// `ktriage dmesg` and `ktriage info` through their run() functions: output, exit codes (DECISIONS.md 3),
// one-line errors. Hand-made dumps come from the vmcore reader's testkit; the lab dump when present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { run as dmesg } from './dmesg.js';
import { run as info } from './info.js';
import { HELLO_LOG, helloImage, LAB, tempDir, writeKdump } from '../readers/vmcore/testkit.js';
import { sink } from './testkit.js';

async function call(fn: typeof dmesg, args: string[]): Promise<{ code: number; out: string; err: string; outBuf: Buffer }> {
  const o = sink('latin1');
  const e = sink('latin1');
  const code = await fn(args, { stdout: o.w, stderr: e.w, isTTY: false });
  return { code, out: o.text(), err: e.text(), outBuf: o.buf() };
}

function kdumpFile(name: string): string {
  const img = helloImage();
  const f = join(tempDir(), name);
  writeKdump(f, { pageSize: 4096, maxPfn: 256, pages: img.kdumpPages(), vmcoreinfo: img.vmcoreinfo(), codec: 'zlib', release: '6.1.0-handmade', nrCpus: 1 });
  return f;
}

test('dmesg prints the log and exits 0', async () => {
  const r = await call(dmesg, [kdumpFile('cli.kdump')]);
  assert.equal(r.code, 0);
  assert.equal(r.out, HELLO_LOG);
  assert.equal(r.err, '');
});

test('dmesg usage errors and unreadable files: exit 2, one line on stderr', async () => {
  for (const args of [[], ['a', 'b'], ['--bogus', 'x'], [join(tempDir(), 'missing-file')]]) {
    const r = await call(dmesg, args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^ktriage: /);
    assert.equal(r.out, '');
  }
});

test('dmesg with a gap: the readable part, exit 1, the gap named on stderr', async () => {
  const f = kdumpFile('cli-gap.kdump');
  // Point the text page's descriptor past the end of the file.
  const b = readFileSync(f);
  const at = (1 + b.readInt32LE(432) + b.readUInt32LE(436)) * 4096 + 5 * 24;
  const fd = openSync(f, 'r+');
  const off = Buffer.alloc(8);
  off.writeBigUInt64LE(1n << 40n);
  writeSync(fd, off, 0, 8, at);
  closeSync(fd);
  const r = await call(dmesg, [f]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^\[    0\.007000\] /);
  assert.match(r.err, /^ktriage: .*1 page of printk text not in the dump \(read as zeros\)\n$/);
});

test('info prints format, pages, release and CPUs; --json gives the same facts', async () => {
  const f = kdumpFile('cli-info.kdump');
  const r = await call(info, [f]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^format: +kdump-compressed v6, dump level 31$/m);
  assert.match(r.out, /^compression: +zlib, none$/m);
  assert.match(r.out, /^pages: +256 RAM, 256 dumpable, 0 excluded, \d+ zero$/m);
  assert.match(r.out, /^release: +6\.1\.0-handmade$/m);
  assert.match(r.out, /^printk: +lockless, 1 records$/m);
  const j = await call(info, ['--json', f]);
  const o = JSON.parse(j.out);
  assert.equal(o.release, '6.1.0-handmade');
  assert.equal(o.pages.dumpable, 256);
  assert.equal(o.format, 'kdump');
});

const SP = join(LAB, 'stack-protector-module');
test('lab: dmesg equals makedumpfile --dump-dmesg, info names the panic CPU and its registers', { skip: existsSync(SP) ? false : 'lab not found (../shared/lab): skipped' }, async () => {
  const r = await call(dmesg, [join(SP, 'vmcore')]);
  assert.equal(r.code, 0);
  assert.ok(r.outBuf.equals(readFileSync(join(SP, 'dmesg.txt'))));
  const i = await call(info, [join(SP, 'vmcore')]);
  assert.equal(i.code, 0);
  assert.match(i.out, /^release: +6\.1\.0-56-amd64$/m);
  assert.match(i.out, /^panic CPU: +0\b.*"CPU: 0 PID: 106"/m);
  assert.match(i.out, /^ +RIP: ffffffff[0-9a-f]{8} +RSP: [0-9a-f]{16}/m);
});
