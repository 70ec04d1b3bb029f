import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('rcu-stall: self-detected stall on CPU 1 in ktl_filter_lookup', () => {
  const f = runRule('rcu-stall', lab('softlockup-rcu-module'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.events], ['ktl_filter_lookup', [0]]);
});
