// Smoke run of every fuzz target (issue 5): a few hundred mutated inputs each with a fixed seed, so CI
// stays fast and deterministic. Long runs are made by hand (`npm run fuzz -- TARGET --runs N`) and
// recorded in docs/reliability.md. Without ../shared the targets fall back to their hand-made seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from '../../scripts/fuzz-targets.js';
import { fuzzTarget, isClearError } from '../../scripts/fuzz.js';

const RUNS = 300;

for (const target of TARGETS) {
  test(`fuzz smoke: ${target.name} (${RUNS} mutated inputs, seed 42)`, () => {
    const r = fuzzTarget(target, { runs: RUNS, seed: 42, maxMs: 2000, cov: 0 });
    assert.equal(r.failed, false, `${target.name} failed: ${r.error}`);
    assert.ok(r.runs >= RUNS, `${target.name}: only ${r.runs} runs`);
    assert.ok(r.seeds > 0, `${target.name}: no seeds`);
  });
}

test('the harness tells a clear refusal from a bug', () => {
  assert.equal(isClearError(new Error('kdump header truncated')), true);
  class LzoError extends Error {}
  assert.equal(isClearError(new LzoError('lzo: input overrun')), true);
  assert.equal(isClearError(new TypeError('Cannot mix BigInt and other types')), false);
  assert.equal(isClearError(new RangeError('offset out of range')), false);
  assert.equal(isClearError(new Error('two\nlines')), false);
  assert.equal(isClearError('a string'), false);
});

test('a target that breaks its property is reported with the input', () => {
  const broken = { name: 'broken', what: 'test', seeds: () => [Buffer.from('abc')], run: (b: Buffer) => { if (b.length !== 3) throw new TypeError('bug'); } };
  const r = fuzzTarget(broken, { runs: 200, seed: 1, maxMs: 2000, cov: 0 });
  assert.equal(r.failed, true);
  assert.ok(r.counterexample && r.counterexample.length !== 3);
  assert.match(r.error!, /TypeError: bug/);
});

test('coverage sampling keeps inputs that reach new blocks', () => {
  const t = TARGETS.find((x) => x.name === 'vmcoreinfo')!;
  const r = fuzzTarget(t, { runs: 200, seed: 3, maxMs: 2000, cov: 5 });
  assert.equal(r.failed, false, r.error ?? '');
  assert.ok(r.kept > 0, 'no input was kept for new coverage');
});
