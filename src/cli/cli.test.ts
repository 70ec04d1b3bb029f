// The command line (issue 15 item 7) through main(): --help on every verb, -o never over an input,
// --debuginfo gaps, --max-memory sizes, --each with -o, a missing file under --each, compressed inputs and
// a file that is not a kernel log. Lab files are read where they are; outputs go to a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { COMMANDS } from './main.js';
import { parseSize } from './analyze.js';
import { LAB, SKIP_SHARED } from '../rules/testkit.js';
import { runCli } from './testkit.js';

const cli = (...argv: string[]) => runCli(argv);

const dir = mkdtempSync(join(tmpdir(), 'kt-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const CONSOLE = join(LAB, 'hung-task', 'console.log');
const OOPS = join(LAB, 'oops-null-module', 'console.log');

test('--help on every verb prints its usage and exits 0 (the mechanism new verbs get for free)', async () => {
  assert.ok(Object.keys(COMMANDS).length >= 4);
  for (const verb of Object.keys(COMMANDS)) {
    for (const flag of ['--help', '-h']) {
      const r = await cli(verb, flag);
      assert.equal(r.code, 0, `${verb} ${flag}: ${r.err}`);
      assert.match(r.out, new RegExp(`^usage: ktriage ${verb}\\b`), verb);
      assert.equal(r.err, '');
    }
    assert.equal((await cli('help', verb)).code, 0);
  }
  const all = await cli('--help');
  for (const verb of Object.keys(COMMANDS)) assert.match(all.out, new RegExp(`^ {2}ktriage ${verb} `, 'm'));
  // Every option analyze parses is in its --help.
  const usage = (await cli('analyze', '--help')).out;
  for (const opt of ['--format', '--json', '--each', '--output', '-o', '--color', '--no-color', '--crash-vmlinux', '--debuginfo', '--crash-timeout', '--max-memory', '--system-map', '--kallsyms', '--btf', '--help'])
    assert.ok(usage.includes(opt), opt);
  assert.ok((await cli('title', '--help')).out.includes('-H, --with-filename'));
});

test('-o never overwrites an input (exit 2, the input untouched)', { skip: SKIP_SHARED }, async () => {
  const copy = join(dir, 'console.log');
  writeFileSync(copy, readFileSync(CONSOLE));
  const r = await cli('analyze', copy, '-o', copy);
  assert.equal(r.code, 2);
  assert.match(r.err, /^ktriage: -o .* is one of the inputs/);
  assert.deepEqual(readFileSync(copy), readFileSync(CONSOLE));
  assert.equal((await cli('analyze', copy, '-o', join(dir, '.', 'console.log'))).code, 2, 'the same file by another path');
});

test('--debuginfo without a vmlinux (or without crash) is a named gap, exit 1', { skip: SKIP_SHARED }, async () => {
  const empty = mkdtempSync(join(dir, 'debug-'));
  const r = await cli('analyze', '--json', '--debuginfo', empty, join(LAB, 'stack-protector-module', 'vmcore'));
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out);
  assert.ok(j.gaps.some((g: { source: string; what: string }) => g.source === '--debuginfo' && /no debug vmlinux .* crash was not run/.test(g.what)));
});

test('--max-memory: every size form, and a clear message of what it accepts', async () => {
  assert.equal(parseSize('64M'), 64 * 2 ** 20);
  assert.equal(parseSize('64MiB'), 64 * 2 ** 20);
  assert.equal(parseSize('64mb'), 64 * 2 ** 20);
  assert.equal(parseSize('1.5G'), 1.5 * 2 ** 30);
  assert.equal(parseSize('1073741824'), 2 ** 30);
  assert.equal(parseSize('2T'), 2 * 2 ** 40);
  assert.equal(parseSize('lots'), null);
  for (const bad of ['lots', '16M', '-1G']) {
    const r = await cli('analyze', `--max-memory=${bad}`, 'x.log');
    assert.equal(r.code, 2);
    assert.match(r.err, /^ktriage: --max-memory takes a size of at least 32M: bytes, or a number with K, M, G or T \(powers of 1024\), e\.g\. 64M, 1\.5G; not '/);
    assert.equal(r.err.split('\n').length, 2, 'one line');
  }
});

test('--each --format html -o: one file per input with {}, else a refusal; a missing file is named', { skip: SKIP_SHARED }, async () => {
  const refused = await cli('analyze', '--each', '--format', 'html', '-o', join(dir, 'r.html'), CONSOLE, OOPS);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /--each with -o writes one html file per input: put \{\} in the name/);
  const outDir = mkdtempSync(join(dir, 'each-'));
  const ok = await cli('analyze', '--each', '--format', 'html', '-o', join(outDir, 'r-{}.html'), CONSOLE, OOPS);
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual(readdirSync(outDir).sort(), ['r-console.log-2.html', 'r-console.log.html']);
  assert.match(readFileSync(join(outDir, 'r-console.log.html'), 'utf8'), /<h1>hung-task in ktl_dev_io/);
  assert.match(readFileSync(join(outDir, 'r-console.log-2.html'), 'utf8'), /<h1>null-deref in ktl_null_process/);
  const missing = join(dir, 'no-such.log');
  const m = await cli('analyze', '--each', '--json', CONSOLE, missing);
  assert.equal(m.code, 1);
  assert.ok(m.err.includes(`ktriage: ${missing}: cannot read`), m.err);
  assert.equal(m.out.trim().split('\n').length, 1, 'the readable file is still reported');
});

test('gzip and zstd inputs are read as what they hold; xz is named', { skip: SKIP_SHARED }, async () => {
  const gz = join(dir, 'console.log.gz');
  writeFileSync(gz, gzipSync(readFileSync(CONSOLE)));
  const r = JSON.parse((await cli('analyze', '--json', gz)).out);
  assert.equal(r.sources[0].format, 'serial (gzip)'.replace('serial', r.sources[0].format.split(' ')[0]));
  assert.match(r.sources[0].format, / \(gzip\)$/);
  assert.equal(r.diagnosis.rootCause.function, 'ktl_dev_io');
  assert.equal(r.diagnosis.findings.find((f: { id: string }) => f.id === 'hung-task').evidence[0].source, gz);
  const zst = join(LAB, 'oops-null-module', 'vmcore.zst');
  if (existsSync(zst)) {
    const z = JSON.parse((await cli('analyze', '--json', zst)).out);
    assert.match(z.sources[0].format, /^kdump-compressed v\d \(zstd\)$/);
    assert.equal(z.diagnosis.rootCause.function, 'ktl_null_process');
    assert.equal(z.dump.vmcore.file, zst);
  }
  const xz = join(dir, 'log.xz');
  writeFileSync(xz, Buffer.from('fd377a585a000004e6d6b446', 'hex'));
  const x = await cli('analyze', xz);
  assert.equal(x.code, 2);
  assert.match(x.err, /xz-compressed file: decompress it first/);
});

test('a file that is not a kernel log gets "not a kernel log" (exit 2 when nothing else was read)', async () => {
  // Hand-made: /etc/passwd's format.
  const p = join(dir, 'passwd');
  writeFileSync(p, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n');
  const r = await cli('analyze', p);
  assert.equal(r.code, 2);
  assert.match(r.err, /^ktriage: .*passwd: not a kernel log: none of its 2 lines/);
  if (!SKIP_SHARED) {
    const both = await cli('analyze', '--json', CONSOLE, p);
    assert.equal(both.code, 1);
    assert.ok(JSON.parse(both.out).gaps.some((g: { what: string }) => /^not a kernel log/.test(g.what)));
  }
});

test('title -H names the file for one file too', { skip: SKIP_SHARED }, async () => {
  const r = await cli('title', '-H', CONSOLE);
  assert.equal(r.out, `${CONSOLE}\tINFO: task hung in ktl_dev_io\n`);
});
