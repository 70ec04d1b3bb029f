// syzkaller's crash TYPE, derived from the title alone: the first group (in table order) with a
// prefix of the title wins; no prefix: '' (unknown). Same table as pkg/report/crash (title_to_type).

interface TypeRule {
  type: string;
  prefixes: string[];
}

const TITLE_TO_TYPE: TypeRule[] = [
  { type: 'KFENCE-USE-AFTER-FREE-WRITE', prefixes: ['KFENCE: use-after-free write'] },
  { type: 'KFENCE-USE-AFTER-FREE-READ', prefixes: ['KFENCE: use-after-free read', 'KFENCE: use-after-free'] },
  { type: 'KFENCE-WRITE', prefixes: ['KFENCE: invalid write', 'KFENCE: out-of-bounds write'] },
  {
    type: 'KFENCE-READ',
    prefixes: ['KFENCE: invalid read', 'KFENCE: out-of-bounds read', 'KFENCE: out-of-bounds'],
  },
  { type: 'KFENCE-MEMORY-CORRUPTION', prefixes: ['KFENCE: memory corruption'] },
  { type: 'KFENCE-INVALID-FREE', prefixes: ['KFENCE: invalid free'] },
  { type: 'KMSAN-UNINIT-VALUE', prefixes: ['KMSAN: uninit-value'] },
  {
    type: 'KMSAN-USE-AFTER-FREE-READ',
    prefixes: ['KMSAN: kernel-infoleak-after-free', 'KMSAN: kernel-usb-infoleak-after-free', 'KMSAN: use-after-free'],
  },
  { type: 'KMSAN-INFO-LEAK', prefixes: ['KMSAN: kernel-infoleak', 'KMSAN: kernel-usb-infoleak'] },
  { type: 'KASAN-NULL-POINTER-DEREFERENCE-WRITE', prefixes: ['KASAN: null-ptr-deref Write'] },
  { type: 'KASAN-NULL-POINTER-DEREFERENCE-READ', prefixes: ['KASAN: null-ptr-deref Read'] },
  { type: 'NULL-POINTER-DEREFERENCE', prefixes: ['BUG: unable to handle kernel NULL pointer dereference in'] },
  {
    type: 'KASAN-WRITE',
    prefixes: [
      'KASAN: global-out-of-bounds Write', 'KASAN: out-of-bounds Write', 'KASAN: slab-out-of-bounds Write',
      'KASAN: stack-out-of-bounds Write', 'KASAN: user-memory-access Write', 'KASAN: vmalloc-out-of-bounds Write',
      'KASAN: wild-memory-access Write',
    ],
  },
  {
    type: 'KASAN-READ',
    prefixes: [
      'KASAN: global-out-of-bounds Read', 'KASAN: invalid-access Read', 'KASAN: out-of-bounds Read',
      'KASAN: slab-out-of-bounds Read', 'KASAN: slab-out-of-bounds', 'KASAN: stack-out-of-bounds Read',
      'KASAN: stack-out-of-bounds', 'KASAN: unknown-crash Read', 'KASAN: user-memory-access Read',
      'KASAN: vmalloc-out-of-bounds Read', 'KASAN: wild-memory-access Read', 'KASAN: wild-memory-access',
    ],
  },
  { type: 'KASAN-INVALID-FREE', prefixes: ['KASAN: double-free or invalid-free', 'KASAN: invalid-free'] },
  { type: 'KASAN-USE-AFTER-FREE-WRITE', prefixes: ['KASAN: slab-use-after-free Write', 'KASAN: use-after-free Write'] },
  {
    type: 'KASAN-USE-AFTER-FREE-READ',
    prefixes: ['KASAN: slab-use-after-free Read', 'KASAN: use-after-free Read', 'KASAN: use-after-free'],
  },
  { type: 'MEMORY_SAFETY_BUG', prefixes: ['BUG: corrupted list', 'BUG: unable to handle kernel paging request'] },
  { type: 'REFCOUNT_WARNING', prefixes: ['WARNING: refcount bug'] },
  { type: 'MEMORY_SAFETY_UBSAN', prefixes: ['UBSAN: array-index-out-of-bounds'] },
  { type: 'KCSAN-DATARACE', prefixes: ['KCSAN: data-race'] },
  { type: 'KCSAN-ASSERT', prefixes: ['KCSAN: assert: race in'] },
  {
    type: 'LOCKDEP',
    prefixes: [
      'BUG: bad unlock balance in', 'BUG: held lock freed in', 'BUG: rwlock', 'BUG: spinlock',
      'BUG: still has locks held in', 'BUG: using', 'WARNING: bad unlock balance in', 'WARNING: held lock freed in',
      'WARNING: lock held', 'WARNING: locking bug in', 'WARNING: nested lock was not taken in',
      'WARNING: still has locks held in', 'WARNING: suspicious RCU usage in', 'inconsistent lock state in',
      'possible deadlock in',
    ],
  },
  {
    type: 'ATOMIC_SLEEP',
    prefixes: ['BUG: scheduling while atomic in', 'BUG: sleeping function called from invalid context in'],
  },
  { type: 'LEAK', prefixes: ['memory leak in'] },
  { type: 'BUG', prefixes: ['BUG: bad usercopy in', 'kernel BUG'] },
  { type: 'WARNING', prefixes: ['WARNING in'] },
  {
    // printk()-style reports: deliberately no type.
    type: '',
    prefixes: [
      'BUG: stack guard page was hit in', 'WARNING: corrupted', 'WARNING: kernel stack frame pointer has bad value',
      'WARNING: kernel stack regs has bad',
    ],
  },
  {
    type: 'HANG',
    prefixes: ['BUG: soft lockup in', 'INFO: rcu detected stall in', "INFO: task can't die in", 'INFO: task hung in'],
  },
  {
    type: 'DoS',
    prefixes: [
      'Alignment trap in', 'BUG: Object already free', 'Internal error in', 'PANIC: double fault', 'Unhandled fault in',
      'VFS: Busy inodes after unmount (use-after-free)', 'VFS: Close: file count is zero (use-after-free)',
      'divide error in', 'general protection fault in', 'go runtime error', 'int3 in', 'invalid opcode in',
      'kernel panic:', 'kernel stack overflow', 'panic:', 'rust_kernel panicked', 'stack segment fault in', 'trusty:',
      'unregister_netdevice: waiting for DEV to become free',
    ],
  },
  { type: 'NO_OUTPUT', prefixes: ['no output from test machine'] },
  { type: 'REBOOT', prefixes: ['unexpected kernel reboot'] },
  { type: 'SYZ_FAILURE', prefixes: ['SYZFAIL', 'SYZFATAL:'] },
  // Defaults.
  { type: 'WARNING', prefixes: ['WARNING:'] },
  { type: '', prefixes: ['BUG:'] },
  { type: '', prefixes: ['INFO:'] },
  { type: 'KASAN-UNKNOWN', prefixes: ['KASAN:'] },
  { type: 'KFENCE-UNKNOWN', prefixes: ['KFENCE:'] },
  { type: 'KMSAN-UNKNOWN', prefixes: ['KMSAN:'] },
  { type: 'UBSAN', prefixes: ['UBSAN:'] },
  { type: 'KCSAN-UNKNOWN', prefixes: ['KCSAN:'] },
];

/** syzkaller's crash TYPE of a (normalised) title, '' when unknown. */
export function typeOfTitle(title: string): string {
  for (const rule of TITLE_TO_TYPE) {
    for (const p of rule.prefixes) if (title.startsWith(p)) return rule.type;
  }
  return '';
}
