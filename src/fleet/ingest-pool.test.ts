// The ingest pool: real worker threads on the lab's real reports (a console log analysed into ktriage
// JSON, and the raw log itself), hostile bodies, a task past its time, and bodies that share memory.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../util/repo.js';
import { analyze } from '../analyze.js';
import { IngestPool, BadReport } from './ingest-pool.js';
import { crashFacts } from './store.js';
import { readBody } from './report-body.js';

const LOG = join(sharedDir(), 'lab', 'out', 'oops-null-module', 'console.log');
const haveLab = existsSync(LOG);
const TITLE = 'BUG: unable to handle kernel NULL pointer dereference in ktl_null_process';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

for (const size of [1, 0]) {
  describe(`ingest pool, ${size === 0 ? 'inline' : `${size} thread`}`, { skip: !haveLab && 'needs ../shared/lab' }, () => {
    const pool = new IngestPool(size);
    after(() => pool.close());
    const report = haveLab ? analyze([LOG]) : null;
    const json = JSON.stringify(report);

    const unpack = (packed: string) => readBody({ body_br: Buffer.from(packed, 'base64') });

    test('a ktriage JSON report: the facts of the report, its bytes packed unchanged, their sha256', async () => {
      const p = await pool.run('json', Buffer.from(json, 'utf8'));
      assert.equal(p.facts.title, TITLE);
      assert.equal(p.facts.kind, 'null-deref');
      assert.deepEqual(p.facts, crashFacts(report!));
      assert.equal(p.body.sha, sha(json));
      assert.equal(p.body.bytes, Buffer.byteLength(json));
      assert.equal(unpack(p.body.packed), json);
      // brotli: the 28 KB report packs to less than a fifth of its size.
      assert.ok(p.body.packed.length * 0.75 < p.body.bytes / 5, `${p.body.packed.length} base64 chars for ${p.body.bytes} bytes`);
    });

    test('a raw console log is analysed as `ktriage analyze` does', async () => {
      const p = await pool.run('raw', readFileSync(LOG));
      assert.equal(p.facts.title, TITLE);
      assert.equal(p.facts.modules[0], 'ktl_null');
      const text = unpack(p.body.packed)!;
      assert.equal(p.body.sha, sha(text));
      assert.equal(JSON.parse(text).crash.title, TITLE);
    });

    test('bodies that are not reports fail alone, with one line', async () => {
      const bad = async (b: Buffer) => pool.run('json', b).then(() => 'accepted', (e: Error) => `${e instanceof BadReport}: ${e.message}`);
      // V8's own wording of a JSON error differs between Node releases: one line naming JSON.
      assert.match(await bad(Buffer.from('{"schemaVersion": "1.0", "events": [')), /^true: [^\n]*JSON[^\n]*$/);
      assert.equal(await bad(Buffer.from([0x7b, 0xff, 0x7d])), 'true: report is not UTF-8 text');
      assert.equal(await bad(Buffer.from('{"events": []}')), 'true: not a ktriage JSON report (no schemaVersion)');
      assert.equal(await bad(Buffer.from('{"schemaVersion": "1.0", "events": [], "crash": null, "__proto__": {"x": 1}}')), 'true: Object contains forbidden prototype property');
      // The pool still answers after them.
      assert.equal((await pool.run('json', Buffer.from(json))).facts.title, TITLE);
    });

    test('a small body in shared memory is copied, never taken from its neighbours', async () => {
      // Buffer.from of a short string is a view into Node's shared allocation pool.
      const small = Buffer.from('{"schemaVersion": "1.0", "events": [], "crash": null}');
      const neighbour = Buffer.from('still here');
      const p = await pool.run('json', small);
      assert.equal(p.facts.title, '');
      assert.equal(neighbour.toString(), 'still here');
      assert.equal(small.toString(), '{"schemaVersion": "1.0", "events": [], "crash": null}');
    });
  });
}

describe('ingest pool: a report past its time', { skip: !haveLab && 'needs ../shared/lab' }, () => {
  test('its worker is replaced, the task fails with the reason, the next one succeeds', async () => {
    const pool = new IngestPool(1, { timeoutMs: 1 });
    try {
      // A 55 KB raw log takes far longer than 1 ms to analyse.
      const big = readFileSync(join(sharedDir(), 'lab', 'out', 'softlockup-rcu-module', 'console.log'));
      await assert.rejects(pool.run('raw', big), { message: 'a report took longer than 0.001 s to analyse' });
      assert.equal(pool.restarts, 1);
      // The replacement worker takes the next report.
      pool.timeoutMs = 60_000;
      assert.equal((await pool.run('raw', readFileSync(LOG))).facts.title, TITLE);
      assert.equal(pool.restarts, 1);
    } finally {
      await pool.close();
    }
  });
});
