// Crash reports for the tests of src/knowledge/cve/ (hand-made, in the kernel's exact printk formats).

// Hand-made: a KASAN report as the kernel prints it (x86_64, 6.x), pasted into a commit message the way the
// CNA's records carry them: printk time stamps kept, indented by two spaces in the second one.
export const KASAN_REPORT = `[  212.106547] ==================================================================
[  212.106553] BUG: KASAN: slab-use-after-free in nbd_recv_work+0x694/0xa80 [nbd]
[  212.106571] Write of size 4 at addr ffff8880295de478 by task kworker/u33:0/67
[  212.106580] CPU: 2 PID: 67 Comm: kworker/u33:0 Not tainted 6.6.30 #1
[  212.106588] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.3-debian-1.16.3-2 04/01/2014
[  212.106591] Workqueue: nbd6-recv nbd_recv_work [nbd]
[  212.106595] Call Trace:
[  212.106597]  <TASK>
[  212.106599]  dump_stack_lvl+0x116/0x1f0
[  212.106607]  print_report+0xc3/0x670
[  212.106616]  ? nbd_recv_work+0x694/0xa80 [nbd]
[  212.106624]  kasan_report+0xe0/0x110
[  212.106631]  ? nbd_recv_work+0x694/0xa80 [nbd]
[  212.106639]  kasan_check_range+0xef/0x1a0
[  212.106645]  nbd_recv_work+0x694/0xa80 [nbd]
[  212.106653]  process_one_work+0x9cc/0x1b70
[  212.106660]  worker_thread+0x6c8/0xf10
[  212.106667]  kthread+0x3c2/0x780
[  212.106674]  ret_from_fork+0x45/0x80
[  212.106680]  ret_from_fork_asm+0x1a/0x30
[  212.106686]  </TASK>
`;

// Hand-made: a NULL pointer dereference in a module, indented (no time stamps) as many commit messages paste it.
export const NULL_REPORT = `  BUG: kernel NULL pointer dereference, address: 0000000000000010
  #PF: supervisor read access in kernel mode
  #PF: error_code(0x0000) - not-present page
  PGD 0 P4D 0
  Oops: 0000 [#1] PREEMPT SMP NOPTI
  CPU: 3 PID: 1414 Comm: ip Not tainted 6.1.80 #1
  RIP: 0010:fake_vport_get_stats+0x2a/0x90 [fakevport]
  Code: 0f 1f 44 00 00 55 48 89 e5 41 54 53 48 8b 47 10 <48> 8b 58 10 48 85 db 74 3b
  RSP: 0018:ffffc90001b3f8a0 EFLAGS: 00010246
  Call Trace:
   <TASK>
   ? __die+0x23/0x70
   ? page_fault_oops+0x171/0x4e0
   ? exc_page_fault+0x7f/0x180
   ? asm_exc_page_fault+0x26/0x30
   fake_vport_get_stats+0x2a/0x90 [fakevport]
   fake_dp_fill_info+0x11c/0x2d0 [fakevport]
   fake_dp_cmd_new+0x3b2/0x560 [fakevport]
   genl_family_rcv_msg_doit+0xeb/0x150
   genl_rcv_msg+0x166/0x270
   netlink_rcv_skb+0x5a/0x110
   genl_rcv+0x28/0x40
   netlink_unicast+0x19e/0x290
   </TASK>
`;

