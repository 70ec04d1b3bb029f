import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_SHARED, draftOf, draftOfCorpus, draftOfText, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('use-after-free: silent on the lab list-corruption log', () => {
  assert.deepEqual(runRule('use-after-free', lab('list-corruption')), []);
});

test('use-after-free: syzkaller corpus 130 (KASAN use-after-free Read in aead_recvmsg)', { skip: SKIP_SHARED }, () => {
  const f = runRule('use-after-free', draftOfCorpus('130')!);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'aead_recvmsg');
});

test('use-after-free (hand-made, x86_64 layout): a GPF with the slab free poison in a register', () => {
  const f = runRule('use-after-free', draftOfText('hand-made-poison.dmesg', [
    '[   47.813570] general protection fault, probably for non-canonical address 0x6b6b6b6b6b6b6b73: 0000 [#1] SMP PTI',
    '[   47.813575] CPU: 1 PID: 2819 Comm: modprobe Not tainted 6.1.0 #1',
    '[   47.813580] RIP: 0010:kernfs_find_ns+0x1f/0xc0',
    '[   47.813586] RDX: 0000000000000000 RSI: ffffffffc04edaa4 RDI: 6b6b6b6b6b6b6b6b',
  ].join('\n') + '\n'));
  assert.equal(f.length, 1);
  assert.match(f[0]!.summary, /RDI holds the slab free poison/);
});
