// `ktriage syscalls VMCORE` (--json): the system call table like crash's `sys -c`, each entry resolved with
// the dump's kallsyms and module symbols, and its owner (core kernel text, a module, a hidden module, none)
// in place of crash's file and line number.
import { formatSyscalls, syscallsJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { gapList, objectsOrFail, openDump, parseVerbArgs, reportGaps } from './vmcore-verb.js';

export const USAGE = `usage: ktriage syscalls [--json] VMCORE

The x86_64 system call table (sys_call_table) of a vmcore, like crash's \`sys -c\`: NUM and SYSTEM
CALL as crash prints them ("invalid sys_call_table entry: ADDR" when no symbol owns the target).
There is no debuginfo, so no FILE AND LINE NUMBER: the OWNER column says where each target lies:
"core kernel text", or HOOKED: the module (listed or hidden) whose memory holds it, or that nothing
does. The table's length is the distance to the next symbol less trailing zeros (451 on 6.1).
  --json   {"syscalls": [{number, slot, target, symbol, inCoreText, owner, hiddenOwner, hooked}],
           "hooked": count, "gaps": [...]}
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const p = parseVerbArgs(args, io, USAGE);
  if (typeof p === 'number') return p;
  if (p.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (p.positionals.length !== 1) {
    io.stderr.write(`ktriage: syscalls needs exactly one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = p.positionals[0]!;
  const dump = openDump(file, io);
  if (typeof dump === 'number') return dump;
  try {
    const objs = objectsOrFail(dump, file, io, { modules: true, syscalls: true });
    if (typeof objs === 'number') return objs;
    if (!objs.syscalls.length) {
      reportGaps(io, file, objs.gaps.length ? objs.gaps : ['no system call table read']);
      return 2;
    }
    if (p.values.json) {
      io.stdout.write(JSON.stringify({ syscalls: syscallsJson(objs.syscalls), hooked: objs.syscalls.filter((s) => !s.inCoreText).length, gaps: gapList(objs.gaps) }) + '\n');
      return objs.gaps.length ? 1 : 0;
    }
    io.stdout.write(formatSyscalls(objs.syscalls));
    return reportGaps(io, file, objs.gaps);
  } finally {
    dump.close();
  }
}
