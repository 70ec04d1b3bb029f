// The command line as a user meets it: exit codes, one-line errors, title output shapes (DECISIONS.md 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, repoRoot } from './paths.js';

const SAMPLE = join(repoRoot(), 'samples', 'oops-null-module.console.log');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'ktriage-cli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('--help and --version exit 0', () => {
  assert.equal(run(['--help']).code, 0);
  assert.match(run(['--version']).out, /^ktriage \d+\.\d+\.\d+\n$/);
});

test('bad usage exits 2 with one line on stderr', () => {
  for (const args of [['frobnicate'], ['analyze'], ['analyze', '--format', 'pdf', SAMPLE], ['title']]) {
    const r = run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /^ktriage: /);
  }
});

test('a missing file exits 2 with one line naming it', () => {
  const r = run(['analyze', join(tmp, 'nope.log')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^ktriage: .*nope\.log.*\n$/);
});

test('a log with no crash is a normal result (exit 0), title prints an empty line', () => {
  const p = join(tmp, 'quiet.log');
  writeFileSync(p, '[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)\n[    1.000000] EXT4-fs (vda1): mounted filesystem\n');
  const a = run(['analyze', p]);
  assert.equal(a.code, 0, a.err);
  const t = run(['title', p]);
  assert.equal(t.code, 0);
  assert.equal(t.out, '\n');
});

test('an empty file and binary garbage never crash ktriage', () => {
  const e = join(tmp, 'empty.log');
  writeFileSync(e, '');
  assert.equal(run(['analyze', e]).code, 0);
  const b = join(tmp, 'garbage.bin');
  const buf = Buffer.alloc(200_000);
  let x = 12345;
  for (let i = 0; i < buf.length; i++) { x = (x * 1103515245 + 12345) >>> 0; buf[i] = x >>> 24; }
  writeFileSync(b, buf);
  // Not a kernel log (issue 15): one line naming it, exit 2, no clean bill of health.
  const r = run(['analyze', '--json', b]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^ktriage: .*garbage\.bin: not a kernel log/);
  assert.equal(r.err.trim().split('\n').length, 1);
});

test('title: one file prints the bare title, several print NAME<TAB>TITLE, -H forces the name', () => {
  const one = run(['title', SAMPLE]);
  assert.equal(one.code, 0, one.err);
  assert.equal(one.out.split('\n').length, 2);
  assert.ok(one.out.trim().length > 0);
  const title = one.out.trim();
  const q = join(tmp, 'quiet2.log');
  writeFileSync(q, '[    1.0] nothing here\n');
  const two = run(['title', SAMPLE, q]);
  assert.equal(two.out, `${SAMPLE}\t${title}\n${q}\t\n`);
  assert.equal(run(['title', '-H', SAMPLE]).out, `${SAMPLE}\t${title}\n`);
});

test('standard input is read with -', () => {
  const r = run(['title', '-'], '[   1.0] nothing\n');
  assert.equal(r.code, 0);
  assert.equal(r.out, '\n');
  // Spooled to a temporary file, named '-' in the report, and the sample's crash found as from the file.
  const sample = readFileSync(SAMPLE, 'utf8');
  const a = run(['analyze', '--json', '-'], sample);
  assert.equal(a.code, 0, a.err);
  const rep = JSON.parse(a.out);
  assert.equal(rep.sources[0].file, '-');
  assert.equal(rep.crash.title, JSON.parse(run(['analyze', '--json', SAMPLE]).out).crash.title);
  assert.equal(run(['analyze', '-', '-'], sample).code, 2);
});

test('--max-memory takes a size of at least 32M; a bad one is a usage error', () => {
  for (const bad of ['10M', 'lots', '-5G', '']) {
    const r = run(['analyze', '--max-memory', bad, SAMPLE]);
    assert.equal(r.code, 2, bad);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, bad.startsWith('-') ? /^ktriage: Option '--max-memory' argument is ambiguous/ : /^ktriage: --max-memory takes a size of at least 32M: bytes, or a number with K, M, G or T/);
  }
  for (const good of ['32M', '1G', '512MiB', '4294967296']) assert.equal(run(['analyze', '--max-memory', good, SAMPLE]).code, 0, good);
});

test('analyze --json prints the report object with the documented top-level fields', () => {
  const r = run(['analyze', '--json', SAMPLE]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const k of ['schemaVersion', 'kernel', 'crash', 'events', 'diagnosis']) assert.ok(k in j, k);
  assert.equal(j.kernel.release, '6.1.0-56-amd64');
  assert.equal(j.crash.kind, 'null-deref');
  assert.deepEqual(j.crash.task, { pid: 111, comm: 'sessiond' });
});
