import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('third-party-module: ktl_spinrcu (OE) on the stack of the lab soft lockup, with its Modules linked in line', () => {
  const f = runRule('third-party-module', draftOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'high');
  assert.deepEqual([f[0]!.data.module, f[0]!.data.flags, f[0]!.data.onStack], ['ktl_spinrcu', 'OE', true]);
  assert.deepEqual(f[0]!.events, [0, 1, 2]);
  // Line 41 of the fixture: `Modules linked in: ktl_spinrcu(OE) qemu_fw_cfg ...`
  const mods = f[0]!.evidence.find((e) => e.text.startsWith('Modules linked in:'));
  assert.equal(mods?.line, 41);
  assert.ok(mods!.source.endsWith('lab-softlockup-rcu-module.console.log'));
});

test('third-party-module: a loaded module not on any stack is low severity (lab rootkit console)', () => {
  const f = runRule('third-party-module', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.module, f[0]!.data.onStack, f[0]!.severity], ['ktl_rk', false, 'low']);
});

test('third-party-module: nothing for the untainted sysrq crash', () => {
  assert.deepEqual(runRule('third-party-module', draftOf(fixture('logs', 'lab-sysrq-c.console.log'))), []);
});

// Hand-made reports below, in the kernel's exact x86_64 oops layout (lib/dump_stack.c, arch/x86/kernel/dumpstack.c):
// excerpts that stop before `Modules linked in:`, as pasted in bug trackers.
import { analyze } from '../analyze.js';
import type { Draft } from '../analysis/evidence.js';

function draftOfText(name: string, text: string): Draft {
  const { diagnosis: _d, ...draft } = analyze([{ name, data: text }]);
  void _d;
  return draft;
}

const OOPS = (taint: string, rip: string, frames: string[]) => [
  '[  101.000001] BUG: kernel NULL pointer dereference, address: 0000000000000008',
  '[  101.000002] #PF: supervisor read access in kernel mode',
  '[  101.000003] #PF: error_code(0x0000) - not-present page',
  '[  101.000004] PGD 0 P4D 0 ',
  '[  101.000005] Oops: 0000 [#1] PREEMPT SMP NOPTI',
  `[  101.000006] CPU: 2 PID: 812 Comm: worker Tainted: ${taint} 6.8.0-31-generic #31-Ubuntu`,
  `[  101.000007] RIP: 0010:${rip}`,
  '[  101.000008] Call Trace:',
  '[  101.000009]  <TASK>',
  ...frames.map((f, i) => `[  101.00001${i}]  ${f}`),
  '[  101.000030]  </TASK>',
].join('\n') + '\n';

test('third-party-module (hand-made): taint O E and the RIP\'s [module] tag, no module list: the innermost module and its name family', () => {
  const d = draftOfText('hand-made-oe.dmesg', OOPS('G           OE', 'acme_rx_poll+0x1b/0xe0 [acme_core]', [
    'acme_rx_poll+0x1b/0xe0 [acme_core]', 'acme_usb_complete+0x40/0x90 [acme_usb]', '__usb_hcd_giveback_urb+0x9c/0x120', 'usb_giveback_urb_bh+0xbc/0x150',
  ]));
  const f = runRule('third-party-module', d);
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.modules, ['acme_core', 'acme_usb']);
  assert.equal(f[0]!.data.module, 'acme_core');
  assert.equal(f[0]!.severity, 'medium');
  assert.equal(f[0]!.data.onStack, true);
  assert.ok(f[0]!.evidence.some((e) => e.text.startsWith('RIP: 0010:acme_rx_poll')));
});

test('third-party-module (hand-made): an in-tree module on the stack of a kernel tainted by another module is not a suspect', () => {
  const d = draftOfText('hand-made-kvm.dmesg', OOPS('P           O', 'kvm_mmu_page_fault+0x1b/0xe0 [kvm]', [
    'kvm_mmu_page_fault+0x1b/0xe0 [kvm]', 'vmx_handle_exit+0x40/0x90 [kvm_intel]', 'vcpu_run+0x9c/0x120 [kvm]',
  ]));
  assert.deepEqual(runRule('third-party-module', d), []);
});

test('third-party-module (hand-made): a known out-of-tree family is one suspect; loaded relatives join it, others are low context', () => {
  const text = OOPS('P           OE', 'arc_read+0x1b/0xe0 [zfs]', ['cv_wait_common+0x40/0x90 [spl]', 'arc_read+0x1b/0xe0 [zfs]', 'dbuf_read+0x9c/0x120 [zfs]'])
    .replace('[  101.000030]  </TASK>\n', '[  101.000030]  </TASK>\n[  101.000031] Modules linked in: zfs(PO) zunicode(PO) spl(O) vboxdrv(OE) ext4 mbcache jbd2 r8723bs(C)\n');
  const f = runRule('third-party-module', draftOfText('hand-made-zfs.dmesg', text));
  assert.equal(f.length, 2);
  const high = f.find((x) => x.data.onStack === true)!;
  assert.equal(high.severity, 'high');
  assert.deepEqual(high.data.modules, ['zfs', 'spl', 'zunicode']);
  assert.deepEqual(high.data.vendors, ['OpenZFS']);
  const low = f.find((x) => x.data.onStack === false)!;
  assert.equal(low.severity, 'low');
  // r8723bs(C): a staging driver is in-tree code.
  assert.deepEqual(low.data.modules, ['vboxdrv']);
  assert.match(low.summary, /not on a crash stack/);
  assert.doesNotMatch(low.summary, /first suspect/);
});

test('third-party-module (hand-made): a known out-of-tree module tagged on a KFENCE stack block with no CPU line', () => {
  const text = [
    '[215551.647409] ==================================================================',
    '[215551.656059] BUG: KFENCE: use-after-free write in down_write+0x15/0x40',
    '',
    '[215551.666004] Use-after-free write at 0xffff98f6bbedcfd8 (in kfence-#12):',
    '[215551.674368]  down_write+0x15/0x40',
    '[215551.678638]  gdrdrv_free_callback+0x20/0xc0 [gdrdrv]',
    '[215551.685793]  nv_p2p_free_callback+0x12/0x30 [nvidia]',
  ].join('\n') + '\n';
  const f = runRule('third-party-module', draftOfText('hand-made-kfence.dmesg', text));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.modules, ['gdrdrv', 'nvidia']);
});

test('third-party-module (hand-made): tainted O E, complete module list without flags, RIP a bare address: the last unloaded module', () => {
  const text = [
    '[  500.000001] watchdog: BUG: soft lockup - CPU#11 stuck for 22s! [agent:4663]',
    '[  500.000002] Modules linked in: xfs libcrc32c sd_mod ahci libahci dm_mod [last unloaded: acme_hook]',
    '[  500.000003] CPU: 11 PID: 4663 Comm: agent Kdump: loaded Tainted: P           OEL   --------- -  - 4.18.0-147.el8.x86_64 #1',
    '[  500.000004] RIP: 0010:0xffffffffc08d2f3c',
    '[  500.000005] Code: Bad RIP value.',
  ].join('\n') + '\n';
  const f = runRule('third-party-module', draftOfText('hand-made-unloaded.dmesg', text));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.module, f[0]!.data.onStack], ['acme_hook', true]);
  assert.match(f[0]!.summary, /unloaded last/);
});
