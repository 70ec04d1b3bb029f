// The native reader on the lab's real dumps of Debian's 6.1 kernel (../shared/lab/out): the log must be
// byte-equal to `makedumpfile --dump-dmesg` (dmesg.txt, the oracle for every variant of a memory image,
// DECISIONS.md 4), and the panic CPU/task must agree with truth.json.
// Variants the lab does not store are built here from its dumps:
//  - snappy / zstd / uncompressed kdump: the stack-protector zlib kdump's pages re-written with that
//    codec (zstd frames from the zstd CLI when installed, else raw-block zstd frames);
//  - flattened: the sysrq-c lzo kdump re-written as makedumpfile -F records (writeFlattened), and, when
//    makedumpfile is installed, `makedumpfile -F -l -d 31` of the filtered ELF;
//  - an ELF64 core with more than 65535 PT_LOADs (PN_XNUM): the sysrq-c pages in 1 KiB segments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { readVmcore } from './index.js';
import { hasCommand, LAB, labPresent, note, readKdumpPages, tempDir, unzstd, writeElfCore, writeFlattened, writeKdump, zstdCompressPages, type LoadSpec } from './testkit.js';

const skip = labPresent ? false : `lab not found at ${LAB} (../shared/lab/out): skipped`;
const KDUMP_SCENARIOS = ['oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module', 'sysrq-c'];

function oracle(scenario: string): Buffer {
  return readFileSync(join(LAB, scenario, 'dmesg.txt'));
}

function truth(scenario: string): { panic: { task: { pid: number; comm: string }; cpu: number } } {
  return JSON.parse(readFileSync(join(LAB, scenario, 'truth.json'), 'utf8'));
}

function assertSameLog(got: Buffer, want: Buffer, what: string): void {
  if (got.equals(want)) return;
  const a = want.toString('latin1').split('\n');
  const b = got.toString('latin1').split('\n');
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  assert.fail(`${what}: log differs from dmesg.txt at line ${i + 1}\n  want ${JSON.stringify(a[i])}\n  got  ${JSON.stringify(b[i])}`);
}

for (const s of KDUMP_SCENARIOS) {
  test(`lab ${s}: lzo kdump log equals makedumpfile --dump-dmesg, panic CPU and task from the notes`, { skip }, () => {
    const file = unzstd(join(LAB, s, 'vmcore.zst'));
    const r = readVmcore(file, { countPages: true });
    assertSameLog(r.logBytes, oracle(s), s);
    assert.deepEqual(r.gaps, []);
    assert.equal(r.info.format, 'kdump');
    assert.deepEqual(r.info.compression.filter((c) => c !== 'none'), ['lzo']);
    assert.equal(r.info.release, '6.1.0-56-amd64');
    assert.equal(r.info.dumpLevel, 31);
    assert.equal(r.info.printk, 'lockless');
    const t = truth(s);
    assert.equal(r.info.panicCpu, t.panic.cpu);
    assert.equal(r.cpus[t.panic.cpu]!.pid, t.panic.task.pid);
    assert.match(r.cpus[t.panic.cpu]!.registers.rip!, /^ffffffff[0-9a-f]{8}$/);
    const p = r.info.pages!;
    assert.equal(p.total, p.dumpable! + p.excluded!);
    assert.ok(p.dumpable! > 10000 && p.zero! > 0 && p.zero! < p.dumpable!);
    // The log lives in a handful of pages: the reader must not touch the rest of the dump.
    assert.ok(r.stats.pagesRead < 64, `pages read: ${r.stats.pagesRead}`);
  });
}

const SP = 'stack-protector-module';

