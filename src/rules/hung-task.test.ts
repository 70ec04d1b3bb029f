import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('hung-task: devio blocks in mutex_lock called from ktl_dev_io [ktl_hang] (lab)', () => {
  const f = runRule('hung-task', draftOf(fixture('logs', 'lab-hung-task.console.log')));
  assert.equal(f.length, 1);
  const d = f[0]!.data;
  assert.deepEqual([d.primitive, d.function, d.module, d.blockedSeconds], ['mutex_lock', 'ktl_dev_io', 'ktl_hang', 10]);
  assert.deepEqual(d.task, { pid: 112, comm: 'devio' });
  assert.equal(f[0]!.severity, 'high');
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [6, 15, 16]);
});

test('hung-task: ruleupdate in synchronize_rcu called from ktl_filter_update (lab soft lockup scenario)', () => {
  const f = runRule('hung-task', draftOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.primitive, f[0]!.data.function], ['synchronize_rcu', 'ktl_filter_update']);
});

test('hung-task: none in a log without hung tasks', () => {
  assert.deepEqual(runRule('hung-task', draftOf(fixture('logs', 'lab-bug-module.console.log'))), []);
});
