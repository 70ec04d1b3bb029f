// The bundled CLI (dist/ktriage.mjs, package.json `bin`, made by scripts/bundle.mjs) is the same program as
// the module-by-module one (dist/src/cli/bin.js): same bytes on stdout and the same exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzstd } from '../src/readers/vmcore/testkit.js';
import { CLI, LAB_OUT, needShared, repoRoot } from './paths.js';

const BUNDLE = join(repoRoot(), 'dist', 'ktriage.mjs');

function run(cli: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout };
}

test('package.json bin points at the bundle, which exists after the build', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['ktriage'], 'dist/ktriage.mjs');
  assert.ok(existsSync(BUNDLE), 'dist/ktriage.mjs is built by scripts/bundle.mjs');
});

test('bundled CLI: analyze and title of the bundled sample match the module CLI', () => {
  const sample = join(repoRoot(), 'samples', 'oops-null-module.console.log');
  for (const args of [['analyze', '--json', sample], ['title', sample], ['no-such-command']]) {
    const a = run(BUNDLE, args);
    const b = run(CLI, args);
    assert.equal(a.code, b.code, args.join(' '));
    assert.equal(a.out, b.out, args.join(' '));
  }
});

const dumpSrc = join(LAB_OUT, 'sysrq-c', 'vmcore.zst');
test('bundled CLI: dmesg and info of a lab dump match the module CLI (dmesg runs once)', { skip: needShared(dumpSrc) }, () => {
  const dump = unzstd(dumpSrc);
  const a = run(BUNDLE, ['dmesg', dump]);
  assert.equal(a.code, 0);
  assert.equal(a.out, readFileSync(join(LAB_OUT, 'sysrq-c', 'dmesg.txt'), 'utf8'));
  const i = run(BUNDLE, ['info', dump]);
  const j = run(CLI, ['info', dump]);
  assert.equal(i.code, j.code);
  assert.equal(i.out, j.out);
});

test('bundled CLI: `ktriage serve` starts on the embedded store, analyses a pushed log in its ingest thread, stops on SIGTERM', { timeout: 120_000 }, async () => {
  // The bundle once died here: fastify's CommonJS require('node:events') cannot run inside an ESM bundle
  // (scripts/bundle.mjs now keeps the runtime dependencies external).
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'ktriage-bundle-serve-'));
  const p = spawn(process.execPath, [BUNDLE, 'serve', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--ingest-token', 'bundle-test-token', '--ingest-threads', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /ktriage serve: (http:\/\/[\d.:]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      p.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
    });
    const health = (await (await fetch(`${url}/healthz`)).json()) as { ok: boolean; database: string };
    assert.deepEqual([health.ok, health.database], [true, 'pglite']);
    const r = await fetch(`${url}/api/v1/reports?host=bundle-test`, {
      method: 'POST', headers: { authorization: 'Bearer bundle-test-token', 'content-type': 'text/plain' },
      body: readFileSync(join(repoRoot(), 'samples', 'oops-null-module.console.log')),
    });
    assert.equal(r.status, 202);
    assert.equal(((await r.json()) as { title: string }).title, 'BUG: unable to handle kernel NULL pointer dereference in ktl_null_process');
    const html = await (await fetch(`${url}/?host=bundle-test`)).text();
    assert.match(html, /ktl_null_process/);
  } finally {
    const code = await new Promise<number | null>((resolve) => {
      if (p.exitCode !== null) return resolve(p.exitCode);
      p.once('exit', (c) => resolve(c));
      p.kill('SIGTERM');
    });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, err);
  }
});
