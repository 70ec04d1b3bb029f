// Hand-made in the kernel's layout (init/do_mounts.c prints these lines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOfText, runRule } from './testkit.js';

test('root-fs-missing (hand-made): unknown-block(0,0) is no device; a real major:minor is no filesystem driver', () => {
  const none = runRule('root-fs-missing', draftOfText('hand-made-vfs.console.log',
    'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\nCPU: 0 PID: 1 Comm: swapper/0 Not tainted 5.14.10 #1\n'));
  assert.equal(none.length, 1);
  assert.match(none[0]!.summary, /no block device matched the root= device \(unknown-block\(0,0\)\)/);
  const fs = runRule('root-fs-missing', draftOfText('hand-made-vfs2.console.log', [
    'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(8,3)',
    'VFS: Cannot open root device "sda3" or unknown-block(8,3): error -19',
  ].join('\n') + '\n'));
  assert.match(fs[0]!.summary, /root=sda3 is block device 8:3, but no filesystem driver could mount it/);
});
