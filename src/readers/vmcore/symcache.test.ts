// The symbol cache on a lab dump: a cold read decodes kallsyms and writes the cache, a warm read takes the
// same table from it without decoding; a damaged or foreign cache file is never used (the table is decoded
// again and the file rewritten); KTRIAGE_NO_CACHE=1 / cache:false neither reads nor writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Dump } from './dump.js';
import { readKallsyms, formatSymbol } from './kallsyms.js';
import { checkCacheFile, loadCachedKallsyms, saveCachedKallsyms, symcachePath } from './symcache.js';
import { SymbolTable } from './kallsyms.js';
import { LAB, labPresent, unzstd } from './testkit.js';

const scenario = labPresent && existsSync(join(LAB, 'rootkit-hidden-module', 'vmcore.zst')) ? 'rootkit-hidden-module' : null;
const skip = scenario ? false : 'needs the lab';

function withDump<T>(f: (d: Dump, dir: string) => T): T {
  const d = new Dump(unzstd(join(LAB, scenario!, 'vmcore.zst')));
  const dir = mkdtempSync(join(tmpdir(), 'ktriage-symcache-'));
  try {
    return f(d, dir);
  } finally {
    d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('symbol cache: cold decodes and writes, warm reads the same table back without decoding', { skip }, () => {
  withDump((d, dir) => {
    const p0 = d.pages.pagesRead;
    const cold = readKallsyms(d, { cache: true, cacheDir: dir });
    assert.equal(cold.from, 'dump');
    const coldPages = d.pages.pagesRead - p0;
    const path = symcachePath(d.vmcoreinfo.buildId!, dir)!;
    assert.ok(existsSync(path));
    const pagesBefore = d.pages.pagesRead;
    const warm = readKallsyms(d, { cache: true, cacheDir: dir });
    assert.equal(warm.from, 'cache');
    assert.equal(warm.encoding, 'absolute-percpu');
    // The check against the dump decodes the first names and 34 sampled offsets: a tenth of the cold pages.
    const warmPages = d.pages.pagesRead - pagesBefore;
    assert.ok(coldPages >= 400 && warmPages <= coldPages / 8, `cold ${coldPages} pages, warm ${warmPages}`);
    const a = cold.table!;
    const b = warm.table!;
    assert.equal(b.count, 94266);
    assert.equal(b.count, a.count);
    for (const name of ['_stext', 'current_task', 'sys_call_table', 'init_task', '__crash_kexec', 'panic']) {
      assert.deepEqual(b.byName(name), a.byName(name), name);
      assert.ok(b.byName(name).length > 0, name);
    }
    assert.equal(b.byName('current_task')[0]!.address, 0x1fb80n); // absolute percpu symbol: not moved by KASLR
    const stext = d.vmcoreinfo.symbols.get('_stext')!;
    for (const off of [0n, 0x10n, 0x12345n, 0x400000n]) assert.equal(formatSymbol(b.lookup(stext + off)!), formatSymbol(a.lookup(stext + off)!));
  });
});

test('symbol cache: a corrupt, truncated, foreign or unverifiable file is ignored, decoded again and rewritten', { skip }, () => {
  withDump((d, dir) => {
    readKallsyms(d, { cache: true, cacheDir: dir });
    const path = symcachePath(d.vmcoreinfo.buildId!, dir)!;
    const good = readFileSync(path);
    const damaged: [string, Buffer][] = [];
    const flip = Buffer.from(good);
    flip[flip.length - 100]! ^= 0x40; // one bit of a name
    damaged.push(['checksum', flip]);
    damaged.push(['payload length', good.subarray(0, good.length - 1)]);
    damaged.push(['not a ktriage symbol cache', Buffer.from('garbage')]);
    const ver = Buffer.from(good);
    ver.writeUInt32LE(99, 8);
    damaged.push(['format version 99', ver]);
    const other = Buffer.from(good.toString('latin1').replace(d.vmcoreinfo.buildId!, '0'.repeat(d.vmcoreinfo.buildId!.length)), 'latin1');
    damaged.push(['another build id', other]);
    for (const [why, bytes] of damaged) {
      writeFileSync(path, bytes);
      const c = checkCacheFile(bytes, d.vmcoreinfo.buildId!);
      assert.equal('why' in c ? c.why : null, why);
      assert.equal(loadCachedKallsyms(d, dir), null, why);
      const r = readKallsyms(d, { cache: true, cacheDir: dir });
      assert.equal(r.from, 'dump', why);
      assert.equal(r.table!.count, 94266, why);
      assert.ok(readFileSync(path).equals(good), `${why}: rewritten`);
    }
    // A well-formed file that does not fit this dump (here: the dump's KASLR offset made different, so the
    // cached _stext no longer matches VMCOREINFO's) is not used either.
    const info = d.vmcoreinfo as { kernelOffset: bigint | null };
    const saved = info.kernelOffset;
    info.kernelOffset = (saved ?? 0n) + 0x200000n;
    try {
      assert.equal(loadCachedKallsyms(d, dir), null);
    } finally {
      info.kernelOffset = saved;
    }
    assert.equal(loadCachedKallsyms(d, dir)!.from, 'cache');
    // A well-formed file (right build id, right checksum) whose table differs from the dump's own kallsyms,
    // as a damaged dump of the same build could have written it: one name, or one address, changed.
    const r = readKallsyms(d, { cache: false });
    const p = r.table!.packed;
    const poisoned = (change: (x: typeof p) => void): void => {
      const x = { addr: new BigUint64Array(p.addr), types: new Uint8Array(p.types), nameOff: new Uint32Array(p.nameOff), nameBytes: new Uint8Array(p.nameBytes) };
      change(x);
      assert.ok(saveCachedKallsyms(d, { ...r, table: new SymbolTable(x) }, dir));
      assert.equal(loadCachedKallsyms(d, dir), null);
    };
    poisoned((x) => { x.nameBytes[x.nameOff[10]!]! ^= 0x20; });
    const n = p.addr.length;
    poisoned((x) => { x.addr[Math.floor((5 * n) / 32)]! += 0x10n; });
    assert.equal(readKallsyms(d, { cache: true, cacheDir: dir }).from, 'dump');
    assert.equal(loadCachedKallsyms(d, dir)!.from, 'cache');
  });
});

test('symbol cache: off (cache:false) neither reads nor writes', { skip }, () => {
  withDump((d, dir) => {
    const r = readKallsyms(d, { cache: false, cacheDir: dir });
    assert.equal(r.from, 'dump');
    assert.deepEqual(readdirSync(dir), []);
  });
});
