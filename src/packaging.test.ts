// Packaging (issue 15 item 8): `npm pack` ships the code, README and docs, no tests, test kits or fixtures;
// engines names the Node releases CI runs the suite on (.ci/run: 20, 22, 24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './util/repo.js';

const npm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).status === 0;

test('npm pack ships no tests, test kits or fixtures', { skip: !npm && 'npm is not on PATH' }, () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot(), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/bin.js') && files.includes('README.md') && files.includes('docs/report.schema.json'));
  assert.deepEqual(files.filter((f) => /\.test\.|testkit|fixtures|^test\/|^dist\/test\//.test(f)), []);
});

test('engines says what CI tests: Node 20, 22 and 24', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, '^20.0.0 || ^22.0.0 || ^24.0.0');
  const ci = readFileSync(join(repoRoot(), '.ci', 'run'), 'utf8');
  assert.match(ci, /for major in 22 24; do/);
});
