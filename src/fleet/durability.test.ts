// Reliability with real processes: kill -9 of `ktriage serve` while writes are in flight loses nothing it
// acknowledged (PGlite and PostgreSQL), and a vmcore job whose worker died is retried by a real
// `ktriage worker` and done once. Reports: the lab's console logs and its lzo kdump (../shared).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { decompress } from 'fzstd';
import { join } from 'node:path';
import { repoRoot, sharedDir } from '../util/repo.js';
import { analyze } from '../analyze.js';
import { testStores } from './testkit.js';

const BIN = join(repoRoot(), 'dist', 'src', 'cli', 'bin.js');
const LAB = join(sharedDir(), 'lab', 'out');
const TOKEN = 'durability-token';

async function startServe(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--ingest-token', TOKEN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ktriage serve: (http:\/\/[\d.:]+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return { proc, url };
}

const killed = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

for (const s of testStores()) {
  describe(`durability on ${s.name}`, { skip: s.skip ?? (!existsSync(LAB) && 'needs ../shared/lab') }, () => {
    test('kill -9 of the server between and during writes loses no acknowledged crash', { timeout: 240_000 }, async () => {
      const o = await s.open();
      // The child owns the store: the test's own handle is closed first (PGlite: one process per directory).
      await o.db.close();
      const args = s.name === 'pglite' ? ['--data-dir', o.dataDir] : ['--database', o.url];
      const body = JSON.stringify(analyze([join(LAB, 'oops-null-module', 'console.log')]));
      const acked = new Map<string, number>();
      let n = 0;
      try {
        for (let round = 0; round < 3; round++) {
          const { proc, url } = await startServe(args);
          // Sequential writes, then a burst in flight when the kill comes.
          for (let i = 0; i < 15; i++) {
            const host = `dur-${n++}`;
            const r = await fetch(`${url}/api/v1/reports?host=${host}&time=2026-11-03T00:00:00Z`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
            assert.equal(r.status, 202);
            acked.set(host, ((await r.json()) as { id: number }).id);
          }
          const burst = Array.from({ length: 30 }, () => {
            const host = `dur-${n++}`;
            return fetch(`${url}/api/v1/reports?host=${host}&time=2026-11-03T00:00:00Z`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body })
              .then(async (r) => { if (r.status === 202) acked.set(host, ((await r.json()) as { id: number }).id); })
              .catch(() => { /* cut by the kill: not acknowledged */ });
          });
          await new Promise((r) => setTimeout(r, 15 + round * 10));
          proc.kill('SIGKILL');
          await Promise.all(burst);
          await killed(proc);
        }
        const { proc, url } = await startServe(args);
        try {
          for (const [host, id] of acked) {
            const r = (await (await fetch(`${url}/api/v1/crashes?host=${host}`)).json()) as { crashes: { id: number }[] };
            assert.deepEqual(r.crashes.map((c) => c.id), [id], `acknowledged crash ${id} of ${host} lost`);
          }
          assert.ok(acked.size >= 45, `only ${acked.size} writes acknowledged`);
        } finally {
          proc.kill('SIGTERM');
          await killed(proc);
        }
      } finally {
        await o.drop();
      }
    });

    test('a vmcore job whose worker died is retried by a real worker and done once', { timeout: 240_000, skip: !existsSync(join(LAB, 'sysrq-c', 'vmcore.zst')) && 'needs the lab vmcore' }, async () => {
      const o = await s.open();
      await o.db.close();
      const args = s.name === 'pglite' ? ['--data-dir', o.dataDir] : ['--database', o.url];
      const { proc, url } = await startServe([...args, '--lease-seconds', '2']);
      const auth = { authorization: `Bearer ${TOKEN}` };
      // The lab's lzo kdump, unwrapped from its zstd wrapper (DECISIONS.md 4).
      const tmp = mkdtempSync(join(tmpdir(), 'ktriage-vmcore-'));
      const dump = join(tmp, 'vmcore');
      writeFileSync(dump, decompress(readFileSync(join(LAB, 'sysrq-c', 'vmcore.zst'))));
      try {
        const push = spawn(process.execPath, [BIN, 'push', '--server', url, '--token', TOKEN, '--host', 'vm-host', '--time', '2026-11-04T12:00:00Z', dump], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        push.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        await killed(push);
        const job = Number(/job (\d+)/.exec(out)?.[1]);
        assert.ok(job > 0, out);
        // A worker claims it and dies (never renews nor completes): the lease runs out.
        const claim = await fetch(`${url}/api/v1/jobs/claim`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"worker":"doomed"}' });
        assert.equal(((await claim.json()) as { id: number }).id, job);
        // ... and its 2-second lease runs out.
        await new Promise((r) => setTimeout(r, 2500));
        const worker = spawn(process.execPath, [BIN, 'worker', '--server', url, '--token', TOKEN, '--max-jobs', '1', '--poll-ms', '200', '--idle-exit', '200'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let werr = '';
        worker.stderr!.on('data', (d: Buffer) => (werr += d.toString()));
        await killed(worker);
        assert.match(werr, /1 jobs done/, werr);
        const j = (await (await fetch(`${url}/api/v1/jobs/${job}`)).json()) as { state: string; attempts: number; worker: string };
        assert.deepEqual([j.state, j.attempts], ['done', 2]);
        const c = (await (await fetch(`${url}/api/v1/crashes?host=vm-host`)).json()) as { crashes: { title: string; source: string }[] };
        assert.deepEqual(c.crashes.map((x) => [x.source, x.title]), [['vmcore', 'kernel panic: sysrq triggered crash']]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        proc.kill('SIGTERM');
        await killed(proc);
        await o.drop();
      }
    });
  });
}
