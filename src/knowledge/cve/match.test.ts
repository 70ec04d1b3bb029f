import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../analyze.js';
import { updateIndex } from './update.js';
import { loadIndex, type CveIndex } from './index-file.js';
import { judge, orderedMatch } from './match.js';
import { handMadeRecord, reshape, rng, pastedReport } from './testkit.js';
import { KASAN_REPORT, NULL_REPORT } from './test-reports.js';

// Hand-made records in the CNA's layout; the pasted reports are in the kernel's exact printk formats.
const RECS = [
  handMadeRecord({
    id: 'CVE-2099-20001', subject: 'nbd: fix uaf in nbd_recv_work()', body: `There is a use-after-free:\n\n${KASAN_REPORT}`,
    files: ['drivers/block/nbd.c'], introduced: '5.14', fixes: ['6.1.146', '6.6.99', '6.16'],
  }),
  handMadeRecord({
    id: 'CVE-2099-20002', subject: 'fakevport: check the vport in fake_vport_get_stats()', body: `Oops seen:\n\n${NULL_REPORT}`,
    files: ['net/fakevport/vport.c'], introduced: '0', fixes: ['5.15.160', '6.1.92', '6.9'],
  }),
  // Names the lab's crashing function in its subject only, with no file of the module: no match shown.
  handMadeRecord({ id: 'CVE-2099-20003', subject: 'ktl: fix ktl_null_process() on close', body: 'No report.', files: ['drivers/misc/other.c'], introduced: '6.0', fixes: ['6.1.200', '6.2'] }),
  // The hand-written tcp-sack-panic issue names this CVE: it must not be listed twice.
  handMadeRecord({
    id: 'CVE-2019-11477', subject: 'tcp: limit payload size of sacked skbs', body: 'No report.', files: ['net/ipv4/tcp_input.c'],
    introduced: '2.6.29', fixes: ['4.19.52', '5.1.11', '5.2'],
  }),
];

let tmp = '';
let index: CveIndex;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ktriage-kbm-'));
  const root = join(tmp, 'vulns');
  for (const r of RECS) {
    const id = (JSON.parse(r.json) as { cveMetadata: { cveId: string } }).cveMetadata.cveId;
    const d = join(root, 'cve', 'published', id.split('-')[1]!);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `${id}.json`), r.json);
    writeFileSync(join(d, `${id}.dyad`), r.dyad);
    writeFileSync(join(d, `${id}.sha1`), r.sha1);
  }
  await updateIndex(root, join(tmp, 'kb'));
  index = loadIndex(join(tmp, 'kb'))!;
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('orderedMatch: frames in order from a common top; judge: title and frames make high, one frame does not', () => {
  assert.deepEqual(orderedMatch(['a', 'b [m]', 'c', 'd'], ['x', 'a', 'b', 'q', 'd']), ['a', 'b', 'd']);
  assert.deepEqual(orderedMatch(['a', 'b'], ['x', 'y', 'a', 'b']), []);
  const s = (title: string | null, frames: string[], kind = 'kasan' as const) => ({ title, kind, frames, header: '' });
  assert.equal(judge(s('KASAN: x in f', ['f', 'g']), s('KASAN: x in f', ['f', 'g']), 1)?.confidence, 'high');
  assert.equal(judge(s('KASAN: x in f', ['f', 'g', 'h', 'i']), s('KASAN: x in f', ['f', 'g', 'z', 'y']), 1)?.confidence, 'medium');
  assert.equal(judge(s(null, ['f', 'g', 'h', 'i']), s(null, ['f', 'g', 'h', 'i']), 0)?.confidence, 'high');
  assert.equal(judge(s(null, ['f']), s(null, ['f']), 0), null);
  assert.equal(judge(s('KASAN: x in f', []), s('KASAN: x in f', []), 1)?.confidence, 'high');
  assert.equal(judge(s('KASAN: x in f', []), s('KASAN: x in f', []), 3)?.confidence, 'medium');
  assert.equal(judge(s('kernel panic: Fatal exception', []), s('kernel panic: Fatal exception', []), 1)?.confidence, 'low');
});

