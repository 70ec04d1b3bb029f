// Culprit classes on hand-made reports in the kernel's exact layouts (x86_64 oops/WARNING/KASAN/UBSAN,
// i686 `EIP is at`, hung task, lockdep held-lock lines). Each test names the class it covers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../analyze.js';
import { pickCulprit } from './frames.js';

const T = (n: number) => `[  ${String(200 + n).padStart(4)}.000${String(n).padStart(3, '0')}]`;
function log(lines: string[]): string {
  return lines.map((l, i) => `${T(i)} ${l}`).join('\n') + '\n';
}
function root(lines: string[]) {
  const r = analyze([{ name: 'hand-made.dmesg', data: log(lines) }]);
  return { fn: r.diagnosis.rootCause?.function ?? null, mod: r.diagnosis.rootCause?.module ?? null, r };
}
const CPU = (taint = 'Not tainted') => `CPU: 3 PID: 4242 Comm: worker ${taint === 'Not tainted' ? 'Not tainted' : `Tainted: ${taint}`} 6.8.0-31-generic #31-Ubuntu`;

test('culprit (hand-made): sleeping in atomic context skips __might_sleep, __might_resched and the allocator', () => {
  const { fn } = root([
    'BUG: sleeping function called from invalid context at include/linux/sched/mm.h:306',
    'in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 4242, name: worker',
    CPU(), 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x48/0x70', ' __might_resched+0x180/0x1d0', ' __might_sleep+0x42/0x70',
    ' kmem_cache_alloc+0x2ce/0x330', ' nvme_queue_rq_prep+0x6a/0x140', ' blk_mq_dispatch_rq_list+0x120/0x7a0', ' </TASK>',
  ]);
  assert.equal(fn, 'nvme_queue_rq_prep');
});

test('culprit (hand-made): UBSAN handlers, return thunks and dump_backtrace are machinery; a third-party frame outranks core ones', () => {
  const { fn, mod } = root([
    '================================================================================',
    'UBSAN: array-index-out-of-bounds in drivers/acme/acme_rx.c:120:9',
    'index 4 is out of range for type \'u8 [4]\'',
    CPU('G           OE'), 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x48/0x70', ' dump_backtrace+0x10/0x20',
    ' __ubsan_handle_out_of_bounds+0xc6/0x110', ' srso_alias_return_thunk+0x5/0xfbef5', ' memcpy_orig+0x10/0x120',
    ' acme_rx_parse+0x1a0/0x220 [acme]', ' netif_receive_skb+0x20/0x30', ' </TASK>',
  ]);
  assert.deepEqual([fn, mod], ['acme_rx_parse', 'acme']);
});

test('culprit (hand-made): a KASAN report in memcpy names memcpy\'s caller', () => {
  const { fn } = root([
    '==================================================================',
    'BUG: KASAN: slab-out-of-bounds in memcpy+0x2f/0x60',
    'Read of size 64 at addr ffff888102a3c7c0 by task worker/4242',
    CPU(), 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x48/0x70', ' print_report+0xcf/0x630', ' kasan_report+0xc1/0x100',
    ' kasan_check_range+0x10c/0x1c0', ' memcpy+0x2f/0x60', ' ext4_fill_dirent+0x84/0x1d0', ' iterate_dir+0x1b4/0x2a0', ' </TASK>',
  ]);
  assert.equal(fn, 'ext4_fill_dirent');
});

test('culprit (hand-made): a hung task in ZFS waits past the SPL cv_wait machinery', () => {
  const { fn, mod } = root([
    'INFO: task txg_sync:1234 blocked for more than 120 seconds.',
    '      Tainted: P           O      5.15.0-91-generic #101-Ubuntu',
    '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    'task:txg_sync        state:D stack:    0 pid: 1234 ppid:     2 flags:0x00004000',
    'Call Trace:', ' <TASK>', ' __schedule+0x24e/0x590', ' schedule+0x69/0x110', ' io_schedule+0x46/0x80',
    ' cv_wait_common+0xae/0x130 [spl]', ' __cv_wait_io+0x18/0x20 [spl]', ' zio_wait+0x133/0x2c0 [zfs]',
    ' dsl_pool_sync+0xcc/0x4f0 [zfs]', ' spa_sync+0x562/0xff0 [zfs]', ' </TASK>',
  ]);
  assert.deepEqual([fn, mod], ['zio_wait', 'zfs']);
});

