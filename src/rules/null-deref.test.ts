import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('null-deref: offset 0x8 in ktl_null_process [ktl_null]', () => {
  const f = runRule('null-deref', lab('oops-null-module'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'ktl_null_process');
  assert.match(f[0]!.summary, /offset 0x8 /);
});

test('null-deref: silent on the lab bug-module log', () => {
  assert.deepEqual(runRule('null-deref', lab('bug-module')), []);
});
