// Backtraces from the lab dumps without debuginfo, against the console log's ORC-based trace (the truth) and
// crash 8.0.2's `bt`/`bt -a` made with the debug vmlinux. Where crash is wrong (lab README "Known faults" 3:
// stale return addresses listed as frames without `?`, frames through a hidden module dropped), the test
// says so and follows the console log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB, unzstd } from './testkit.js';
import { Dump } from './dump.js';
import { readKernelObjects } from './objects.js';
import { readBacktraces } from './backtraces.js';

const DUMPS: { scenario: string; file: string }[] = [
  { scenario: 'oops-null-module', file: 'vmcore.zst' },
  { scenario: 'rootkit-hidden-module', file: 'vmcore.zst' },
  { scenario: 'softlockup-rcu-module', file: 'vmcore.zst' },
  { scenario: 'sysrq-c', file: 'vmcore.zst' },
  { scenario: 'stack-protector-module', file: 'vmcore' },
];

/** The console's reliable frames (no `?`) of the trace printed by panic() (else the first trace): names or bare addresses. */
function consoleFrames(log: string): string[] {
  const blocks: string[][] = [];
  let cur: string[] | null = null;
  for (const line of log.split('\n')) {
    const body = line.replace(/^\[\s*\d+\.\d+\]\s?/, '');
    if (/^Call Trace:/.test(body)) blocks.push((cur = []));
    else if (cur && /^\s*<\/TASK>/.test(body)) cur = null;
    else if (cur) {
      const m = /^\s*(\?\s+)?([A-Za-z0-9_.]+)\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(body) ?? /^\s*(\?\s+)?0x([0-9a-f]{16})\s*$/.exec(body);
      if (m && !m[1]) cur.push(m[2]!);
    }
  }
  return blocks.find((b) => b.includes('panic')) ?? blocks[0] ?? [];
}

interface CrashFrame { slot: string; fn: string; ip: string }
function crashTraces(text: string): { pid: number; comm: string; frames: CrashFrame[] }[] {
  const out: { pid: number; comm: string; frames: CrashFrame[] }[] = [];
  for (const line of text.split('\n')) {
    const h = /^PID: (\d+)\s+TASK: [0-9a-f]+\s+CPU: \d+\s+COMMAND: "(.*)"/.exec(line);
    if (h) out.push({ pid: Number(h[1]), comm: h[2]!, frames: [] });
    const f = /^\s*#\d+ \[([0-9a-f]+)\] (\S+) at ([0-9a-f]+)/.exec(line);
    if (f && out.length) out[out.length - 1]!.frames.push({ slot: f[1]!, fn: f[2]!, ip: f[3]! });
  }
  return out;
}

for (const { scenario, file } of DUMPS) {
  const src = join(LAB, scenario, file);
  test(`bt from ${scenario}'s dump: crash's panic task, the console's reliable frames in order, crash's slots and addresses`, { skip: existsSync(src) ? false : 'lab dump missing' }, () => {
    const path = file.endsWith('.zst') ? unzstd(src) : src;
    const dump = new Dump(path);
    try {
      const objs = readKernelObjects(dump, { parts: { syscalls: false, strings: false } });
      const crash = crashTraces(readFileSync(join(LAB, scenario, 'crash-bt.txt'), 'utf8'))[0]!;
      const task = objs.tasks.find((t) => t.active && t.pid === crash.pid)!;
      assert.ok(task, `the active task pid ${crash.pid} is in the dump's task list`);
      assert.equal(task.comm, crash.comm);
      const { traces } = readBacktraces(dump, objs, [task]);
      const frames = traces[0]!.result.frames;
      const ours = frames.filter((f) => f.reliable).map((f) => f.symbol.function ?? f.symbol.address!);
      const want = consoleFrames(readFileSync(join(LAB, scenario, 'console.log'), 'utf8')).filter((n) => n !== 'dump_stack_lvl');
      assert.ok(want.length >= 3, 'the console log has a trace');
      const at = ours.indexOf(want[0]!);
      assert.ok(at >= 0, `${want[0]} is among our frames: ${ours.join(' ')}`);
      assert.deepEqual(ours.slice(at, at + want.length), want, 'the console log\'s reliable frames, in order');
      assert.equal(ours.length, at + want.length, 'nothing after the console trace\'s last frame');
      // Every crash frame at a slot we also unwound has the same address and function; the crash frames
      // we do not have are the stale ones (Known faults 3) or its machine_kexec/__crash_kexec prologue.
      const bySlot = new Map(frames.map((f) => [f.slot.toString(16).padStart(16, '0'), f]));
      for (const c of crash.frames) {
        const f = bySlot.get(c.slot);
        if (f) {
          if (f.ip.toString(16) === c.ip) assert.equal(f.symbol.function, c.fn);
          continue;
        }
        // A name of the console trace at a slot we did not unwind is a second, stale copy (stack-protector:
        // "a second do_syscall_64").
        const stale = !want.includes(c.fn) || ['machine_kexec', '__crash_kexec'].includes(c.fn) || frames.some((f) => f.reliable && f.symbol.function === c.fn);
        assert.ok(stale, `crash's frame ${c.fn} at [${c.slot}] is either unwound by us or not in the console's trace`);
      }
      if (scenario === 'rootkit-hidden-module') {
        // crash drops the two frames in the hidden module's code (no symbol owns them); the console and we keep them.
        assert.ok(!crash.frames.some((c) => c.ip.startsWith('ffffffffc0')));
        assert.deepEqual(ours.filter((n) => n.startsWith('ffffffffc0')), want.filter((n) => /^ffffffffc0/.test(n)));
      }
    } finally {
      dump.close();
    }
  });
}

