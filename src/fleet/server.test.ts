// The fleet service on both stores: ingest (raw and JSON, idempotent, tokens, limits), buckets, queries,
// OpenAPI, jobs with leases, rebucketing, overload, patterns on a simulated fleet. Inputs: the lab's real
// console logs under ../shared and the simulator (real reports on simulated hosts).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../util/repo.js';
import { analyze } from '../analyze.js';
import { createFleetApp, type FleetApp } from './server.js';
import { Tokens } from './auth.js';
import { testStores } from './testkit.js';
import { simulate, evaluate, patternRows } from './simulate.js';
import { detectPatterns, type Pattern } from './patterns.js';

const LAB = join(sharedDir(), 'lab', 'out');
const haveLab = existsSync(LAB);
const TOKEN = 'test-ingest-token';
const auth = { authorization: `Bearer ${TOKEN}` };

for (const s of testStores()) {
  describe(`fleet service on ${s.name}`, { skip: s.skip ?? (!haveLab && 'needs ../shared/lab') }, () => {
    let fleet: FleetApp;
    let drop: () => Promise<void>;
    before(async () => {
      const o = await s.open();
      drop = o.drop;
      const tokens = new Tokens();
      tokens.add(TOKEN);
      fleet = await createFleetApp({ db: o.db, ingestTokens: tokens, maxReportBytes: 4 * 1024 * 1024, spoolDir: join(o.dataDir || '/tmp', `spool-${Date.now()}`), leaseMs: 60_000 });
    });
    after(async () => {
      await fleet.app.close();
      await drop();
    });

    test('raw lab logs are analysed on ingest; the same report again is the same crash', async () => {
      const ids = new Map<string, number>();
      for (const d of readdirSync(LAB).sort()) {
        const body = readFileSync(join(LAB, d, 'console.log'), 'utf8');
        const r = await fleet.app.inject({ method: 'POST', url: `/api/v1/reports?host=lab-${d}&label=rack=r1&label=zone=z1`, headers: { ...auth, 'content-type': 'text/plain' }, body });
        assert.equal(r.statusCode, 202, r.body);
        const j = r.json();
        assert.equal(j.created, true);
        // The title is the library's: ingest does not re-implement the analysis.
        assert.equal(j.title, analyze([join(LAB, d, 'console.log')]).crash?.title ?? '');
        ids.set(d, j.id);
      }
      const again = await fleet.app.inject({ method: 'POST', url: '/api/v1/reports?host=lab-oops-null-module', headers: { ...auth, 'content-type': 'text/plain' }, body: readFileSync(join(LAB, 'oops-null-module', 'console.log'), 'utf8') });
      assert.equal(again.statusCode, 202);
      assert.deepEqual([again.json().id, again.json().created], [ids.get('oops-null-module'), false]);
      // The same crash from another host is another crash.
      const other = await fleet.app.inject({ method: 'POST', url: '/api/v1/reports?host=lab-2', headers: { ...auth, 'content-type': 'text/plain' }, body: readFileSync(join(LAB, 'oops-null-module', 'console.log'), 'utf8') });
      assert.equal(other.json().created, true);
      await fleet.flush();
      const b = await fleet.app.inject({ url: '/api/v1/buckets?level=1&sort=hosts' });
      const top = b.json().buckets[0];
      assert.equal(top.title, 'BUG: unable to handle kernel NULL pointer dereference in ktl_null_process');
      assert.deepEqual([top.crashes, top.hosts], [2, 2]);
      const l2 = await fleet.app.inject({ url: `/api/v1/buckets?level=2&parent=${top.id}` });
      assert.deepEqual(l2.json().buckets[0].frames.slice(0, 1), ['ktl_null_process [ktl_null]']);
      const page = await fleet.app.inject({ url: `/api/v1/buckets/${l2.json().buckets[0].id}` });
      const bp = page.json();
      assert.equal(bp.hostList.length, 2);
      assert.deepEqual(bp.kernels, [{ version: 'debian:6.1.192-2', crashes: 2 }]);
      assert.ok(bp.modules.some((m: { module: string }) => m.module === 'ktl_null'));
      assert.equal(bp.perDay.reduce((a: number, d: { crashes: number }) => a + d.crashes, 0), 2);
      assert.equal(bp.state, 'new');
    });

    test('queries: filters by host, module, kind, label, title; the full report by id', async () => {
      const byMod = (await fleet.app.inject({ url: '/api/v1/crashes?module=ktl_null' })).json().crashes;
      assert.deepEqual(byMod.map((c: { host: string }) => c.host).sort(), ['lab-2', 'lab-oops-null-module']);
      const byLabel = (await fleet.app.inject({ url: '/api/v1/crashes?label=rack=r1&kind=hung-task' })).json().crashes;
      assert.deepEqual(byLabel.map((c: { host: string }) => c.host), ['lab-hung-task']);
      const byTitle = (await fleet.app.inject({ url: '/api/v1/crashes?title=' + encodeURIComponent('sysrq triggered') })).json().crashes;
      assert.equal(byTitle.length, 1);
      const one = (await fleet.app.inject({ url: `/api/v1/crashes/${byTitle[0].id}` })).json();
      assert.equal(one.report.crash.kind, 'sysrq');
      assert.equal((await fleet.app.inject({ url: '/api/v1/crashes/999999' })).statusCode, 404);
      const hosts = (await fleet.app.inject({ url: '/api/v1/hosts?label=zone=z1' })).json().hosts;
      assert.equal(hosts.length, readdirSync(LAB).length);
    });

    test('ingest refuses what it must: token, host, type, size, labels, hostile JSON', async () => {
      const body = 'x';
      const cases: [Record<string, string>, string, string | Buffer, number][] = [
        [{ 'content-type': 'text/plain' }, '/api/v1/reports?host=h', body, 401],
        [{ authorization: 'Bearer wrong-token-x', 'content-type': 'text/plain' }, '/api/v1/reports?host=h', body, 401],
        [{ ...auth, 'content-type': 'text/plain' }, '/api/v1/reports', body, 400],
        [{ ...auth, 'content-type': 'text/plain' }, '/api/v1/reports?host=' + encodeURIComponent('<script>'), body, 400],
        [{ ...auth, 'content-type': 'application/xml' }, '/api/v1/reports?host=h', '<a/>', 415],
        [{ ...auth, 'content-type': 'text/plain' }, '/api/v1/reports?host=h', 'a'.repeat(4 * 1024 * 1024 + 1), 413],
        [{ ...auth, 'content-type': 'text/plain' }, '/api/v1/reports?host=h&label=nokey', body, 400],
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '{"schemaVersion":"1.0","events":{}}', 400],
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '{"schemaVersion":"1.0","events":[],', 400],
        // Prototype poisoning, plain and spelled with escapes, refused as Fastify's own parser refuses it.
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '{"schemaVersion":"1.0","events":[],"crash":null,"x":{"__proto__":{"polluted":1}}}', 400],
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '{"schemaVersion":"1.0","events":[],"crash":null,"\\u005f_proto__":{}}', 400],
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '{"schemaVersion":"1.0","events":[],"crash":null,"constructor":{"prototype":{"polluted":1}}}', 400],
        [{ ...auth, 'content-type': 'application/json' }, '/api/v1/reports?host=h', '', 400],
      ];
      for (const [headers, url, b, code] of cases) {
        const r = await fleet.app.inject({ method: 'POST', url, headers, body: b });
        assert.equal(r.statusCode, code, `${url} ${headers['content-type']}: ${r.body.slice(0, 200)}`);
        assert.ok(typeof r.json().error === 'string' && !r.json().error.includes('\n'));
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      // A report whose text holds escapes and the word constructor is stored as it was sent.
      const report = JSON.stringify({ ...analyze([join(LAB, 'sysrq-c', 'console.log')]), note: 'constructor \u001b[31m' });
      const ok = await fleet.app.inject({ method: 'POST', url: '/api/v1/reports?host=escapes-1&time=2026-11-02T00:00:00Z', headers: { ...auth, 'content-type': 'application/json' }, body: report });
      assert.equal(ok.statusCode, 202, ok.body);
      const full = (await fleet.app.inject({ url: `/api/v1/crashes/${ok.json().id}` })).json();
      assert.equal(full.report.note, 'constructor \u001b[31m');
    });

    test('OpenAPI describes the versioned routes', async () => {
      const doc = (await fleet.app.inject({ url: '/api/v1/openapi.json' })).json();
      assert.equal(doc.openapi, '3.0.3');
      for (const p of ['/api/v1/reports', '/api/v1/vmcores', '/api/v1/crashes', '/api/v1/crashes/{id}', '/api/v1/buckets', '/api/v1/buckets/{id}', '/api/v1/hosts', '/api/v1/patterns', '/api/v1/jobs/claim']) {
        assert.ok(doc.paths[p], `OpenAPI lacks ${p}`);
      }
      assert.ok(doc.paths['/api/v1/reports'].post.parameters.some((x: { name: string }) => x.name === 'host'));
      const m = await fleet.app.inject({ url: '/metrics' });
      assert.match(m.body, /^ktriage_fleet_reports_ingested_total \d+$/m);
      assert.match(m.body, /^ktriage_fleet_reports_duplicate_total [1-9]\d*$/m);
      assert.deepEqual((await fleet.app.inject({ url: '/healthz' })).json().database, s.name);
    });

    test('vmcore jobs: two claimers never get the same job, an expired lease is claimed again, a stale lease cannot finish it', async () => {
      const up = async () => {
        const r = await fleet.app.inject({ method: 'POST', url: '/api/v1/vmcores?host=vm-1&time=2026-11-01T10:00:00Z', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: Buffer.from('KDUMP   not really a dump') });
        assert.equal(r.statusCode, 202, r.body);
        return r.json().job as number;
      };
      const j1 = await up();
      const j2 = await up();
      const claim = async (w: string) => fleet.app.inject({ method: 'POST', url: '/api/v1/jobs/claim', headers: { ...auth, 'content-type': 'application/json' }, payload: { worker: w } });
      const [a, b] = await Promise.all([claim('w1'), claim('w2')]);
      assert.deepEqual([a.json().id, b.json().id].sort(), [j1, j2].sort());
      assert.equal((await claim('w3')).statusCode, 204);
      // Worker w1 "dies": its lease runs out and w3 gets the job, attempt 2.
      await fleet.store.db.query('UPDATE jobs SET lease_until = 0 WHERE id = $1', [a.json().id]);
      const again = await claim('w3');
      assert.deepEqual([again.json().id, again.json().attempts], [a.json().id, 2]);
      const report = analyze([join(LAB, 'sysrq-c', 'console.log')]);
      const stale = await fleet.app.inject({ method: 'POST', url: `/api/v1/jobs/${a.json().id}/complete`, headers: auth, payload: { lease: a.json().leaseToken, report } });
      assert.equal(stale.statusCode, 409);
      const dl = await fleet.app.inject({ url: `/api/v1/jobs/${again.json().id}/vmcore?lease=${again.json().leaseToken}`, headers: auth });
      assert.equal(dl.body, 'KDUMP   not really a dump');
      const ok = await fleet.app.inject({ method: 'POST', url: `/api/v1/jobs/${again.json().id}/complete`, headers: auth, payload: { lease: again.json().leaseToken, report } });
      assert.equal(ok.statusCode, 200, ok.body);
      const twice = await fleet.app.inject({ method: 'POST', url: `/api/v1/jobs/${again.json().id}/complete`, headers: auth, payload: { lease: again.json().leaseToken, report } });
      assert.equal(twice.statusCode, 409);
      const job = (await fleet.app.inject({ url: `/api/v1/jobs/${again.json().id}` })).json();
      assert.deepEqual([job.state, job.attempts], ['done', 2]);
      const c = (await fleet.app.inject({ url: '/api/v1/crashes?host=vm-1' })).json().crashes;
      assert.deepEqual(c.map((x: { source: string; time: string }) => [x.source, x.time]), [['vmcore', '2026-11-01T10:00:00.000Z']]);
    });

    test('rebucket recomputes every crash under a new grouping version, counts kept', async () => {
      await fleet.flush();
      const before = (await fleet.app.inject({ url: '/api/v1/buckets?level=1&limit=500' })).json().buckets;
      const total = before.reduce((a: number, b: { crashes: number }) => a + b.crashes, 0);
      const r = await fleet.store.rebucket();
      assert.equal(r.groupingVersion, before[0].groupingVersion + 1);
      const after = (await fleet.app.inject({ url: '/api/v1/buckets?level=1&limit=500' })).json().buckets;
      assert.equal(after.reduce((a: number, b: { crashes: number }) => a + b.crashes, 0), total);
      assert.deepEqual(after.map((b: { title: string }) => b.title).sort(), before.map((b: { title: string }) => b.title).sort());
      assert.ok(after.every((b: { groupingVersion: number; id: string }) => b.groupingVersion === r.groupingVersion && !before.some((x: { id: string }) => x.id === b.id)));
    });

    test('rebucket as a job: claimed with a lease, resumed after its worker died, finished once by ktriage worker', async () => {
      await fleet.flush();
      const before = (await fleet.app.inject({ url: '/api/v1/buckets?level=1&limit=500' })).json().buckets;
      const total = before.reduce((a: number, b: { crashes: number }) => a + b.crashes, 0);
      const crashes = Number((await fleet.store.db.query<{ n: unknown }>('SELECT count(*) AS n FROM crashes'))[0]!.n);
      const reports = Number((await fleet.store.db.query<{ n: unknown }>('SELECT count(DISTINCT report_sha) AS n FROM crashes'))[0]!.n);
      assert.ok(reports > 4, String(reports));
      const q1 = (await fleet.app.inject({ method: 'POST', url: '/api/v1/admin/rebucket', headers: auth })).json();
      const q2 = (await fleet.app.inject({ method: 'POST', url: '/api/v1/admin/rebucket', headers: auth })).json();
      assert.deepEqual([q1.queued, q2.queued, q2.job], [true, false, q1.job]);
      const claim = async (w: string) => (await fleet.app.inject({ method: 'POST', url: '/api/v1/jobs/claim', headers: { ...auth, 'content-type': 'application/json' }, payload: { worker: w } })).json();
      const step = (lease: string, limit?: number) => fleet.app.inject({ method: 'POST', url: `/api/v1/jobs/${q1.job}/step`, headers: auth, payload: { lease, limit } });
      const w1 = await claim('w1');
      assert.deepEqual([w1.id, w1.kind, w1.attempts], [q1.job, 'rebucket', 1]);
      const s1 = (await step(w1.leaseToken, 2)).json();
      assert.deepEqual([s1.done, s1.reports], [false, 2]);
      assert.ok(s1.crashes > 0 && s1.crashes < crashes);
      // w1 dies: its lease runs out, w2 takes the job over from w1's cursor; w1's lease is refused.
      await fleet.store.db.query('UPDATE jobs SET lease_until = 0 WHERE id = $1', [q1.job]);
      const w2 = await claim('w2');
      assert.deepEqual([w2.id, w2.attempts], [q1.job, 2]);
      assert.equal((await step(w1.leaseToken)).statusCode, 409);
      const s2 = (await step(w2.leaseToken, 2)).json();
      assert.deepEqual([s2.done, s2.reports], [false, 2]);
      assert.ok(s2.crashes > s1.crashes);
      // w2 dies too; a real worker (the client `ktriage worker` runs) finishes the job over HTTP.
      await fleet.store.db.query('UPDATE jobs SET lease_until = 0 WHERE id = $1', [q1.job]);
      const url = await fleet.app.listen({ host: '127.0.0.1', port: 0 });
      const { runWorker } = await import('./client.js');
      assert.equal(await runWorker({ server: url, token: TOKEN, name: 'w3', maxJobs: 1, pollMs: 50, idleExitMs: 2000 }), 1);
      const job = (await fleet.app.inject({ url: `/api/v1/jobs/${q1.job}` })).json();
      assert.deepEqual([job.state, job.attempts, job.result.crashes], ['done', 3, crashes]);
      assert.equal((await step(w2.leaseToken)).statusCode, 409);
      const after = (await fleet.app.inject({ url: '/api/v1/buckets?level=1&limit=500' })).json().buckets;
      assert.equal(after.reduce((a: number, b: { crashes: number }) => a + b.crashes, 0), total);
      assert.deepEqual(after.map((b: { title: string }) => b.title).sort(), before.map((b: { title: string }) => b.title).sort());
      assert.ok(after.every((b: { groupingVersion: number }) => b.groupingVersion === before[0].groupingVersion + 1));
      assert.equal(fleet.store.groupingVersion, before[0].groupingVersion + 1);
    });

    test('a simulated fleet: every injected episode is found, no false pattern', async () => {
      const f = simulate({ hosts: 200, days: 20, seed: 11 });
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < f.crashes.length) {
          const c = f.crashes[next++]!;
          const qs = new URLSearchParams({ host: c.host, time: new Date(c.timeMs).toISOString() });
          for (const [k, v] of Object.entries(c.labels)) qs.append('label', `${k}=${v}`);
          const r = await fleet.app.inject({ method: 'POST', url: `/api/v1/reports?${qs}`, headers: { ...auth, 'content-type': 'application/json' }, body: f.body(c) });
          assert.equal(r.statusCode, 202);
        }
      }));
      await fleet.flush();
      const url = `/api/v1/patterns?from=${new Date(f.startMs).toISOString()}&to=${new Date(f.endMs).toISOString()}`;
      // Two requests at once share one computation.
      const [r1, r2] = await Promise.all([fleet.app.inject({ url }), fleet.app.inject({ url })]);
      assert.equal(r1.json().computedAt, r2.json().computedAt);
      assert.equal(r1.json().stale, false);
      const ps: Pattern[] = r1.json().patterns;
      // Counted in SQL and typed arrays, the same patterns as the detectors over the simulator's own rows.
      const mine = detectPatterns(patternRows(f));
      assert.deepEqual(ps.map((p) => [p.id, p.key, p.hosts.join(','), p.crashCount]), mine.map((p) => [p.id, p.key, p.hosts.join(','), p.crashCount]));
      const ev = evaluate(ps, f.episodes);
      assert.deepEqual(ev.rows.filter((r) => !r.ok), []);
      assert.deepEqual(ev.falsePatterns.map((p) => p.summary), []);
      for (const id of ['fleet-simultaneous', 'fleet-spreading', 'fleet-compromise', 'fleet-regression']) assert.ok(ps.some((p) => p.id === id), id);
      const comp = ps.find((p) => p.id === 'fleet-compromise')!;
      assert.equal(comp.curve!.length, 6);
      assert.ok(comp.evidence.every((e) => typeof e.crash === 'number' && e.host && e.time));
      // A crash arrives: the next request is answered at once with the result before it (stale), while
      // the new one is computed; then the new one is served.
      const c = f.crashes[0]!;
      const r = await fleet.app.inject({ method: 'POST', url: `/api/v1/reports?host=late-host&time=${new Date(f.startMs + 3_600_000).toISOString()}`, headers: { ...auth, 'content-type': 'application/json' }, body: f.body(c) });
      assert.equal(r.statusCode, 202);
      await fleet.flush();
      const stale = (await fleet.app.inject({ url })).json();
      assert.equal(stale.stale, true);
      assert.equal(stale.computedAt, r1.json().computedAt);
      let fresh = stale;
      for (let i = 0; i < 100 && fresh.stale; i++) {
        await new Promise((res) => setTimeout(res, 100));
        fresh = (await fleet.app.inject({ url })).json();
      }
      assert.equal(fresh.stale, false);
      assert.ok(fresh.computedAt > stale.computedAt);
    });

    test('under overload the service answers 429 and loses nothing it acknowledged', async () => {
      const tokens = new Tokens();
      tokens.add(TOKEN);
      const small = await createFleetApp({ db: fleet.store.db, ingestTokens: tokens, maxInflight: 4 });
      const report = JSON.stringify(analyze([join(LAB, 'bug-module', 'console.log')]));
      const codes = await Promise.all(Array.from({ length: 60 }, (_, i) =>
        small.app.inject({ method: 'POST', url: `/api/v1/reports?host=load-${i}&time=2026-11-02T00:00:00Z`, headers: { ...auth, 'content-type': 'application/json' }, body: report })
          .then((r) => [i, r.statusCode, r.statusCode === 202 ? r.json().id : null] as const)));
      const acked = codes.filter((c) => c[1] === 202);
      assert.ok(codes.some((c) => c[1] === 429), 'no 429 under 15x the in-flight limit');
      assert.ok(codes.every((c) => c[1] === 202 || c[1] === 429));
      for (const [i, , id] of acked) {
        const r = (await fleet.app.inject({ url: `/api/v1/crashes?host=load-${i}` })).json().crashes;
        assert.deepEqual(r.map((c: { id: number }) => c.id), [id]);
      }
      await small.app.close();
    });
  });
}
