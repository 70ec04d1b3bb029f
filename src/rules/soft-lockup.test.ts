import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('soft-lockup: CPU 1 stuck 44 s in ktl_filter_lookup [ktl_spinrcu]', () => {
  const f = runRule('soft-lockup', lab('softlockup-rcu-module'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module, f[0]!.data.stuckSeconds, f[0]!.data.cpu], ['ktl_filter_lookup', 'ktl_spinrcu', 44, 1]);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [40, 44]);
});

test('soft-lockup: silent on the lab hung-task log', () => {
  assert.deepEqual(runRule('soft-lockup', lab('hung-task')), []);
});
