// `ktriage sys VMCORE` (--json): the system facts shaped like crash's `sys`, from the dump alone.
import { KernelContext } from '../readers/vmcore/kernel.js';
import { readSysInfo, panicMessage } from '../readers/vmcore/sysinfo.js';
import { readKernelLog } from '../readers/vmcore/printk.js';
import { buildSysView, formatSys, sysJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { type GapLike, gapList, objectsOrFail, openDump, parseVerbArgs, reportGaps } from './vmcore-verb.js';

export const USAGE = `usage: ktriage sys [--json] VMCORE

The system facts of a vmcore, as crash's \`sys\` prints them, without debuginfo: KERNEL (none: the
dump's own kallsyms and BTF; [TAINTED] from tainted_mask), DUMPFILE ([PARTIAL DUMP] when filtered),
CPUS (present; [OFFLINE: n] when fewer are online), DATE (the timekeeper's xtime_sec as crash reads
it, else VMCOREINFO's CRASHTIME, in UTC), UPTIME (jiffies_64 over HZ as crash counts it; HZ is not in the dump and is
the common value that agrees with the timekeeper), LOAD AVERAGE, TASKS (every task of the kernel's
list and the idle tasks: crash 8.0.2 counts 3-4 on 6.1 kernels), NODENAME, RELEASE, VERSION,
MACHINE (cpu_khz), MEMORY (the nodes' present pages) and PANIC (the log line crash would pick).
  --json   the same fields as a JSON object, plus "gaps"
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const p = parseVerbArgs(args, io, USAGE);
  if (typeof p === 'number') return p;
  if (p.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (p.positionals.length !== 1) {
    io.stderr.write(`ktriage: sys needs exactly one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = p.positionals[0]!;
  const dump = openDump(file, io);
  if (typeof dump === 'number') return dump;
  try {
    const objs = objectsOrFail(dump, file, io, { tasks: true });
    if (typeof objs === 'number') return objs;
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
    const view = buildSysView({ file, dump, objs, info, panic });
    if (p.values.json) {
      io.stdout.write(JSON.stringify({ ...sysJson(view), hz: info.hz, gaps: gapList(gaps) }) + '\n');
      return gaps.length ? 1 : 0;
    }
    io.stdout.write(formatSys(view));
    return reportGaps(io, file, gaps);
  } finally {
    dump.close();
  }
}
