// Hand-made in the x86_64 NMI watchdog layout (kernel/watchdog.c, arch/x86 NMI backtrace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOfText, runRule } from './testkit.js';

test('hard-lockup (hand-made): names the function the CPU was stuck in, not the watchdog', () => {
  const f = runRule('hard-lockup', draftOfText('hand-made-hardlockup.dmesg', [
    '[ 1000.000001] watchdog: Watchdog detected hard LOCKUP on cpu 1',
    '[ 1000.000002] CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.0 #1',
    '[ 1000.000003] RIP: 0010:qi_submit_sync+0x2b4/0x6a0',
    '[ 1000.000004] Call Trace:',
    '[ 1000.000005]  <NMI>',
    '[ 1000.000006]  watchdog_overflow_callback+0x66/0x80',
    '[ 1000.000007]  __perf_event_overflow+0x52/0xf0',
    '[ 1000.000008]  </NMI>',
    '[ 1000.000009]  <TASK>',
    '[ 1000.000010]  qi_flush_iotlb+0x70/0xa0',
    '[ 1000.000011]  </TASK>',
  ].join('\n') + '\n'));
  assert.equal(f.length, 1);
  assert.match(f[0]!.summary, /^Hard lockup: CPU 1 stuck with interrupts disabled in qi_submit_sync/);
  assert.doesNotMatch(f[0]!.summary, /watchdog_overflow_callback/);
});
