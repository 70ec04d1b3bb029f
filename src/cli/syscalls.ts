// `ktriage syscalls VMCORE` (--json): the system call table like crash's `sys -c`, each entry resolved with
// the dump's kallsyms and module symbols, and its owner (core kernel text, a module, a hidden module, none)
// in place of crash's file and line number.
import { formatSyscalls, syscallsJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { answer, failGaps, runObjectsVerb, SOURCE_HELP, SOURCE_USAGE } from './vmcore-verb.js';

export const USAGE = `usage: ktriage syscalls [--json] ${SOURCE_USAGE} VMCORE

The x86_64 system call table (sys_call_table) of a vmcore, like crash's \`sys -c\`: NUM and SYSTEM
CALL as crash prints them ("invalid sys_call_table entry: ADDR" when no symbol owns the target).
There is no debuginfo, so no FILE AND LINE NUMBER: the OWNER column says where each target lies:
"core kernel text", or HOOKED: the module (listed or hidden) whose memory holds it, or that nothing
does. The table's length is the distance to the next symbol less trailing zeros (451 on 6.1).
  --json   {"syscalls": [{number, slot, target, symbol, inCoreText, owner, hiddenOwner, hooked}],
           "hooked": count, "gaps": [...]}
${SOURCE_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runObjectsVerb(args, io, { verb: 'syscalls', usage: USAGE }, { modules: true, syscalls: true }, (a, _dump, objs) => {
    if (!objs.syscalls.length) return failGaps(io, a.file, objs.gaps, 'no system call table read');
    return answer(io, a, objs.gaps, () => ({ syscalls: syscallsJson(objs.syscalls), hooked: objs.syscalls.filter((s) => !s.inCoreText).length }), () => formatSyscalls(objs.syscalls));
  });
}
