import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TarReader, type TarEntry } from './tar.js';
import { updateIndex, UpdateError } from './update.js';
import { loadIndex, IndexError, INDEX_FILE } from './index-file.js';
import { handMadeRecord } from './testkit.js';
import { KASAN_REPORT, NULL_REPORT } from './test-reports.js';

/** A ustar member as GNU tar writes it (hand-made: header fields, octal sizes, checksum, 512-byte padding). */
function tarMember(name: string, data: Buffer | string, type = '0'): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const h = Buffer.alloc(512);
  const put = (off: number, len: number, s: string) => h.write(s.slice(0, len), off, 'utf8');
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) { const i = name.lastIndexOf('/', 154); prefix = name.slice(0, i); base = name.slice(i + 1); }
  put(0, 100, base);
  put(100, 8, '0000644\0');
  put(108, 8, '0000000\0');
  put(116, 8, '0000000\0');
  put(124, 12, body.length.toString(8).padStart(11, '0') + '\0');
  put(136, 12, '14712345670\0');
  h.fill(32, 148, 156);
  put(156, 1, type);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

function tarOf(files: [string, string | Buffer, string?][]): Buffer {
  return Buffer.concat([...files.map(([n, d, t]) => tarMember(n, d, t)), Buffer.alloc(1024)]);
}

function paxMember(path: string, data: string): Buffer {
  const rec = (k: string, v: string) => {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
    return `${len}${body}`;
  };
  return Buffer.concat([tarMember('PaxHeaders/x', rec('path', path), 'x'), tarMember('ignored-short-name', data)]);
}

const R1 = handMadeRecord({
  id: 'CVE-2099-10001', subject: 'nbd: fix uaf in nbd_recv_work()', body: `There is a use-after-free:\n\n${KASAN_REPORT}`,
  files: ['drivers/block/nbd.c'], introduced: '5.14', fixes: ['6.1.146', '6.6.99', '6.16'],
});
const R2 = handMadeRecord({
  id: 'CVE-2099-10002', subject: 'fakevport: check the vport in fake_vport_get_stats()', body: `Oops seen:\n\n${NULL_REPORT}`,
  files: ['net/fakevport/vport.c'], introduced: '0', fixes: ['5.15.160', '6.1.92', '6.9'],
});
const R3 = handMadeRecord({ id: 'CVE-2099-10003', subject: 'mm: fix a race in fake_reclaim()', body: 'No report here.', files: ['mm/vmscan.c'], introduced: '6.3', fixes: ['6.6.9', '6.7'] });

function layout(recs: [string, ReturnType<typeof handMadeRecord>][]): [string, string][] {
  const out: [string, string][] = [['README', 'vulns\n'], ['LICENSES/cve-tou.txt', 'CVE Usage: MITRE hereby grants you a perpetual ... license\n']];
  for (const [id, r] of recs) {
    const y = id.split('-')[1];
    out.push([`cve/published/${y}/${id}.json`, r.json], [`cve/published/${y}/${id}.dyad`, r.dyad], [`cve/published/${y}/${id}.sha1`, r.sha1]);
  }
  return out;
}

test('TarReader: ustar members in any chunking, prefix names, pax paths, a bad checksum is an error', () => {
  const tar = Buffer.concat([
    tarMember('a/b.json', '{"x":1}'), tarMember(`${'d'.repeat(120)}/long.json`, 'long'), paxMember(`p/${'q'.repeat(200)}.json`, 'pax'),
    tarMember('skip.bin', Buffer.alloc(3000)), Buffer.alloc(1024),
  ]);
  for (const size of [1, 7, 511, 512, 513, 4096, tar.length]) {
    const got: TarEntry[] = [];
    const r = new TarReader({ want: (n) => n.endsWith('.json'), maxFileBytes: 100, onEntry: (e) => got.push(e) });
    for (let i = 0; i < tar.length; i += size) r.push(tar.subarray(i, i + size));
    assert.equal(r.error, null);
    assert.ok(r.finished());
    assert.deepEqual(got.map((e) => [e.name, e.data.toString()]), [['a/b.json', '{"x":1}'], [`${'d'.repeat(120)}/long.json`, 'long'], [`p/${'q'.repeat(200)}.json`, 'pax']]);
  }
  const bad = Buffer.from(tar);
  bad[10] = 0x41;
  const r = new TarReader({ want: () => true, maxFileBytes: 100, onEntry: () => {} });
  r.push(bad);
  assert.match(r.error ?? '', /bad header checksum/);
});

