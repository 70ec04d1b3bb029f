import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('lockup-blocks-rcu: lab soft lockup on CPU 1 holds off RCU: the stall is the same spin, ruleupdate waits in synchronize_rcu', () => {
  const f = runRule('lockup-blocks-rcu', draftOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.locker, 1);
  assert.deepEqual(f[0]!.data.stalls, [0]);
  assert.deepEqual(f[0]!.data.waiters, [{ event: 2, waitsIn: 'synchronize_rcu' }]);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [40, 6, 73, 85]);
});

test('lockup-blocks-rcu: CentOS 6 dirpro soft lockup blocks crond in synchronize_sched (hand-made messages)', () => {
  const f = runRule('lockup-blocks-rcu', draftOf(fixture('investigations', 'centos6-dirpro-softlockup.messages')));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.waiters, [{ event: 1, waitsIn: 'synchronize_sched' }]);
});

test('lockup-blocks-rcu: a hung task with no lockup is not linked (lab hung-task)', () => {
  assert.deepEqual(runRule('lockup-blocks-rcu', draftOf(fixture('logs', 'lab-hung-task.console.log'))), []);
});
