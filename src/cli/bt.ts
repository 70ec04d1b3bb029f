// `ktriage bt [-a] [PID] VMCORE` (--json): backtraces from the dump without debuginfo, shaped like crash's
// `bt`: the panic task by default, every CPU's active task with -a, one task by pid.
import { type TaskBacktrace, readBacktraces } from '../readers/vmcore/backtraces.js';
import { formatLocation, type UnwindFrame } from '../readers/vmcore/unwind.js';
import { hex } from '../readers/vmcore/kernel.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';
import { fail, gapList, reportGaps, runObjectsVerb, SOURCE_HELP, SOURCE_USAGE } from './vmcore-verb.js';

export const USAGE = `usage: ktriage bt [--json] ${SOURCE_USAGE} [-a] [PID] VMCORE

Backtraces from the vmcore alone (ORC, frame pointers, a marked stack scan last: \`?\`), shaped like
crash's \`bt\`: the panic task by default, every CPU's active task with -a, or the task PID.
  -a       every CPU's active task
  --json   {"backtraces": [{pid, task, cpu, comm, start, stopped, frames: [{slot, address, function,
           offset, size, module, symbol, reliable, stack, how, exception?}]}], "gaps": [...]}
${SOURCE_HELP}`;

const REG_ROWS: [string, string][][] = [
  [['RIP', 'rip'], ['RSP', 'rsp'], ['RFLAGS', 'eflags']],
  [['RAX', 'rax'], ['RBX', 'rbx'], ['RCX', 'rcx']],
  [['RDX', 'rdx'], ['RSI', 'rsi'], ['RDI', 'rdi']],
  [['RBP', 'rbp'], ['R8', 'r8'], ['R9', 'r9']],
  [['R10', 'r10'], ['R11', 'r11'], ['R12', 'r12']],
  [['R13', 'r13'], ['R14', 'r14'], ['R15', 'r15']],
];

function exceptionLines(f: UnwindFrame): string[] {
  const e = f.exception!;
  const out: string[] = [];
  if (!e.userMode) out.push(`    [exception RIP: ${escapeTerminal(e.rip.function ? `${e.rip.function}+${e.rip.offset ?? 0}` : (e.rip.address ?? '?'))}]`);
  const r = e.registers;
  for (const row of REG_ROWS) {
    if (!row.some(([, n]) => r[n] !== undefined)) continue;
    out.push('    ' + row.filter(([, n]) => r[n] !== undefined).map(([l, n]) => `${l.padStart(3)}: ${n === 'eflags' ? r[n]!.slice(8) : r[n]}`).join('  '));
  }
  if (r.orig_rax !== undefined) out.push(`    ORIG_RAX: ${r.orig_rax}  CS: ${r.cs?.slice(12) ?? '?'}  SS: ${r.ss?.slice(12) ?? '?'}`);
  return out;
}

export function formatBt(t: TaskBacktrace): string {
  const task = t.task;
  const lines = [`PID: ${String(task.pid).padEnd(9)}TASK: ${hex(task.address)}  CPU: ${String(task.cpu ?? '-').padEnd(5)}COMMAND: "${escapeTerminal(task.comm)}"`];
  const frames = t.result.frames;
  frames.forEach((f, i) => {
    if (f.exception && f.how === 'start') lines.push(...exceptionLines(f));
    const name = f.symbol.function ? escapeTerminal(f.symbol.function) : `${hex(f.ip)} (no symbol)`;
    const mod = f.symbol.module ? ` [${escapeTerminal(f.symbol.module)}]` : '';
    lines.push(`${`#${i}`.padStart(3)} [${hex(f.slot)}] ${f.reliable ? '' : '? '}${name} at ${hex(f.ip)}${mod}`);
    if (f.exception && f.how !== 'start') lines.push(...exceptionLines(f));
    const next = frames[i + 1];
    if (next && f.stack && f.stack !== 'task' && next.stack !== f.stack) {
      const label = f.stack === 'irq' ? 'IRQ stack' : f.stack === 'nmi' ? 'NMI exception stack' : 'exception stack';
      lines.push(`--- <${label}> ---`);
    }
  });
  if (t.result.stopped) lines.push(`    (unwind stopped: ${escapeTerminal(t.result.stopped)})`);
  return lines.join('\n') + '\n';
}

export function btJson(t: TaskBacktrace): object {
  return {
    pid: t.task.pid, task: hex(t.task.address), cpu: t.task.cpu, comm: t.task.comm, start: t.start, stopped: t.result.stopped,
    frames: t.result.frames.map((f) => ({
      slot: hex(f.slot), address: hex(f.ip), function: f.symbol.function, offset: f.symbol.offset, size: f.symbol.size,
      module: f.symbol.module, symbol: formatLocation(f.symbol), reliable: f.reliable, stack: f.stack, how: f.how,
      ...(f.exception ? { exception: f.exception } : {}),
    })),
  };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runObjectsVerb(args, io, { verb: 'bt', usage: USAGE, options: { all: { type: 'boolean', short: 'a' } }, needs: '[PID] and one VMCORE', fits: (pos) => pos.length === 1 || (pos.length === 2 && /^\d+$/.test(pos[0]!)) }, { tasks: true, modules: true }, (a, dump, objs) => {
    const pid = a.positionals.length === 2 ? Number(a.positionals[0]) : null;
    let tasks;
    if (pid !== null) {
      tasks = objs.tasks.filter((t) => t.pid === pid);
      if (!tasks.length) return fail(io, `bt: no task with pid ${pid} in the dump's task list`, 1);
    } else if (a.values.all) {
      tasks = objs.tasks.filter((t) => t.active).sort((x, y) => (x.cpu ?? 0) - (y.cpu ?? 0));
    } else {
      const p = objs.panic.task ?? objs.tasks.find((t) => t.active && t.pid !== 0) ?? objs.tasks.find((t) => t.active);
      tasks = p ? [p] : [];
    }
    if (!tasks.length) return fail(io, `bt: ${a.file}: no active task found`, 1);
    const { traces, gaps } = readBacktraces(dump, objs, tasks);
    if (a.values.json) {
      io.stdout.write(JSON.stringify({ backtraces: traces.map(btJson), gaps: gapList([...objs.gaps, ...gaps]) }) + '\n');
    } else {
      io.stdout.write(traces.map(formatBt).join('\n'));
      reportGaps(io, a.file, [...objs.gaps, ...gaps]);
    }
    // The exit code counts the unwinder's gaps: what the object walk missed costs no frame here.
    return gaps.length || traces.some((t) => !t.result.frames.length) ? 1 : 0;
  });
}
