// crash-shaped output (src/report/crash.ts) with HAND-MADE inputs in the readers' exact types: every string
// that came from a dump (comm, module names and taints, symbol names, utsname, the panic line, memory
// strings) is hostile and must reach the terminal escaped; and crash's number formats (printf "%.1f" ties,
// mkstring centering, get_memory_size rounding). The lab comparisons are in src/readers/vmcore/verbs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelTask } from '../readers/vmcore/tasks.js';
import type { KernelModule } from '../readers/vmcore/modules.js';
import type { SyscallSlot } from '../readers/vmcore/syscalls.js';
import { memorySize, printf1, panicMessage, guessHz, jiffiesSinceBoot } from '../readers/vmcore/sysinfo.js';
import {
  crashDate, crashUptime, formatMod, formatModTaints, formatPs, formatRdAscii, formatSys, formatSyscalls, mkstring, psJson, psRows, type SysView,
} from './crash.js';

// Raw control characters, C1, bidi overrides, zero-width: none may reach the terminal (newlines join lines).
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u;
const EVIL = 'x\x1b]8;;http://evil/\x07ok\x1b]8;;\x07\x1b[2J\u202egnp.exe\x00\x9b';

function task(over: Partial<KernelTask>): KernelTask {
  return {
    address: 0xffff888001234000n, pid: 4242, tgid: 4242, comm: 'sh', rawState: 1, exitState: 0, state: 'S', crashState: 'IN', cpu: 1,
    active: false, parent: null, ppid: 1, kernelThread: false, sp: null, stack: null, foundBy: 'tasks-list', ...over,
  };
}

function mod(over: Partial<KernelModule>): KernelModule {
  return {
    address: 0xffffffffc0400040n, name: 'm', base: 0xffffffffc0400000n, size: 16384, textSize: 4096, state: 'live', taints: '', foundIn: ['modules'],
    hidden: false, symbols: [], numSymtab: 0, ...over,
  };
}

test('every string from the dump is escaped in ps, mod, mod -t, sys -c, sys and rd -a (hostile comm and friends)', () => {
  const rows = psRows([task({ comm: EVIL }), task({ pid: 2, comm: EVIL, kernelThread: true, address: 0xffff888001238000n })], null, 1000n, 4096);
  const outs = [
    formatPs(rows),
    formatMod([mod({ name: EVIL }), mod({ name: EVIL, hidden: true, foundIn: ['mod_tree'], allocatedBy: EVIL, address: null, base: 0xffffffffc0500000n })]),
    formatModTaints([mod({ name: EVIL, taints: EVIL })]),
    formatSyscalls([
      { number: 0, slot: 0xffffffff82000000n, target: 0xffffffffc0400000n, symbol: EVIL, inCoreText: false, owner: EVIL, hiddenOwner: true } satisfies SyscallSlot,
      { number: 1, slot: 0xffffffff82000008n, target: 0xffffffff81000000n, symbol: EVIL, inCoreText: true, owner: null, hiddenOwner: false },
    ]),
    formatSys({
      kernel: '(none)', tainted: true, dumpfile: EVIL, dumpFlags: [], cpus: 2, offline: null, date: null, uptime: null, loadAverage: null, tasks: 2,
      nodename: EVIL, release: EVIL, version: EVIL, machine: EVIL, mhz: null, memory: null, panic: EVIL,
    } satisfies SysView),
    formatRdAscii({ lines: [{ address: 0xffffffffc0400000n, text: EVIL }], scanned: 60, gaps: [] }),
  ];
  for (const o of outs) {
    assert.doesNotMatch(o, RAW, JSON.stringify(o));
    assert.ok(o.includes('\\x1b]8;;http://evil/\\x07ok'), 'shown visibly');
    assert.ok(o.includes('\\u202e'));
  }
  // JSON keeps the exact string (JSON.stringify escapes the controls).
  const j = JSON.stringify(psJson(rows));
  assert.equal(JSON.parse(j)[0].comm, EVIL);
  assert.doesNotMatch(j, /[\x00-\x1f]/);
});

test('ps row: crash\'s columns, > for on-CPU tasks, [kernel threads], unknown memory as -', () => {
  const rows = psRows(
    [task({ active: true, pid: 111, ppid: 1, cpu: 0, crashState: 'RU' }), task({ pid: 3, ppid: 2, cpu: 0, crashState: 'ID', kernelThread: true, comm: 'rcu_gp', address: 0xffff888001240000n })],
    null, 130000n, 4096,
  );
  assert.equal(formatPs(rows), [
    '      PID    PPID  CPU       TASK        ST  %MEM      VSZ      RSS  COMM',
    '>     111       1   0  ffff888001234000  RU     -        -        -  sh',
    '        3       2   0  ffff888001240000  ID   0.0        0        0  [rcu_gp]',
    '',
  ].join('\n'));
  assert.deepEqual(psJson(rows).map((r) => [(r as { vsz: unknown }).vsz, (r as { pctMem: unknown }).pctMem]), [[null, null], [0, 0]]);
  // With the task's mm read: KiB of pages, %MEM of high_memory's pages as crash computes it.
  const mem = { method: 'x', byTask: new Map([[0xffff888001234000n, { mm: 1n, totalVm: 247n, rss: 174n, shmem: 162n }]]) };
  const [r] = psRows([task({})], mem, 131056n, 4096);
  assert.deepEqual([r!.vsz, r!.rss, r!.shmem, r!.pctMem], [988n, 696n, 648n, '0.1']);
});