test('culprit (hand-made): i686 `EIP is at` names a RIP printed only as an address; a fault in entry code is that code', () => {
  const old = root([
    'BUG: unable to handle kernel paging request at ffffb4ff',
    'IP: [<c11e4690>] ext4_get_acl+0x80/0x2b0', '*pde = 00000000 ', 'Oops: 0000 [#1] SMP ',
    'Pid: 1798, comm: gnome-session Not tainted 3.0.0-12-generic #20-Ubuntu',
    'EIP: 0060:[<c11e4690>] EFLAGS: 00010286 CPU: 0', 'EIP is at ext4_get_acl+0x80/0x2b0',
    'Call Trace:', ' [<c11e5d55>] ext4_check_acl+0x25/0x90', ' [<c1141a63>] generic_permission+0x83/0xa0',
  ]);
  assert.equal(old.fn, 'ext4_get_acl');
  const entry = root([
    'general protection fault: 0000 [#10] PREEMPT SMP', 'CPU: 2 PID: 235 Comm: fru-device Tainted: G      D W          6.1.15 #1',
    'EIP: entry_SYSENTER_32+0xe0/0xf1', 'Code: 0f 35 fb', 'EAX: 00000000 EBX: 00000004 ECX: bfb7a6c0 EDX: 00000001',
  ]);
  assert.equal(entry.fn, 'entry_SYSENTER_32');
});

test('culprit (hand-made): the caller is a bare module address (no module kallsyms): no function', () => {
  const { fn } = root([
    'BUG: sleeping function called from invalid context at mm/slab.h:419',
    'in_atomic(): 1, irqs_disabled(): 0, pid: 7660, name: iptables',
    'CPU: 0 PID: 7660 Comm: iptables Not tainted 4.14.171 #0', 'Stack : 8fc0dd58 8fc0dd58 00000000 00000000',
    'Call Trace:', '[<8000c6d4>] show_stack+0x58/0x100', '[<80485bcc>] dump_stack+0x9c/0xe0',
    '[<80053bd4>] ___might_sleep+0xfc/0x11c', '[<80118a88>] kmem_cache_alloc+0x44/0x1cc', '[<8e83a6dc>] 0x8e83a6dc',
  ]);
  assert.equal(fn, null);
});

test('culprit (hand-made): a stackless sleeping-in-atomic report names the function that took the innermost held lock', () => {
  const { fn, mod } = root([
    'BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580',
    'in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 889, name: rina-echo',
    '2 locks held by rina-echo/889:',
    ' #0: ffff9d1c3b2943a0 (&sb->s_type->i_mutex_key#12){++++}-{4:4}, at: do_truncate+0x64/0xcc',
    ' #1: ffff9d1c3b294300 (&p->lock){+.+.}-{3:3}, at: acme_sdu_write+0x24/0xd0 [acme_ipcp]',
  ]);
  assert.deepEqual([fn, mod], ['acme_sdu_write', 'acme_ipcp']);
});

test('culprit (hand-made): none for a missing root filesystem, and none from a starved RCU kthread\'s own stack', () => {
  const vfs = root([
    'VFS: Cannot open root device "vda3" or unknown-block(0,0): error -6',
    'Please append a correct "root=" boot option; here are the available partitions:',
    'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 5.14.10-300.fc35.x86_64 #1', 'Call Trace:', ' dump_stack_lvl+0x46/0x5a',
    ' panic+0xf4/0x2c5', ' mount_block_root+0x1d8/0x1ea', ' prepare_namespace+0x13b/0x16a', ' kernel_init_freeable+0x236/0x24b',
  ]);
  assert.equal(vfs.fn, null);
  assert.equal(vfs.r.diagnosis.rootCause?.kind, 'panic');
  const starved = root([
    'rcu: INFO: rcu_sched self-detected stall on CPU',
    'rcu: 	1-....: (2100 ticks this GP) idle=9a2/1/0x40000002 softirq=1345/1345 fqs=0',
    '	(t=2100 jiffies g=3365 q=11)',
    'rcu: rcu_sched kthread starved for 2101 jiffies! g3365 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=0',
    'rcu: RCU grace-period kthread stack dump:',
    'task:rcu_sched       state:I stack:    0 pid:   10 ppid:     2 flags:0x00000000',
    'Call Trace:', ' __schedule+0x2a5/0x650', ' schedule+0x40/0xb0', ' schedule_timeout+0x8c/0x160', ' rcu_gp_fqs_loop+0x10b/0x380', ' rcu_gp_kthread+0xa6/0x140', ' kthread+0x11b/0x140',
  ]);
  assert.equal(starved.fn, null);
});