test('kb update from a tarball, a directory and a git checkout of the same layout gives the same records', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ktriage-kb-'));
  try {
    const files = layout([['CVE-2099-10001', R1], ['CVE-2099-10002', R2], ['CVE-2099-10003', R3]]);
    writeFileSync(join(tmp, 'snap.tar.gz'), gzipSync(tarOf(files.map(([n, d]) => [`vulns/${n}`, d]))));
    const dir = join(tmp, 'vulns');
    for (const [n, d] of files) { mkdirSync(join(dir, n, '..'), { recursive: true }); writeFileSync(join(dir, n), d); }
    const fromTar = await updateIndex(join(tmp, 'snap.tar.gz'), join(tmp, 'kb1'));
    const fromDir = await updateIndex(dir, join(tmp, 'kb2'));
    mkdirSync(join(dir, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/master\n');
    writeFileSync(join(dir, '.git', 'refs', 'heads', 'master'), 'a44aa3092cffc225a32b6f18a4dcd173789b6a8b\n');
    const fromGit = await updateIndex(dir, join(tmp, 'kb3'));
    assert.deepEqual(fromTar.counts, { records: 3, withSignature: 2, signatures: 2, skippedRecords: 0, skippedFiles: 0, cutDescriptions: 0 });
    assert.equal(fromTar.meta.kind, 'tarball');
    assert.equal(fromDir.meta.kind, 'directory');
    assert.equal(fromGit.meta.kind, 'git');
    assert.equal(fromGit.meta.commit, 'a44aa3092cffc225a32b6f18a4dcd173789b6a8b');
    assert.match(fromTar.meta.termsOfUse ?? '', /^CVE Usage: MITRE/);
    const all = (d: string) => [...loadIndex(d)!.records()];
    assert.deepEqual(all(join(tmp, 'kb1')), all(join(tmp, 'kb2')));
    assert.deepEqual(all(join(tmp, 'kb1')), all(join(tmp, 'kb3')));
    const idx = loadIndex(join(tmp, 'kb1'))!;
    assert.deepEqual(idx.sigsByTitle('KASAN: slab-use-after-free Write in nbd_recv_work').map((i) => idx.ids[idx.sigs[i]![0]]), ['CVE-2099-10001']);
    assert.deepEqual(idx.sigsByFrame('fake_dp_fill_info').map((i) => idx.ids[idx.sigs[i]![0]]), ['CVE-2099-10002']);
    assert.deepEqual(idx.recordsByIdent('fake_reclaim').map((i) => idx.ids[i]), ['CVE-2099-10003']);
    assert.equal(idx.record(idx.indexOf('cve-2099-10003')!)!.versions.branches[0]!.fixed, '6.6.9');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('kb update: bad records are skipped with a count; a newer snapshot replaces the index in one rename', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ktriage-kb-'));
  try {
    const kb = join(tmp, 'kb');
    await updateIndex(writeTar(tmp, 'old.tar', layout([['CVE-2099-10001', R1]])), kb);
    const newer = handMadeRecord({ ...{ id: 'CVE-2099-10001', subject: 'nbd: fix uaf in nbd_recv_work()', body: KASAN_REPORT, files: ['drivers/block/nbd.c'] }, introduced: '5.14', fixes: ['6.1.150', '6.6.99', '6.16'] });
    const files = layout([['CVE-2099-10001', newer], ['CVE-2099-10002', R2]]);
    files.push(['cve/published/2099/CVE-2099-10009.json', '{"containers": {"cna": '], ['cve/published/2099/CVE-2099-10010.json', JSON.stringify({ dataType: 'CVE_RECORD' })]);
    files.push(['cve/published/2099/CVE-2099-10011.dyad', '0:0:6.1:abc\n'], ['cve/published/2099/notes.txt', 'x']);
    const before = readFileSync(join(kb, INDEX_FILE));
    const r = await updateIndex(writeTar(tmp, 'new.tar', files), kb);
    assert.equal(r.counts.records, 2);
    assert.equal(r.counts.skippedRecords, 3);
    assert.equal(r.counts.skippedFiles, 1);
    assert.match(r.skipReasons.join('\n'), /CVE-2099-10009: not JSON/);
    assert.match(r.skipReasons.join('\n'), /CVE-2099-10011: no \.json file/);
    const idx = loadIndex(kb)!;
    assert.equal(idx.record(idx.indexOf('CVE-2099-10001')!)!.versions.branches[0]!.fixed, '6.1.150');
    assert.notDeepEqual(readFileSync(join(kb, INDEX_FILE)), before);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

function writeTar(dir: string, name: string, files: [string, string][]): string {
  const p = join(dir, name);
  writeFileSync(p, tarOf(files));
  return p;
}

test('kb update on another layout, a missing path or a truncated archive fails with one message; a damaged index is an IndexError', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ktriage-kb-'));
  try {
    await assert.rejects(updateIndex(join(tmp, 'nope'), join(tmp, 'kb')), (e: Error) => e instanceof UpdateError && /cannot read/.test(e.message));
    mkdirSync(join(tmp, 'other'));
    writeFileSync(join(tmp, 'other', 'x.json'), '{}');
    await assert.rejects(updateIndex(join(tmp, 'other'), join(tmp, 'kb')), /no cve\/published directory/);
    await assert.rejects(updateIndex(writeTar(tmp, 'o.tar', [['src/main.c', 'int main;']]), join(tmp, 'kb')), /no cve\/published\/YYYY\/CVE-\*\.json records/);
    const good = gzipSync(tarOf(layout([['CVE-2099-10001', R1]])));
    writeFileSync(join(tmp, 'cut.tar.gz'), good.subarray(0, good.length >> 1));
    await assert.rejects(updateIndex(join(tmp, 'cut.tar.gz'), join(tmp, 'kb')), UpdateError);
    writeFileSync(join(tmp, 'junk.tar.gz'), Buffer.from('not gzip at all, not tar either'));
    await assert.rejects(updateIndex(join(tmp, 'junk.tar.gz'), join(tmp, 'kb')), UpdateError);
    mkdirSync(join(tmp, 'bad'));
    writeFileSync(join(tmp, 'bad', INDEX_FILE), '{"format":"something-else"}\n');
    assert.throws(() => loadIndex(join(tmp, 'bad')), IndexError);
    writeFileSync(join(tmp, 'bad', INDEX_FILE), 'garbage without newline');
    assert.throws(() => loadIndex(join(tmp, 'bad')), /no lookup line/);
    assert.equal(loadIndex(join(tmp, 'empty-dir-that-does-not-exist')), null);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