test('mod: a module found only in vmap_area_list (no struct module) prints as such, crash\'s columns kept', () => {
  const out = formatMod([
    mod({ name: 'virtio', symbols: [{ name: 'f', type: 't', address: 0xffffffffc0400010n, size: 16n }] }),
    mod({ address: null, name: null, base: 0xffffffffc0600000n, size: 8192, taints: null, state: null, foundIn: ['vmap_area_list'], hidden: true, allocatedBy: 'load_module' }),
  ]);
  assert.equal(out, [
    '     MODULE       NAME             BASE         SIZE  OBJECT FILE',
    'ffffffffc0400040  virtio     ffffffffc0400000  16384  (not loaded)  [CONFIG_KALLSYMS]',
    '               -  (unknown)  ffffffffc0600000   8192  (not loaded)  [HIDDEN: not on the modules list; in vmap_area_list, allocated by load_module]',
    '',
  ].join('\n'));
});

test('crash\'s number formats: printf %.1f ties to even, mkstring centering, MEMORY rounding, DATE, UPTIME', () => {
  // C's printf rounds the exact double half to even (Python's '%.1f' % x on the same doubles agrees: 0.2 0.8 1.2 0.1 2.6).
  assert.deepEqual([0.25, 0.75, 1.25, 0.05, 2.65].map(printf1), ['0.2', '0.8', '1.2', '0.1', '2.6']);
  assert.equal(mkstring('MODULE', 16, 'center-l'), '     MODULE     ');
  assert.equal(mkstring('0.0', 4, 'center-r'), ' 0.0');
  assert.equal(mkstring('TASK', 16, 'center-l'), '      TASK      ');
  assert.equal(memorySize(130939n, 4096), '511.5 MB');
  assert.equal(memorySize(262144n - 1000n, 4096), '1 GB', 'within 64 MiB of the next GiB: rounded up, ".0" dropped');
  assert.equal(memorySize(65423n, 4096), '255.6 MB');
  assert.equal(crashDate(new Date(Date.UTC(2026, 10, 3, 9, 4, 5))), 'Tue Nov  3 09:04:05 UTC 2026');
  assert.equal(crashUptime(82n), '00:01:22');
  assert.equal(crashUptime(2n * 86400n + 3723n), '2 days, 01:02:03');
  // HZ from jiffies and the timekeeper: INITIAL_JIFFIES is (unsigned int)(-300*HZ).
  const j250 = (1n << 32n) - 75000n + 250n * 19n;
  assert.equal(guessHz(j250, 19_400_000_000n), 250);
  assert.equal(jiffiesSinceBoot(j250, 250) / 250n, 19n);
  assert.equal(guessHz(j250, 500_000_000_000n), null, 'no common HZ agrees: unknown, not guessed');
});

test('PANIC: crash\'s panic strings in crash\'s order, the whole line', () => {
  const rec = (s: string): { text: Buffer } => ({ text: Buffer.from(s, 'latin1') });
  assert.equal(panicMessage([rec('BUG: kernel NULL pointer dereference, address: 0000000000000008'), rec('Oops: 0000 [#1] PREEMPT SMP NOPTI'), rec('Kernel panic - not syncing: Fatal exception')]), 'Kernel panic - not syncing: Fatal exception');
  assert.equal(panicMessage([rec('x'), rec('Oops: 0002 [#1] SMP')]), 'Oops: 0002 [#1] SMP');
  // crash 8.0.2 does not know the 6.1 GPF line and prints PANIC "" (lab README known fault 2): we do.
  const gpf = 'general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI';
  assert.equal(panicMessage([rec('CPU: 0 PID: 1 Comm: x'), rec(gpf)]), gpf);
  assert.equal(panicMessage([rec(gpf), rec('Kernel panic - not syncing: Fatal exception')]), 'Kernel panic - not syncing: Fatal exception', 'crash\'s strings first');
  assert.equal(panicMessage([rec('nothing here')]), null);
  assert.match(formatSys({
    kernel: 'k', tainted: false, dumpfile: 'vmcore', dumpFlags: ['PARTIAL DUMP'], cpus: 2, offline: 1, date: null, uptime: '00:00:05', loadAverage: '0.00, 0.00, 0.00',
    tasks: 55, nodename: '(none)', release: 'r', version: 'v', machine: 'x86_64', mhz: 2445, memory: '255.5 MB', panic: 'Oops: 0000 [#1] PREEMPT SMP NOPTI',
  }), /^    DUMPFILE: vmcore  \[PARTIAL DUMP\]\n        CPUS: 2 \[OFFLINE: 1\]\n[\s\S]*       PANIC: "Oops: 0000 \[#1\] PREEMPT SMP NOPTI" \(check log for details\)\n$/m);
});
