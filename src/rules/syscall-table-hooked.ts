// syscall-table-hooked: sys_call_table entries (x86_64 and ia32 tables, from `sys -c`) that point outside
// kernel text: `invalid sys_call_table entry`, targets crash cannot name, or targets in module memory.
// Names the hooked system calls by number and, from the panicking task's exception frame (ORIG_RAX, else
// RAX), the system call it was in.

import type { Evidence, SyscallEntry } from '../model/types.js';
import { normHex, parseHex, refEvidence } from '../analysis/evidence.js';
import { syscallName } from '../readers/crash-session/syscalls.js';
import { hiddenModuleAt, moduleOwning } from '../analysis/dump.js';
import { finding, type Rule } from './types.js';

function isHooked(e: SyscallEntry, owner: string | null): boolean {
  return e.suspicious || e.name === null || owner !== null || (e.name !== null && /\[[\w-]+\]/.test(e.name));
}

export const rule: Rule = {
  id: 'syscall-table-hooked',
  run(ctx) {
    const table = ctx.draft.dump?.syscallTable ?? [];
    const hooked: { table: string; number: number; syscall: string | null; address: string; owner: string | null }[] = [];
    const evidence: Evidence[] = [];
    for (const e of table.slice(0, 5000)) {
      // The owner: a listed module's memory, else a hidden module's (a vmcore's mod_tree/vmap areas), else
      // what the dump reader named (`none` when no module memory holds the target).
      const hid = hiddenModuleAt(ctx.draft, e.address);
      const owner = moduleOwning(ctx.draft, e.address) ?? (hid ? `${hid.name} (hidden)` : null) ?? (e.owner && e.owner !== 'none' ? e.owner : null);
      if (!isHooked(e, owner)) continue;
      const name = e.syscall ?? syscallName(e.table, e.number);
      // The same entry seen by two inputs (a crash session's `sys -c` and the vmcore's own table) counts once.
      const seen = hooked.find((h) => h.table === e.table && h.number === e.number && normHex(h.address) === normHex(e.address));
      if (seen) {
        if (!seen.owner && owner) seen.owner = owner;
        if (evidence.length < 20) evidence.push(refEvidence(e.source, e.raw ?? `${e.table} ${e.number} (${name ?? '?'}) -> ${e.name ?? 'invalid entry'} ${e.address}${owner ? ` [${owner}]` : ''}`));
        continue;
      }
      hooked.push({ table: e.table, number: e.number, syscall: name, address: e.address, owner: owner ?? (e.owner === 'none' ? 'none' : null) });
      if (evidence.length < 20) evidence.push(refEvidence(e.source, e.raw ?? `${e.table} ${e.number} (${name ?? '?'}) -> ${e.name ?? 'invalid entry'} ${e.address}${owner ? ` [${owner}]` : ''}`));
    }
    if (hooked.length === 0) return [];
    // The system call the panicking task was in: ORIG_RAX (or RAX) of the user-mode exception frame.
    let inSyscall: { number: number; name: string | null; hooked: boolean } | null = null;
    for (const bt of ctx.draft.dump?.backtraces ?? []) {
      for (const ex of bt.exceptions) {
        const raw = ex.origRax ?? ex.registers['ORIG_RAX'] ?? ex.registers['RAX'] ?? null;
        const v = parseHex(raw);
        if (v === null || v > 1000n) continue;
        const nr = Number(v);
        const tableKind = hooked.some((h) => h.table === 'ia32') && !hooked.some((h) => h.table === 'x64') ? 'ia32' : 'x64';
        inSyscall = { number: nr, name: syscallName(tableKind, nr), hooked: hooked.some((h) => h.number === nr && h.table === tableKind) };
        evidence.push(refEvidence(bt.source, `PID ${bt.pid ?? '?'} (${bt.comm ?? '?'}) exception frame: ORIG_RAX/RAX = ${raw} -> system call ${nr} (${inSyscall.name ?? '?'})`));
        break;
      }
      if (inSyscall) break;
    }
    const names = hooked.slice(0, 8).map((h) => `${h.syscall ?? '#' + h.number} (${h.table} ${h.number} -> 0x${h.address.replace(/^0x/, '')}${h.owner ? `, ${h.owner === 'none' ? 'no module' : h.owner}` : ''})`);
    let summary = `System call table hooked: ${hooked.length} entr${hooked.length > 1 ? 'ies point' : 'y points'} outside kernel text: ${names.join(', ')}`;
    if (inSyscall) summary += `; the panicking task was in system call ${inSyscall.number} (${inSyscall.name ?? '?'})${inSyscall.hooked ? ', one of the hooked ones' : ''}`;
    return [finding('syscall-table-hooked', 'critical', summary, evidence, [], { hooked, inSyscall })];
  },
};