test('culprit (hand-made): frame lines the reader did not take as a trace (under a pasted heading, elided with ...)', () => {
  const text = [
    '                  [ 5300.229390] watchdog: BUG: soft lockup - CPU#2 stuck for 23s! [kworker/2:1:25629]',
    '                  [ 5300.237965] Kernel panic - not syncing: softlockup: hung tasks',
    '                  [ 5300.244482] CPU: 2 PID: 25629 Comm: kworker/2:1 Tainted: G             L 5.10.0-18-amd64 #1 Debian 5.10.140-1',
    '',
    '#### Console Call Trace:',
    '                  [ 5300.273855]  dump_stack+0x6b/0x83',
    '                  [ 5300.277555]  panic+0x101/0x2d7',
    '                  [ 5300.280964]  watchdog_timer_fn.cold+0xc/0x16',
    '                  ...',
    '                  [ 5300.413719]  acme_poll_wait+0xf/0x20',
    '                  ...',
    '                  [ 5300.422285]  worker_thread+0x53/0x3e0',
  ].join('\n') + '\n';
  const r = analyze([{ name: 'hand-made-elided.dmesg', data: text }]);
  assert.equal(r.diagnosis.rootCause?.function, 'acme_poll_wait');
});

test('culprit (hand-made, Lustre and SPL assertion layouts): the function an assertion line of the report names', () => {
  const r = analyze([{ name: 'hand-made-lbug.dmesg', data: log([
    'Kernel panic - not syncing: LBUG',
    'CPU: 36 PID: 1246375 Comm: su Kdump: loaded Tainted: G           OE     -------  ---  5.14.0-503.el9_5.x86_64 #1',
    'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x34/0x48', ' panic+0x107/0x2bb', ' </TASK>',
  ]) }]);
  const ev = r.events[0]!;
  assert.equal(pickCulprit(ev, new Set()), null);
  const lustre = { ...ev, lines: ['LustreError: 1246375:0:(dcache.c:136:ll_ddelete()) ASSERTION( d_count(de) == 1 ) failed: ', ...ev.lines] };
  assert.equal(pickCulprit(lustre, new Set())?.function, 'll_ddelete');
  const spl = { ...ev, lines: ['PANIC at dmu.c:1123:dmu_write()', ...ev.lines] };
  assert.equal(pickCulprit(spl, new Set())?.function, 'dmu_write');
});

test('culprit (hand-made, shape of a stackless KASAN paste): the access site the header names, with its module, as the faulting code', () => {
  const { fn, mod, r } = root([
    '==================================================================',
    'BUG: KASAN: slab-out-of-bounds in mlx5e_sq_xmit_wqe+0x1c4/0x2a0 [mlx5_core]',
    'Read of size 4 at addr ffff8881d4332414 by task swapper/6/0',
    '',
    'The buggy address belongs to the object at ffff8881d4331f50',
    '==================================================================',
  ]);
  assert.deepEqual([fn, mod], ['mlx5e_sq_xmit_wqe', 'mlx5_core']);
  assert.equal(r.diagnosis.culprit?.reason, 'the faulting instruction (RIP) is in this function');
  assert.equal(r.diagnosis.culprit?.thirdParty, false);
  // A site in a string function names no culprit by itself (the caller would, on a stack).
  const m = root([
    'BUG: KASAN: slab-out-of-bounds in memcpy+0x24/0x60',
    'Write of size 64 at addr ffff8881d4332414 by task kworker/6:1/211',
  ]);
  assert.notEqual(m.fn, 'memcpy');
});