for (const [shape, debian] of [['dmesg', false], ['syslog', true], ['journal', false]] as const) {
  test(`a record's pasted report as a ${shape} log${debian ? ' of a Debian kernel' : ''} matches it with high confidence and the branch's fix`, () => {
    const text = reshape(pastedReport(JSON.parse(RECS[0]!.json).containers.cna.descriptions[0].value)!, shape, '6.1.120', rng(5), debian);
    const r = analyze([{ name: `nbd.${shape}`, data: text }], { kb: index });
    const k = r.diagnosis.knownIssues.find((x) => x.id === 'CVE-2099-20001');
    assert.ok(k, `no match in ${JSON.stringify(r.diagnosis.knownIssues.map((x) => x.id))}`);
    assert.equal(k.source, 'cve');
    assert.equal(k.confidence, 'high');
    assert.equal(k.affected, 'yes');
    assert.equal(k.fixedIn[0], '6.1.146');
    assert.equal(k.status, 'affected, fixed in 6.1.146');
    assert.deepEqual(k.matchedBy, ['title']);
    assert.ok(k.evidence.some((e) => /slab-use-after-free in nbd_recv_work/.test(e.text) && e.line !== null));
    const f = r.diagnosis.findings.find((x) => x.id === 'known-issue' && (x.data.match as { id: string }).id === 'CVE-2099-20001');
    assert.equal(f?.severity, 'high');
    const rec = r.diagnosis.recommendations.find((x) => x.id === 'upgrade-CVE-2099-20001');
    assert.match(rec?.text ?? '', /^Upgrade the kernel to 6\.1\.146 or later .*CVE-2099-20001.*fix commit [0-9a-f]{12} \(https:\/\/git\.kernel\.org\/stable\/c\/[0-9a-f]{40}\)/);
  });
}

test('a kernel that already has the fix: matched, but said to be a different bug or a regression, no upgrade advice', () => {
  const text = reshape(pastedReport(JSON.parse(RECS[1]!.json).containers.cna.descriptions[0].value)!, 'dmesg', '6.1.100', rng(9), false);
  const r = analyze([{ name: 'vport.log', data: text }], { kb: index });
  const k = r.diagnosis.knownIssues.find((x) => x.id === 'CVE-2099-20002')!;
  assert.equal(k.confidence, 'high');
  assert.deepEqual(k.matchedBy, ['title', 'frames']);
  assert.equal(k.affected, 'no');
  assert.match(k.status, /already has the fix \(6\.1\.92\)/);
  assert.equal(r.diagnosis.recommendations.some((x) => x.id === 'upgrade-CVE-2099-20002'), false);
  assert.equal(r.diagnosis.findings.find((x) => x.id === 'known-issue')?.severity, 'low');
});