test('bt -a from oops-null-module\'s dump: every CPU\'s active task, frames equal crash\'s bt -a from the exception RIP on', { skip: existsSync(join(LAB, 'oops-null-module', 'vmcore.zst')) ? false : 'lab dump missing' }, () => {
  const dump = new Dump(unzstd(join(LAB, 'oops-null-module', 'vmcore.zst')));
  try {
    const objs = readKernelObjects(dump, { parts: { syscalls: false, strings: false } });
    const crash = crashTraces(readFileSync(join(LAB, 'oops-null-module', 'crash-bt-a.txt'), 'utf8'));
    const { traces } = readBacktraces(dump, objs);
    assert.deepEqual(traces.map((t) => t.task.pid).sort(), crash.map((c) => c.pid).sort());
    const idle = traces.find((t) => t.task.pid === 0)!;
    const cIdle = crash.find((c) => c.pid === 0)!;
    // crash starts in the NMI handler (crash_nmi_callback ... end_repeat_nmi) on the NMI stack; the saved
    // registers are the interrupted context, where both traces then agree frame for frame.
    const from = cIdle.frames.findIndex((c) => c.fn === 'native_safe_halt');
    assert.deepEqual(idle.result.frames.map((f) => [f.slot.toString(16), f.symbol.function, f.ip.toString(16)]), cIdle.frames.slice(from).map((c) => [c.slot, c.fn, c.ip]));
    assert.equal(idle.result.frames[0]!.exception?.rip.function, 'native_safe_halt');
    const oops = traces.find((t) => t.task.pid === 111)!;
    const last = oops.result.frames[oops.result.frames.length - 1]!;
    assert.equal(last.symbol.function, 'entry_SYSCALL_64_after_hwframe');
    assert.equal(last.exception?.userMode, true);
    assert.equal(last.exception?.registers.rip, '0000000000438460');
  } finally {
    dump.close();
  }
});

test('bt of a blocked task from thread.sp (softlockup-rcu-module: ruleupdate, D, which crash 8.0.2 cannot list): the hung-task report\'s frames', { skip: existsSync(join(LAB, 'softlockup-rcu-module', 'vmcore.zst')) ? false : 'lab dump missing' }, () => {
  const dump = new Dump(unzstd(join(LAB, 'softlockup-rcu-module', 'vmcore.zst')));
  try {
    const objs = readKernelObjects(dump, { parts: { syscalls: false, strings: false } });
    const log = readFileSync(join(LAB, 'softlockup-rcu-module', 'console.log'), 'utf8');
    const m = /INFO: task (\S+):(\d+) blocked/.exec(log)!;
    const task = objs.tasks.find((t) => t.pid === Number(m[2]))!;
    assert.equal(task.comm, m[1]);
    assert.equal(task.state, 'D');
    const { traces } = readBacktraces(dump, objs, [task]);
    assert.equal(traces[0]!.start, 'thread.sp');
    const report = log.slice(log.indexOf(m[0]));
    const want = consoleFrames(report.slice(0, report.indexOf('</TASK>') + 7));
    assert.deepEqual(traces[0]!.result.frames.filter((f) => f.reliable).map((f) => f.symbol.function), want);
  } finally {
    dump.close();
  }
});
