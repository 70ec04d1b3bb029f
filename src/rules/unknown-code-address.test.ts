import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, draftOfText, fixture, runRule } from './testkit.js';

test('unknown-code-address: bare frames of the lab rootkit console', () => {
  const f = runRule('unknown-code-address', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.addresses, ['ffffffffc04f2116', 'ffffffffc04f2300']);
  assert.equal(f[0]!.severity, 'high');
});

test('unknown-code-address: the rootkit fleet panic address (sym: symbol not found) and the hooked table targets', () => {
  const f = runRule('unknown-code-address', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual([...(f[0]!.data.addresses as string[])].sort(), ['ffffffffa0298000', 'ffffffffa0298140', 'ffffffffa02987eb']);
  assert.ok((f[0]!.data.foundBy as string[]).includes('sym'));
});

test('unknown-code-address: nothing when every address has a symbol', () => {
  assert.deepEqual(runRule('unknown-code-address', draftOf(fixture('logs', 'lab-oops-null-module.console.log'))), []);
  assert.deepEqual(runRule('unknown-code-address', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt'))), []);
});

// Hand-made below: OpenWrt MIPS kernels print module code without kallsyms; x86_64 module init runs at once.
test('unknown-code-address (hand-made): a 32-bit bare frame and a module address without a symbol in a WARNING header', () => {
  const bare = runRule('unknown-code-address', draftOfText('hand-made-mips.dmesg', [
    '[  131.370900] BUG: sleeping function called from invalid context at mm/slab.h:419',
    '[  131.370910] CPU: 0 PID: 7660 Comm: iptables Not tainted 4.14.171 #0',
    '[  131.370920] Call Trace:',
    '[  131.370930] [<80118a88>] kmem_cache_alloc+0x44/0x1cc',
    '[  131.370982] [<8e83a6dc>] 0x8e83a6dc',
  ].join('\n') + '\n'));
  assert.equal(bare.length, 1);
  assert.deepEqual(bare[0]!.data.addresses, ['8e83a6dc']);
  const owned = runRule('unknown-code-address', draftOfText('hand-made-owrt.dmesg',
    '[11134.342200] WARNING: CPU: 1 PID: 1096 at mt7603/mac.c:208 0x860546a4 [mt7603e@8ad96439+0x96c0]\n[11134.342300] Modules linked in: mt7603e mt76\n'));
  assert.equal(owned.length, 1);
  assert.deepEqual(owned[0]!.data.modules, ['mt7603e']);
  assert.equal(owned[0]!.severity, 'low');
});

test('unknown-code-address (hand-made): not for the init code of a module being loaded', () => {
  const f = runRule('unknown-code-address', draftOfText('hand-made-init.dmesg', [
    '[  420.000001] BUG: kernel NULL pointer dereference, address: 0000000000000000',
    '[  420.000002] Oops: 0002 [#1] SMP PTI',
    '[  420.000003] CPU: 7 PID: 4959 Comm: insmod Tainted: G           OE     5.13.0-52-generic #59-Ubuntu',
    '[  420.000004] RIP: 0010:try_init+0x15/0x30 [oopsy]',
    '[  420.000005] Call Trace:',
    '[  420.000006]  0xffffffffc0a2b017',
    '[  420.000007]  do_one_initcall+0x48/0x1e0',
    '[  420.000008]  do_init_module+0x52/0x260',
  ].join('\n') + '\n'));
  assert.deepEqual(f, []);
});
