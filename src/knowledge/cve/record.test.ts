import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TarReader } from './tar.js';
import { parseRecord, RecordError } from './record.js';
import { identifiersOf, signaturesOfText, MAX_DESCRIPTION_CHARS } from './signature.js';
import { handMadeRecord } from './testkit.js';
import { KASAN_REPORT, NULL_REPORT } from './test-reports.js';

test('signatures of a pasted KASAN report: the title engine\'s title, frames past the report machinery', () => {
  const [s, ...rest] = signaturesOfText(`nbd: fix uaf in nbd_genl_connect() error path\n\nThere is a use-after-free:\n\n${KASAN_REPORT}\nThe fix moves it.`);
  assert.equal(rest.length, 0);
  assert.equal(s!.title, 'KASAN: slab-use-after-free Write in nbd_recv_work');
  assert.equal(s!.kind, 'kasan');
  // ? frames are left out, kasan/dump_stack/print_report/workqueue machinery skipped.
  assert.deepEqual(s!.frames, ['nbd_recv_work [nbd]']);
  assert.equal(s!.header, 'BUG: KASAN: slab-use-after-free in nbd_recv_work+0x694/0xa80 [nbd]');
});

test('signatures of an indented NULL dereference: RIP first, modules kept, at most 8 frames', () => {
  const [s] = signaturesOfText(`Fix it.\n\n${NULL_REPORT}`);
  assert.equal(s!.title, 'BUG: unable to handle kernel NULL pointer dereference in fake_vport_get_stats');
  assert.equal(s!.kind, 'null-deref');
  assert.deepEqual(s!.frames, [
    'fake_vport_get_stats [fakevport]', 'fake_dp_fill_info [fakevport]', 'fake_dp_cmd_new [fakevport]',
    'genl_family_rcv_msg_doit', 'genl_rcv_msg', 'netlink_rcv_skb', 'genl_rcv', 'netlink_unicast',
  ]);
});

test('symbolised syzbot frames (file:line after the offset) are frames; inlined ones are not', () => {
  // Hand-made in syzbot's symbolised format.
  const text = `BUG: KASAN: slab-use-after-free in fake_mux_init+0xac2/0xbe0 drivers/media/fake/fake_mux.c:524
Read of size 8 at addr ffff88802fa42acc by task syz.2.37/6059

CPU: 0 UID: 0 PID: 6059 Comm: syz.2.37 Not tainted 6.14.0-rc5-syzkaller #0
Call Trace:
 <TASK>
 __dump_stack lib/dump_stack.c:94 [inline]
 dump_stack_lvl+0x116/0x1f0 lib/dump_stack.c:120
 print_report+0xc3/0x670 mm/kasan/report.c:521
 kasan_report+0xd9/0x110 mm/kasan/report.c:634
 fake_mux_pid_init drivers/media/fake/fake_mux.c:78 [inline]
 fake_mux_init+0xac2/0xbe0 drivers/media/fake/fake_mux.c:524
 fake_start_streaming+0x2b4/0x3a0 drivers/media/fake/fake_bridge.c:194
 __fput+0x3ff/0xb70 fs/file_table.c:464
 </TASK>
`;
  const [s] = signaturesOfText(text);
  assert.deepEqual(s!.frames, ['fake_mux_init', 'fake_start_streaming', '__fput']);
  assert.equal(s!.title, 'KASAN: slab-use-after-free Read in fake_mux_init');
});

test('a description without a report has no signature; prose that names BUG: is not a report', () => {
  assert.deepEqual(signaturesOfText('The doorbell register is toggled before the full write.\nA race condition error will occur.'), []);
  assert.deepEqual(signaturesOfText(''), []);
});

