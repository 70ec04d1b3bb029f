import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('sysrq-crash: the operator-triggered crash', () => {
  const f = runRule('sysrq-crash', lab('sysrq-c'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'info');
  assert.equal(f[0]!.data.function, 'sysrq_handle_crash');
});
