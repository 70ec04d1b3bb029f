import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, draftOfText, fixture, runRule } from './testkit.js';

test('unreliable-backtrace: the rootkit fleet bt with an impossible chain', () => {
  const f = runRule('unreliable-backtrace', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'high');
  assert.deepEqual(f[0]!.data.reasons, ['impossible call chain']);
});

test('unreliable-backtrace: "?" frames of a 2.6.32 kernel (no reliable unwinder) are routine, no finding (hand-made messages)', () => {
  const f = runRule('unreliable-backtrace', draftOf(fixture('investigations', 'centos6-dirpro-softlockup.messages')));
  assert.deepEqual(f, []);
});

// Hand-made, in the x86_64 oops layout: only "?" frames on a 6.x kernel (ORC) mean the unwinder failed.
const ALL_GUESSED = [
  '[   50.000001] BUG: kernel NULL pointer dereference, address: 0000000000000010',
  '[   50.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI',
  '[   50.000003] CPU: 1 PID: 77 Comm: kworker/1:1 Not tainted 6.6.8-200.fc39.x86_64 #1',
  '[   50.000004] RIP: 0010:blk_mq_run_hw_queue+0x1b/0xe0',
  '[   50.000005] RSP: 0018:ffffb1e0c0447d88 EFLAGS: 00010246',
  '[   50.000006] Call Trace:',
  '[   50.000007]  <TASK>',
  '[   50.000008]  ? __die+0x23/0x70',
  '[   50.000009]  ? page_fault_oops+0x171/0x4e0',
  '[   50.000010]  ? exc_page_fault+0x7f/0x180',
  '[   50.000011]  </TASK>',
].join('\n') + '\n';

test('unreliable-backtrace (hand-made): only "?" frames on an ORC kernel, one finding', () => {
  const f = runRule('unreliable-backtrace', draftOfText('hand-made-orc.dmesg', ALL_GUESSED));
  assert.equal(f.length, 1);
  assert.match((f[0]!.data.reasons as string[])[0]!, /only 0 of 3 frames are reliable/);
});

test('unreliable-backtrace (hand-made): a double fault whose stack pointer is not a kernel address', () => {
  const text = [
    'traps: PANIC: double fault, error_code: 0x0',
    'Oops: double fault: 0000 [#1] SMP NOPTI',
    'CPU: 4 PID: 124 Comm: kswapd0 Not tainted 6.8.0-31-generic #31-Ubuntu',
    'RIP: 0010:shrink_folio_list+0x1fd/0x560',
    'RSP: 0018:00000000beef894c EFLAGS: 00010207',
    'Kernel panic - not syncing: Fatal exception in interrupt',
  ].join('\n') + '\n';
  const f = runRule('unreliable-backtrace', draftOfText('hand-made-df.dmesg', text));
  assert.equal(f.length, 1);
  assert.match((f[0]!.data.reasons as string[])[0]!, /stack pointer is not a kernel address/);
  assert.equal(f[0]!.evidence[0]!.text, 'RSP: 0018:00000000beef894c EFLAGS: 00010207');
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
