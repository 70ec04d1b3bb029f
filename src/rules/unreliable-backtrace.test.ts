import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('unreliable-backtrace: the rootkit fleet bt with an impossible chain', () => {
  const f = runRule('unreliable-backtrace', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'high');
  assert.deepEqual(f[0]!.data.reasons, ['impossible call chain']);
});

test('unreliable-backtrace: CentOS 6 soft lockup trace made only of "?" frames (hand-made messages)', () => {
  const f = runRule('unreliable-backtrace', draftOf(fixture('investigations', 'centos6-dirpro-softlockup.messages')));
  assert.ok(f.some((x) => (x.data.reasons as string[]).some((r) => /only 0 of 3 frames are reliable/.test(r))));
});

test('unreliable-backtrace: lab rootkit console stack with bare addresses', () => {
  const f = runRule('unreliable-backtrace', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.match((f[0]!.data.reasons as string[])[0]!, /^3 frames with no symbol$/);
});

test('unreliable-backtrace: ORC stacks of the lab module crashes are trusted', () => {
  for (const s of ['bug-module', 'list-corruption', 'oops-null-module', 'hung-task']) {
    assert.deepEqual(runRule('unreliable-backtrace', draftOf(fixture('logs', `lab-${s}.console.log`))), [], s);
  }
});
