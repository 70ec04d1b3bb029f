// `ktriage ps VMCORE` (--json): the dump's tasks shaped like crash's `ps`, from the kernel's own task list
// (no debug vmlinux). src/report/crash.ts formats; the readers read.
import { KernelContext } from '../readers/vmcore/kernel.js';
import { readTaskMemory } from '../readers/vmcore/taskmem.js';
import { readHighMemoryPages } from '../readers/vmcore/sysinfo.js';
import { cpusJson, formatPs, psJson, psRows } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { answer, fail, gapList, runObjectsVerb, SOURCE_HELP, SOURCE_USAGE } from './vmcore-verb.js';

export const USAGE = `usage: ktriage ps [--json] ${SOURCE_USAGE} VMCORE

The tasks of a vmcore, as crash's \`ps\` prints them, read from the kernel's own structures without
debuginfo: the init_task.tasks list with every thread group's threads, plus each CPU's idle task
(swapper/N) from its runqueue. \`>\` marks the task each CPU was running (its per-CPU current task);
kernel threads are in [brackets]; ST is crash's state (RU IN UN ID ST TR ZO DE PA; TASK_IDLE is ID).
VSZ and RSS (KiB) come from each task's mm (total_vm; the file, anon and shmem rss counters, with the
threads' unsynced SPLIT_RSS_COUNTING deltas on <= 6.1); %MEM divides RSS by high_memory's page number,
as crash does. RSS counts shmem pages as the kernel and crash >= 8.0.4 do (crash 8.0.2 leaves them
out: programs run from an initramfs show a much smaller RSS there). Kernel threads show 0.0/0/0. Where the dump's BTF lacks those layouts or a
task's mm is not in the dump, the columns print '-' and the JSON fields are null.
Unlike crash 8.0.2 on 6.1 kernels (which finds only the active and idle tasks), every task is listed.
  --json   {"tasks": [{pid, ppid, cpu, task, st, state, rawState, active, pctMem, vsz, rss, rssShmem, comm,
           kernelThread, foundBy}], "cpus": [{cpu, current, rqCurr, idle, switching}] (switching: the
           runqueue's curr is not the CPU's current task, crash's "inconsistent active task
           indications"), "memory": how RSS was counted or null, "gaps": [...]}
${SOURCE_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runObjectsVerb(args, io, { verb: 'ps', usage: USAGE }, { tasks: true }, (a, dump, objs) => {
    const k = new KernelContext(dump, objs.symbols!, objs.btf!);
    const mem = readTaskMemory(k, objs.tasks, objs.nrCpus);
    const rows = psRows(objs.tasks, mem, readHighMemoryPages(k), dump.mem.pageSize);
    const gaps = [...objs.gaps, ...k.gaps];
    if (!rows.length) return fail(io, `ps: ${a.file}: no task could be read${gaps.length ? ` (${gapList(gaps).join('; ')})` : ''}`);
    return answer(io, a, gaps, () => ({ tasks: psJson(rows), cpus: cpusJson(objs.cpus), memory: mem.method }), () => formatPs(rows));
  });
}
