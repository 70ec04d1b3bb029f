// Builds the project with tsc (and bundles the CLI, scripts/bundle.mjs, as `npm run build` does), then runs every compiled *.test.js under dist/ with Node's test runner.
// Usage: node scripts/run-tests.mjs [path-substring ...]  (substrings filter the test files)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
// tsc emits even when it reports errors, so the tests still run; the run fails at the end.
const typeErrors = tsc.status !== 0;
const bundle = spawnSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
const bundleFailed = bundle.status !== 0;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
}
if (existsSync('dist')) walk('dist');
const filters = process.argv.slice(2);
const chosen = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (chosen.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
// Tests decode kallsyms themselves: the user's symbol cache is neither read nor written (symcache.test.ts
// tests the cache in its own directory).
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...chosen], { stdio: 'inherit', env: { KTRIAGE_NO_CACHE: '1', ...process.env } });
if (typeErrors) console.error('run-tests: the type check failed (see above)');
if (bundleFailed) console.error('run-tests: bundling the CLI failed (see above)');
process.exit(typeErrors || bundleFailed ? 1 : (r.status ?? 1));
