import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('impossible-call-chain: system_call_fastpath -> __stack_chk_fail in the rootkit fleet bt (hand-made crash session)', () => {
  const f = runRule('impossible-call-chain', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.caller, f[0]!.data.callee], ['system_call_fastpath', '__stack_chk_fail']);
});

test('impossible-call-chain: legitimate entry chains do not fire (RHEL 7 sys_futex, lab entry_SYSCALL_64 -> do_syscall_64)', () => {
  assert.deepEqual(runRule('impossible-call-chain', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt'))), []);
  for (const s of ['bug-module', 'hung-task', 'stack-protector-module', 'softlockup-rcu-module']) {
    assert.deepEqual(runRule('impossible-call-chain', draftOf(fixture('logs', `lab-${s}.console.log`))), [], s);
  }
});

test('impossible-call-chain: lab rootkit `bt`: kthread -> panic (the hidden caller frames are missing)', () => {
  const f = runRule('impossible-call-chain', draftOf(fixture('crash', 'rootkit-hidden-module', 'crash-bt.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.caller, f[0]!.data.callee], ['kthread', 'panic']);
});

test('impossible-call-chain: on the lab rootkit console the unnamed frames are the callers, not a gap', () => {
  assert.deepEqual(runRule('impossible-call-chain', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log'))), []);
});
