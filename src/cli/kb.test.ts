// `ktriage kb update|search|show` and `analyze --kb` through main(): output, --json, exit codes, one-line
// errors, the KTRIAGE_KB / XDG_CACHE_HOME defaults. Records are hand-made in the CNA's layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kbDir } from '../knowledge/cve/search.js';
import { handMadeRecord, pastedReport, reshape, rng } from '../knowledge/cve/testkit.js';
import { KASAN_REPORT } from '../knowledge/cve/test-reports.js';
import { runCli } from './testkit.js';

const run = (args: string[]) => runCli(args);

const REC = handMadeRecord({
  id: 'CVE-2099-30001', subject: 'nbd: fix uaf in nbd_recv_work()', body: `There is a use-after-free:\n\n${KASAN_REPORT}`,
  files: ['drivers/block/nbd.c'], introduced: '5.14', fixes: ['6.1.146', '6.6.99', '6.16'],
});
// A subject with terminal escapes: printed escaped.
const HOSTILE = handMadeRecord({ id: 'CVE-2099-30002', subject: 'evil: \x1b]0;pwned\x07 fix evil_func()', body: 'x', files: ['a.c'], introduced: '0', fixes: ['6.1'] });

let tmp = '';
let snap = '';
let kb = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ktriage-kbcli-'));
  snap = join(tmp, 'vulns');
  kb = join(tmp, 'kb');
  const d = join(snap, 'cve', 'published', '2099');
  mkdirSync(d, { recursive: true });
  for (const [id, r] of [['CVE-2099-30001', REC], ['CVE-2099-30002', HOSTILE]] as const) {
    for (const ext of ['json', 'dyad', 'sha1'] as const) writeFileSync(join(d, `${id}.${ext}`), r[ext]);
  }
  writeFileSync(join(d, 'CVE-2099-30003.json'), '{ not json');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('kb update prints counts, size and time; a skipped record makes exit 1 and a line on stderr', async () => {
  const r = await run(['kb', 'update', '--from', snap, '--kb', kb]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^kb: 2 records \(1 with a crash report, 1 signatures\); skipped 1 records and 0 other files\n/);
  assert.match(r.out, /kb: index .*cve-index\.jsonl, 0\.0 MB, built in \d+\.\d s\n/);
  assert.match(r.out, /kb: source .* \(directory, \d{4}-\d\d-\d\d\)\n/);
  assert.match(r.err, /^ktriage: skipped CVE-2099-30003: not JSON/);
  const j = await run(['kb', 'update', '--from', snap, '--kb', kb, '--json']);
  assert.equal((JSON.parse(j.out) as { counts: { records: number } }).counts.records, 2);
});

test('kb search by text, title and function; kb show with versions per branch; --json on both', async () => {
  await run(['kb', 'update', '--from', snap, '--kb', kb]);
  const s = await run(['kb', 'search', '--kb', kb, 'nbd']);
  assert.equal(s.code, 0);
  assert.equal(s.out, 'CVE-2099-30001\tnbd: fix uaf in nbd_recv_work()\tsubject\t6.1.146 6.6.99 6.16\n');
  const t = await run(['kb', 'search', '--kb', kb, '--title', 'KASAN: slab-use-after-free Write in nbd_recv_work', '--json']);
  assert.deepEqual((JSON.parse(t.out) as { hits: { id: string; matched: string }[] }).hits.map((h) => [h.id, h.matched]),
    [['CVE-2099-30001', 'title: KASAN: slab-use-after-free Write in nbd_recv_work']]);
  const f = await run(['kb', 'search', '--kb', kb, '--function', 'nbd_recv_work']);
  assert.match(f.out, /^CVE-2099-30001\t.*\tframe 1: nbd_recv_work \[nbd\]\t/);
  const none = await run(['kb', 'search', '--kb', kb, 'no-such-thing']);
  assert.equal(none.code, 1);
  assert.equal(none.out, '');
  const show = await run(['kb', 'show', '--kb', kb, 'cve-2099-30001']);
  assert.equal(show.code, 0);
  assert.match(show.out, /^CVE-2099-30001  nbd: fix uaf in nbd_recv_work\(\)\n  Fix commit   [0-9a-f]{40}\n  Introduced   5\.14\n  6\.1          fixed in 6\.1\.146\n  6\.6          fixed in 6\.6\.99\n  mainline     fixed in 6\.16\n/);
  assert.match(show.out, /  Report       KASAN: slab-use-after-free Write in nbd_recv_work  \[kasan\]\n    frames     nbd_recv_work \[nbd\]\n/);
  const sj = JSON.parse((await run(['kb', 'show', '--kb', kb, '--json', 'CVE-2099-30001'])).out) as { id: string; files: string[] };
  assert.deepEqual([sj.id, sj.files], ['CVE-2099-30001', ['drivers/block/nbd.c']]);
  const evil = await run(['kb', 'show', '--kb', kb, 'CVE-2099-30002']);
  assert.equal(evil.out.includes('\x1b'), false);
  assert.equal(evil.out.includes('\x07'), false);
});

