// `ktriage sys VMCORE` (--json): the system facts shaped like crash's `sys`, from the dump alone.
import { KernelContext } from '../readers/vmcore/kernel.js';
import { readSysInfo, panicMessage } from '../readers/vmcore/sysinfo.js';
import { readKernelLog } from '../readers/vmcore/printk.js';
import { buildSysView, formatSys, sysJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { answer, type GapLike, runObjectsVerb, SOURCE_HELP, SOURCE_USAGE } from './vmcore-verb.js';

export const USAGE = `usage: ktriage sys [--json] ${SOURCE_USAGE} VMCORE

The system facts of a vmcore, as crash's \`sys\` prints them, without debuginfo: KERNEL (none: the
dump's own kallsyms and BTF; [TAINTED] from tainted_mask), DUMPFILE ([PARTIAL DUMP] when filtered),
CPUS (present; [OFFLINE: n] when fewer are online), DATE (the timekeeper's xtime_sec as crash reads
it, else VMCOREINFO's CRASHTIME, in UTC), UPTIME (jiffies_64 over HZ as crash counts it; HZ is not in the dump and is
the common value that agrees with the timekeeper), LOAD AVERAGE, TASKS (every task of the kernel's
list and the idle tasks: crash 8.0.2 counts 3-4 on 6.1 kernels), NODENAME, RELEASE, VERSION,
MACHINE (cpu_khz), MEMORY (the nodes' present pages) and PANIC (the log line crash would pick).
  --json   the same fields as a JSON object, plus "gaps"
${SOURCE_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runObjectsVerb(args, io, { verb: 'sys', usage: USAGE }, { tasks: true }, (a, dump, objs) => {
    const k = new KernelContext(dump, objs.symbols!, objs.btf!);
    const info = readSysInfo(k, objs.nrCpus, objs.stats?.uptimeNs ?? null);
    const gaps: GapLike[] = [...objs.gaps, ...k.gaps];
    let panic: string | null = null;
    try {
      const log = readKernelLog(dump);
      panic = panicMessage(log.records);
      gaps.push(...log.gaps.map((g) => g.what));
    } catch (e) {
      gaps.push(`log (for PANIC): ${(e as Error).message}`);
    }
    const view = buildSysView({ file: a.file, dump, objs, info, panic });
    return answer(io, a, gaps, () => ({ ...sysJson(view), hz: info.hz }), () => formatSys(view));
  });
}
