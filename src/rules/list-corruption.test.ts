import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, draftOfText, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('list-corruption: LIST_POISON1 in ktl_item_release [ktl_list]', () => {
  const f = runRule('list-corruption', lab('list-corruption'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module], ['ktl_item_release', 'ktl_list']);
  assert.match(f[0]!.summary, /already deleted/);
});

// Hand-made, in the ARM 3.x and x86_64 oops layouts: access faults on LIST_POISON addresses without CONFIG_DEBUG_LIST.
test('list-corruption (hand-made): a paging request at LIST_POISON1+4 (32-bit) and a GPF at 0xdead000000000108', () => {
  const arm = runRule('list-corruption', draftOfText('hand-made-arm.console.log', [
    'Unable to handle kernel paging request at virtual address 00100104',
    'pgd = edb18000',
    'Internal error: Oops: 817 [#1] PREEMPT SMP ARM',
    'CPU: 1 PID: 1526 Comm: uart1 Not tainted 3.12.0 #11',
    'PC is at acme_buffer_done+0x58/0xa0',
  ].join('\n') + '\n'));
  assert.equal(arm.length, 1);
  assert.match(arm[0]!.summary, /LIST_POISON1/);
  const x86 = runRule('list-corruption', draftOfText('hand-made-x86.dmesg', [
    '[  10.000001] general protection fault, probably for non-canonical address 0xdead000000000108: 0000 [#1] PREEMPT SMP NOPTI',
    '[  10.000002] CPU: 0 PID: 12 Comm: kworker/0:1 Not tainted 6.6.8 #1',
    '[  10.000003] RIP: 0010:acme_queue_del+0x1b/0x40',
  ].join('\n') + '\n'));
  assert.equal(x86.length, 1);
  // A NULL struct pointer's member at 0x108 is not list poison.
  const nul = runRule('list-corruption', draftOfText('hand-made-null.dmesg', [
    '[  10.000001] BUG: kernel NULL pointer dereference, address: 0000000000000108',
    '[  10.000002] Oops: 0000 [#1] PREEMPT SMP NOPTI',
    '[  10.000003] CPU: 0 PID: 12 Comm: kworker/0:1 Not tainted 6.6.8 #1',
    '[  10.000004] RIP: 0010:acme_queue_del+0x1b/0x40',
  ].join('\n') + '\n'));
  assert.deepEqual(nul, []);
});