test('lab stack-protector-module: zlib kdump, filtered ELF and QEMU ELF give the same log', { skip }, () => {
  const want = oracle(SP);
  const zlib = readVmcore(join(LAB, SP, 'vmcore'), { countPages: true });
  assertSameLog(zlib.logBytes, want, 'zlib kdump');
  assert.deepEqual(zlib.info.compression.filter((c) => c !== 'none'), ['zlib']);
  const elf = readVmcore(unzstd(join(LAB, SP, 'vmcore.elf.zst')));
  assertSameLog(elf.logBytes, want, 'makedumpfile -E ELF');
  assert.equal(elf.info.format, 'elf');
  const elfPages = readVmcore(unzstd(join(LAB, SP, 'vmcore.elf.zst')), { countPages: true }).info.pages!;
  assert.equal(elfPages.total, 65600);
  assert.ok(elfPages.excluded! > 40000 && elfPages.dumpable! + elfPages.excluded! === 65600);
  const qemu = readVmcore(unzstd(join(LAB, SP, 'vmcore-qemu.elf.zst'), true), { countPages: true });
  assertSameLog(qemu.logBytes, want, 'QEMU ELF');
  assert.equal(qemu.info.variant, 'ELF64 core with QEMU CPU notes');
  assert.equal(qemu.info.pages!.excluded, 0);
  assert.equal(qemu.info.qemuCpus.length, 2);
  assert.equal(qemu.info.panicCpu, truth(SP).panic.cpu);
  assert.equal(qemu.info.pages!.total, 65600);
  for (const r of [zlib, elf, qemu]) assert.deepEqual(r.gaps, []);
});

for (const codec of ['snappy', 'zstd', 'none'] as const) {
  test(`lab stack-protector-module re-written as a ${codec} kdump gives the same log`, { skip }, () => {
    const { spec, excluded } = readKdumpPages(join(LAB, SP, 'vmcore'));
    const compressed = codec === 'zstd' ? zstdCompressPages(spec.pages) : null;
    const out = join(tempDir(), `sp.${codec}.kdump`);
    writeKdump(out, { ...spec, excluded, codec, ...(compressed ? { compressed } : {}) });
    const r = readVmcore(out, { countPages: true });
    assertSameLog(r.logBytes, oracle(SP), codec);
    assert.deepEqual(r.info.compression.filter((c) => c !== 'none'), codec === 'none' ? [] : [codec]);
    assert.equal(r.info.pages!.excluded, excluded.length);
  });
}

test('lab sysrq-c as a flattened file (makedumpfile -F layout, out-of-order and overwritten records)', { skip }, () => {
  const out = join(tempDir(), 'sysrq-c.flat');
  writeFlattened(unzstd(join(LAB, 'sysrq-c', 'vmcore.zst')), out);
  const r = readVmcore(out);
  assert.equal(r.info.format, 'flattened');
  assertSameLog(r.logBytes, oracle('sysrq-c'), 'flattened');
});

test('lab filtered ELF through the real makedumpfile -F', { skip: skip || (hasCommand('makedumpfile') ? false : 'makedumpfile not installed (Debian package makedumpfile)') }, () => {
  const out = join(tempDir(), 'sp.mdf.flat');
  const fd = openSync(out, 'w');
  const res = spawnSync('makedumpfile', ['-F', '-l', '-d', '31', unzstd(join(LAB, SP, 'vmcore.elf.zst'))], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  assert.equal(res.status, 0, String(res.stderr));
  const r = readVmcore(out);
  assert.equal(r.info.format, 'flattened');
  assertSameLog(r.logBytes, oracle(SP), 'makedumpfile -F');
});

test('lab sysrq-c as an ELF core with more than 65535 PT_LOADs (PN_XNUM)', { skip }, () => {
  const { spec } = readKdumpPages(unzstd(join(LAB, 'sysrq-c', 'vmcore.zst')));
  const loads: LoadSpec[] = [];
  for (const [pfn, page] of spec.pages) for (let k = 0; k < 4; k++) loads.push({ paddr: pfn * 4096 + k * 1024, data: page.subarray(k * 1024, (k + 1) * 1024) });
  assert.ok(loads.length > 65535);
  const notes = Buffer.concat([spec.notes!.subarray(0, spec.notes!.length), note('VMCOREINFO', 0, Buffer.from(spec.vmcoreinfo, 'latin1'))]);
  const out = join(tempDir(), 'sysrq-c.xnum.elf');
  writeElfCore(out, notes, loads);
  const r = readVmcore(out);
  assertSameLog(r.logBytes, oracle('sysrq-c'), 'PN_XNUM ELF');
  assert.equal(r.info.panicCpu, truth('sysrq-c').panic.cpu);
});

test('lab: a zstd-wrapped dump is named as such', { skip }, () => {
  assert.throws(() => readVmcore(join(LAB, 'sysrq-c', 'vmcore.zst')), /zstd-compressed file: decompress it first/);
  assert.ok(existsSync(join(LAB, 'sysrq-c', 'dmesg.txt')));
});