test('kb errors are one line, exit 2: no index, unknown id, no query, unknown subcommand, bad --from', async () => {
  for (const args of [
    ['kb', 'show', '--kb', join(tmp, 'none'), 'CVE-2099-30001'], ['kb', 'search', '--kb', kb], ['kb', 'frobnicate'],
    ['kb', 'update', '--kb', kb], ['kb', 'update', '--from', join(tmp, 'missing'), '--kb', join(tmp, 'kb-x')], ['kb', 'show', '--kb', kb, 'CVE-1999-0001'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
    assert.match(r.err, /^ktriage: /);
  }
});

test('analyze --kb DIR matches the CVE; --no-kb does not; a --kb without an index warns and goes on', async () => {
  await run(['kb', 'update', '--from', snap, '--kb', kb]);
  const log = join(tmp, 'crash.log');
  writeFileSync(log, reshape(pastedReport(JSON.parse(REC.json).containers.cna.descriptions[0].value)!, 'syslog', '6.6.50', rng(2), false));
  const r = await run(['analyze', '--kb', kb, '--json', log]);
  const ki = (JSON.parse(r.out) as { diagnosis: { knownIssues: { id: string; confidence: string; fixedIn: string[] }[] } }).diagnosis.knownIssues;
  assert.deepEqual(ki.map((k) => [k.id, k.confidence, k.fixedIn[0]]), [['CVE-2099-30001', 'high', '6.6.99']]);
  const text = await run(['analyze', '--kb', kb, log]);
  assert.match(text.out, /CVE-2099-30001  nbd: fix uaf in nbd_recv_work\(\)/);
  assert.match(text.out, /Versions +affected, fixed in 6\.6\.99/);
  const off = await run(['analyze', '--no-kb', '--json', log]);
  assert.deepEqual((JSON.parse(off.out) as { diagnosis: { knownIssues: unknown[] } }).diagnosis.knownIssues, []);
  const missing = await run(['analyze', '--kb', join(tmp, 'nothing-here'), '--json', log]);
  assert.equal(missing.code, 0);
  assert.match(missing.err, /^ktriage: no CVE index in .*nothing-here/);
});

test('the index directory: --kb, then KTRIAGE_KB, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(kbDir('/x', { KTRIAGE_KB: '/y', XDG_CACHE_HOME: '/z' }), '/x');
  assert.equal(kbDir(undefined, { KTRIAGE_KB: '/y', XDG_CACHE_HOME: '/z' }), '/y');
  assert.equal(kbDir(undefined, { XDG_CACHE_HOME: '/z' }), '/z/ktriage/kb');
  assert.equal(kbDir(undefined, { XDG_CACHE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.cache/ktriage/kb');
  assert.equal(kbDir(undefined, { HOME: '/home/u' }), '/home/u/.cache/ktriage/kb');
});
