import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiteralScanner } from './scan.js';
import { COUNT_LITERALS, COUNT_RE, HEADER_RULES, matchHeader } from './headers.js';
import { createLogReader } from './reader.js';

/** The first line of buf[from, to) holding a literal (by plain search), as [lineStart, lineEnd), or null. */
function naiveLine(buf: Buffer, lits: string[], from: number, to: number): [number, number] | null {
  let best = -1;
  for (const l of lits) {
    const at = buf.indexOf(l, from, 'latin1');
    if (at >= 0 && at + l.length <= to && (best < 0 || at < best)) best = at;
  }
  if (best < 0) return null;
  const ls = Math.max(buf.lastIndexOf(10, best) + 1, from);
  const le = buf.indexOf(10, best);
  return [ls, le < 0 ? buf.length : le];
}

test('LiteralScanner finds the first line holding a literal, at any offset, as a plain search does', () => {
  const lits = ['BUG:', 'general protection fault', 'Oops', 'INFO:'];
  const sc = new LiteralScanner(lits);
  const text = Buffer.from('[ 1.0] x\n[ 2.0] general protection fault, probably\nOops\nxBUG:\nBUG\n[ 3.0] INFO: task\n');
  const found: number[] = [];
  for (let p = 0; ;) {
    const at = sc.find(text, p, text.length);
    if (at < 0) break;
    found.push(at);
    p = text.indexOf(10, at) + 1;
  }
  assert.deepEqual(found, [16, 51, 57, 73]);
  assert.equal(sc.find(text, 0, 19), -1, 'a literal cut by the end of the range is not found');
  assert.equal(sc.find(Buffer.from('Oop'), 0, 3), -1);
  assert.equal(sc.find(Buffer.from('Oops'), 0, 4), 0);
  // Random text over a small alphabet: the line found is always the first line a plain search finds.
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const pieces = ['BUG', 'BUG:', 'general protection', 'general protection fault', 'Oop', 'Oops', 'INFO', 'INFO:', 'x', ' ', '\n', 'é'];
  for (let t = 0; t < 300; t++) {
    const parts: string[] = [];
    for (let i = rnd(40); i > 0; i--) parts.push(pieces[rnd(pieces.length)]!);
    const buf = Buffer.from(parts.join(''));
    const from = rnd(buf.length + 1);
    const at = sc.find(buf, from, buf.length);
    const exp = naiveLine(buf, lits, from, buf.length);
    if (exp === null) assert.equal(at, -1, parts.join(''));
    else {
      assert.ok(at >= exp[0] && at < exp[1], `${JSON.stringify(parts.join(''))} from ${from}: ${at} not in ${exp}`);
      assert.ok(lits.some((l) => buf.toString('latin1', at, at + l.length) === l));
    }
  }
  assert.throws(() => new LiteralScanner(['BUG']), /unsupported literal/);
});

// Hand-made header lines in the kernel's formats (printk format strings of the reports each rule names).
const HEADER_SAMPLES: Record<string, string> = {
  kasan: 'BUG: KASAN: use-after-free in tty_ldisc_hangup+0x1e/0x2a0',
  kfence: 'BUG: KFENCE: out-of-bounds read in test_alloc+0x12/0x40',
  kmsan: 'BUG: KMSAN: uninit-value in kernel_read+0x2c/0x60',
  kcsan: 'BUG: KCSAN: data-race in generic_fillattr / shmem_mknod',
  ubsan: 'UBSAN: array-index-out-of-bounds in net/core/dev.c:1234:5',
  'null-deref': 'BUG: kernel NULL pointer dereference, address: 0000000000000008',
  'paging-request': 'BUG: unable to handle page fault for address: ffffffffc0a05000',
  'soft-lockup': 'watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [insmod:1234]',
  'hard-lockup': 'NMI watchdog: Watchdog detected hard LOCKUP on cpu 1',
  'hung-task': 'INFO: task kworker/0:1:123 blocked for more than 120 seconds.',
  'rcu-stall': 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
  lockdep: 'WARNING: possible circular locking dependency detected',
  'warning-list': 'WARNING: CPU: 0 PID: 1 at lib/list_debug.c:53 __list_del_entry_valid+0x8c/0xc0',
  'warning-lockdep': 'WARNING: CPU: 0 PID: 1 at kernel/locking/lockdep.c:894 register_lock_class+0x1/0x2',
  warning: 'WARNING: CPU: 1 PID: 2 at mm/page_alloc.c:5538 __alloc_pages+0x1/0x2',
  'list-corruption': 'list_del corruption. prev->next should be ffff888100000000, but was ffff888200000000',
  'list-double-add': 'list_add double add: new=ffff888100000000, prev=ffff888100000000, next=ffff888200000000.',
  'bug-list': 'kernel BUG at lib/list_debug.c:56!',
  'kernel-bug': 'kernel BUG at mm/slub.c:4265!',
  'stack-guard': 'BUG: stack guard page was hit at 00000000a1b2c3d4 (stack is 0000000011111111..0000000022222222)',
  'stack-overflow-df': 'kernel stack overflow (double-fault): 0000 [#1] PREEMPT SMP',
  'double-fault': 'PANIC: double fault, error_code: 0x0',
  gpf: 'general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN',
  'stack-segment': 'stack segment: 0000 [#1] SMP',
  'divide-error': 'divide error: 0000 [#1] SMP PTI',
  'invalid-opcode': 'invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
  int3: 'int3: 0000 [#1] SMP',
  'arm-bug': 'Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP',
  oops: 'Oops: 0002 [#1] PREEMPT SMP NOPTI',
  'arm-internal': 'Internal error: Accessing user space memory outside uaccess.h routines: 96000004 [#1] SMP',
  'arm-unhandled': 'Unhandled fault: alignment exception (0x001) at 0xc0a1b2c3',
  sysrq: 'sysrq: Trigger a crash',
  oom: 'stress invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0',
  mce: 'mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: b200000000070005',
  'mce-ppc': 'Oops: Machine check, sig: 7 [#1]',
  'hard-lockup-ppc': 'Watchdog CPU:42 Hard LOCKUP',
  slub: 'BUG kmalloc-64 (Not tainted): Redzone overwritten',
  'rust-panic': "rust_kernel: panicked at 'explicit panic', rust/kernel/lib.rs:12:5",
  'slub-info': 'INFO: Freed in kfree+0x1e/0x2a0 age=1 cpu=0 pid=1',
  'info-bare': 'INFO:',
  vfs: 'VFS: Busy inodes after unmount of sda1. Self-destruct in 5 seconds.  Have a nice day...',
  'netdev-wait': 'unregister_netdevice: waiting for lo to become free. Usage count = 2',
  'atomic-sleep': 'BUG: sleeping function called from invalid context at mm/slab.h:513',
  'bug-generic': 'BUG: Bad page state in process swapper  pfn:12345',
};

