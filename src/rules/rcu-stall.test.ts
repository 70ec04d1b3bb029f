import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('rcu-stall: self-detected stall on CPU 1 in ktl_filter_lookup', () => {
  const f = runRule('rcu-stall', lab('softlockup-rcu-module'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.events], ['ktl_filter_lookup', [0]]);
});

import { draftOfText } from './testkit.js';
test('rcu-stall (hand-made, kernel/rcu/tree_stall.h layout): a starved grace-period kthread is the story, not its stack', () => {
  const f = runRule('rcu-stall', draftOfText('hand-made-starved.dmesg', [
    '[  60.000001] rcu: INFO: rcu_sched self-detected stall on CPU',
    '[  60.000002] rcu: 	1-....: (2100 ticks this GP) idle=9a2/1/0x40000002 softirq=1345/1345 fqs=0',
    '[  60.000003] rcu: rcu_sched kthread starved for 2101 jiffies! g3365 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=0',
  ].join('\n') + '\n'));
  assert.equal(f.length, 1);
  assert.match(f[0]!.summary, /^RCU grace-period kthread rcu_sched starved for 2101 jiffies \(on CPU 0\)/);
});