test('identifiersOf: functions and structs of the subject, not its subsystem prefix', () => {
  assert.deepEqual(identifiersOf('nbd: fix uaf in nbd_genl_connect() error path'), ['nbd_genl_connect']);
  assert.deepEqual(identifiersOf('net: sched: sch_qfq: Fix race condition on qfq_aggregate'), ['qfq_aggregate']);
  assert.deepEqual(identifiersOf('drm/amd/display: Check null pointer before try to access it'), []);
  assert.deepEqual(identifiersOf('slab: Fix too strict alignment check in create_cache()'), ['create_cache']);
});

test('parseRecord: a hand-made record in the CNA layout gives id, subject, files, commits, versions, signatures', () => {
  const f = handMadeRecord({
    id: 'CVE-2099-0001', subject: 'nbd: fix uaf in nbd_recv_work()', body: `There is a use-after-free:\n\n${KASAN_REPORT}`,
    files: ['drivers/block/nbd.c'], introduced: '5.14', fixes: ['6.1.146', '6.6.99', '6.16'],
  });
  const r = parseRecord(f.json, f.dyad, f.sha1);
  assert.equal(r.id, 'CVE-2099-0001');
  assert.equal(r.subject, 'nbd: fix uaf in nbd_recv_work()');
  assert.deepEqual(r.files, ['drivers/block/nbd.c']);
  assert.equal(r.commit, f.sha1.trim());
  assert.equal(r.versions.introduced, '5.14');
  assert.equal(r.versions.mainlineFixed, '6.16');
  assert.deepEqual(r.versions.branches.map((b) => b.fixed), ['6.1.146', '6.6.99']);
  assert.deepEqual(r.identifiers, ['nbd_recv_work']);
  assert.equal(r.signatures[0]!.title, 'KASAN: slab-use-after-free Write in nbd_recv_work');
});

test('parseRecord rejects what is not a record with a RecordError, and cuts huge descriptions', () => {
  assert.throws(() => parseRecord('{"a":', null, null), RecordError);
  assert.throws(() => parseRecord('[]', null, null), RecordError);
  assert.throws(() => parseRecord('{"cveMetadata":{"cveId":"CVE-1"}}', null, null), RecordError);
  assert.throws(() => parseRecord('{"cveMetadata":{"cveId":"CVE-2024-12345"},"containers":{"cna":{}}}', null, null), /no description/);
  const f = handMadeRecord({ id: 'CVE-2099-0002', subject: 'x: y', body: 'a'.repeat(MAX_DESCRIPTION_CHARS * 3) + `\n${KASAN_REPORT}`, files: [], introduced: '0', fixes: ['6.1'] });
  const r = parseRecord(f.json, null, null);
  assert.equal(r.cut, true);
  assert.deepEqual(r.signatures, []);
});

test('hostile records: mutated JSON never throws anything but RecordError, signatures stay bounded', () => {
  const base = handMadeRecord({
    id: 'CVE-2099-0003', subject: 'fakevport: fix fake_vport_get_stats()', body: NULL_REPORT, files: ['net/fakevport/vport.c'], introduced: '5.4', fixes: ['6.1.92', '6.9'],
  });
  fc.assert(fc.property(fc.nat({ max: base.json.length }), fc.nat({ max: 64 }), fc.string({ maxLength: 64 }), fc.string({ maxLength: 200 }), (at, cut, insert, dyad) => {
    const json = base.json.slice(0, at) + insert + base.json.slice(Math.min(base.json.length, at + cut));
    try {
      const r = parseRecord(json, dyad, insert);
      assert.ok(r.signatures.length <= 3);
      for (const s of r.signatures) assert.ok(s.frames.length <= 8);
    } catch (err) {
      assert.ok(err instanceof RecordError, String(err));
    }
  }), { numRuns: 300, seed: 17 });
});

test('TarReader on random bytes and on cut archives: no exception, an error or a clean stop', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
    const r = new TarReader({ want: () => true, maxFileBytes: 1024, onEntry: () => {} });
    r.push(Buffer.from(bytes));
    assert.ok(r.error === null || /checksum/.test(r.error));
  }), { numRuns: 300, seed: 17 });
});