test('count-only pre-filter: every header rule but the panic one needs a COUNT_RE literal', () => {
  for (const rule of HEADER_RULES) {
    if (rule.panic) continue;
    const needs = rule.needs ?? [rule.key];
    // Structural: each literal a rule needs holds one of COUNT_LITERALS.
    for (const n of needs) assert.ok(COUNT_LITERALS.some((l) => n.includes(l)), `${rule.id}: ${n}`);
    const sample = HEADER_SAMPLES[rule.id];
    assert.ok(sample, `a sample header for rule ${rule.id}`);
    assert.equal(matchHeader(sample)?.rule.id, rule.id, sample);
    assert.ok(needs.some((n) => sample.includes(n)), `${rule.id}: the sample holds one of its needs`);
    COUNT_RE.lastIndex = 0;
    assert.ok(COUNT_RE.test(sample), sample);
  }
  assert.equal(Object.keys(HEADER_SAMPLES).length, HEADER_RULES.filter((r) => !r.panic).length);
});

test('count-only mode: the same counts from Buffers (bytes) as from strings, whatever the chunking', () => {
  // Hand-made dmesg log (kernel printk formats): 60 reports; with maxEvents 2, the reader switches to
  // count-only mode once the first two are titled (their title windows hold the next reports).
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const t = (100 + i).toFixed(6).padStart(12);
    lines.push(`[${t}] ordinary line ${i} é`);
    lines.push(`[${t}] ${HEADER_SAMPLES[i % 3 === 0 ? 'warning' : i % 3 === 1 ? 'null-deref' : 'hung-task']!}`);
    lines.push(`[${t}] CPU: 0 PID: ${i} Comm: test Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1`);
    for (let k = 0; k < 10; k++) lines.push(`[${t}]  func_${k}+0x1/0x2`);
    lines.push(`[${t}] ---[ end trace 0000000000000000 ]---`);
  }
  const text = lines.join('\n') + '\n';
  const bytes = Buffer.from(text);
  const read = (chunks: (Buffer | string)[]): unknown => {
    const r = createLogReader('t', undefined, { maxEvents: 2 });
    for (const c of chunks) r.push(c);
    const res = r.end();
    return { events: res.events.length, omitted: res.eventsOmitted, lines: res.source.lines, bytes: res.source.bytes };
  };
  const whole = read([text]);
  assert.deepEqual(whole, {
    events: 2,
    omitted: {
      count: 58,
      byTitle: {
        'INFO: task kworker/NUM:NUM:NUM blocked for more than NUM seconds.': 20,
        'WARNING: CPU: NUM PID: NUM at mm/page_alloc.c:LINE __alloc_pages': 19,
        'BUG: kernel NULL pointer dereference, address: ADDR': 19,
      },
    },
    lines: 60 * 14,
    bytes: bytes.length,
  });
  for (const size of [1, 7, 100, 4096]) {
    const chunks: Buffer[] = [];
    for (let p = 0; p < bytes.length; p += size) chunks.push(bytes.subarray(p, p + size));
    assert.deepEqual(read(chunks), whole, `chunks of ${size} bytes`);
  }
});