test('a RHEL kernel: the match stands, the version is unknown and points to the vendor errata', () => {
  const lines = pastedReport(JSON.parse(RECS[1]!.json).containers.cna.descriptions[0].value)!;
  const text = reshape(lines, 'dmesg', '6.1.100', rng(3), false)
    .replace(/Linux version 6\.1\.100 /, 'Linux version 5.14.0-427.13.1.el9_4.x86_64 ')
    .replace(/Not tainted 6\.1\.100 #1/, 'Not tainted 5.14.0-427.13.1.el9_4.x86_64 #1');
  const k = analyze([{ name: 'rhel.log', data: text }], { kb: index }).diagnosis.knownIssues.find((x) => x.id === 'CVE-2099-20002')!;
  assert.equal(k.affected, 'unknown');
  assert.match(k.status, /RHEL-family kernel 5\.14\.0-427\.13\.1\.el9_4\.x86_64.*access\.redhat\.com\/security\/cve\/CVE-2099-20002/);
});

test('without an index, or with another crash, no CVE is matched; subject-only leads are not shown', () => {
  const text = reshape(pastedReport(JSON.parse(RECS[0]!.json).containers.cna.descriptions[0].value)!, 'dmesg', '6.1.120', rng(5), false);
  assert.deepEqual(analyze([{ name: 'x', data: text }]).diagnosis.knownIssues, []);
  // Hand-made: an oops in the lab module's function, which CVE-2099-20003's subject names (no file in common).
  const lab = `[   14.514713] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   14.514800] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   14.514810] CPU: 1 PID: 111 Comm: sessiond Tainted: G           OE      6.1.150 #1
[   14.514820] RIP: 0010:ktl_null_process+0x11/0x30 [ktl_null]
[   14.514830] Call Trace:
[   14.514831]  <TASK>
[   14.514840]  ktl_dev_write+0x2c/0x50 [ktl_null]
[   14.514850]  vfs_write+0xc8/0x3e0
[   14.514860]  ksys_write+0x5f/0xe0
[   14.514870]  do_syscall_64+0x55/0xb0
[   14.514880]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8
[   14.514890]  </TASK>
`;
  assert.deepEqual(analyze([{ name: 'lab', data: lab }], { kb: index }).diagnosis.knownIssues, []);
});

test('a hand-written issue wins: the CVE it names is not listed again', () => {
  // Hand-made: the TCP SACK panic as 4.19 printed it (kernel BUG in tcp_shifted_skb).
  const text = `[    0.000000] Linux version 4.19.37 (builder@build) (gcc version 8.3.0) #1 SMP Mon Jun 10 10:00:00 UTC 2019
[ 3120.041255] kernel BUG at include/linux/skbuff.h:2077!
[ 3120.041301] invalid opcode: 0000 [#1] SMP PTI
[ 3120.041330] CPU: 2 PID: 0 Comm: swapper/2 Not tainted 4.19.37 #1
[ 3120.041401] RIP: 0010:tcp_shifted_skb+0x2c8/0x2d0
[ 3120.041500] Call Trace:
[ 3120.041510]  <IRQ>
[ 3120.041520]  tcp_sacktag_walk+0x2ac/0x450
[ 3120.041530]  tcp_sacktag_write_queue+0x2d2/0x8c0
[ 3120.041540]  tcp_ack+0x2a4/0x1430
[ 3120.041550]  tcp_rcv_established+0x14c/0x620
`;
  const ks = analyze([{ name: 'sack.log', data: text }], { kb: index }).diagnosis.knownIssues;
  assert.equal(ks[0]?.id, 'tcp-sack-panic');
  assert.equal(ks[0]?.source, 'ktriage');
  assert.equal(ks.some((k) => k.id === 'CVE-2019-11477'), false);
});

test('matching a 10,000-event log reads a bounded number of records', () => {
  const one = reshape(pastedReport(JSON.parse(RECS[0]!.json).containers.cna.descriptions[0].value)!, 'dmesg', '6.1.120', rng(5), false);
  const lines = one.split('\n').filter((l) => !/Linux version/.test(l));
  const parts: string[] = [one];
  const body = lines.join('\n');
  for (let i = 0; i < 10000; i++) {
    const t = (10000 + i).toFixed(6).padStart(12, ' ');
    parts.push(body.replace(/nbd_recv_work/g, `nbd_recv_work${i % 300}`).replace(/^\[[ \d.]+\]/gm, `[${t}]`));
  }
  const reads = index.reads;
  const r = analyze([{ name: 'flood.log', data: parts.join('\n') }], { kb: index });
  assert.ok(index.reads - reads <= 5, `${index.reads - reads} records read`);
  assert.ok(r.events.length + r.eventsOmitted.count >= 10000);
  assert.ok(r.diagnosis.knownIssues.some((k) => k.id === 'CVE-2099-20001'));
});
