import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('sysrq-crash: the operator-triggered crash', () => {
  const f = runRule('sysrq-crash', lab('sysrq-c'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'info');
  assert.equal(f[0]!.data.function, 'sysrq_handle_crash');
});

import { draftOfText } from './testkit.js';
test('sysrq-crash (hand-made, x86_64 layout): who triggered it, from the frames', () => {
  const text = (frames: string[]) => [
    '[  30.000001] sysrq: Trigger a crash',
    '[  30.000002] Kernel panic - not syncing: sysrq triggered crash',
    '[  30.000003] CPU: 0 PID: 777 Comm: bash Not tainted 6.1.0 #1',
    '[  30.000004] Call Trace:',
    ...frames.map((f, i) => `[  30.00001${i}]  ${f}`),
  ].join('\n') + '\n';
  const w = runRule('sysrq-crash', draftOfText('hand-made-sysrq-w.dmesg', text(['panic+0x118/0x2f4', 'sysrq_handle_crash+0x16/0x20', '__handle_sysrq.cold+0x43/0x11b', 'write_sysrq_trigger+0x24/0x40', 'proc_reg_write+0x51/0x90'])));
  assert.match(w[0]!.summary, /by task bash:777 writing "c" to \/proc\/sysrq-trigger/);
  const k = runRule('sysrq-crash', draftOfText('hand-made-sysrq-k.dmesg', text(['sysrq_handle_crash+0x16/0x20', '__handle_sysrq+0x9f/0x170', 'sysrq_filter+0x1a5/0x3e0', 'input_to_handler+0x65/0x100'])));
  assert.match(k[0]!.summary, /from the keyboard/);
});
