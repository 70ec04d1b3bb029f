import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('bug-on: kernel BUG at modules/ktl_bug.c:13 in ktl_queue_advance', () => {
  const f = runRule('bug-on', lab('bug-module'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'ktl_queue_advance');
  assert.match(f[0]!.summary, /modules\/ktl_bug\.c:13/);
});

test('bug-on: silent on the lab oops-null-module log', () => {
  assert.deepEqual(runRule('bug-on', lab('oops-null-module')), []);
});
