// The x86_64 system call table (`sys_call_table`, rodata) read out of the dump, like crash's `sys -c`:
// every entry resolved to a symbol; an entry outside core kernel text (_stext.._etext) is marked and named
// with the module whose memory holds it (listed or hidden) or "none". The table's length is not in the
// dump: the distance to the next symbol, less trailing zero padding (451 entries on 6.1). 6.1.192
// dispatches through x64_sys_call() (a switch), so hooked entries are not called, but they are evidence.
import { type KernelContext, hex } from './kernel.js';
import { type KernelModule, moduleAt } from './modules.js';
import { formatSymbol } from './kallsyms.js';

export interface SyscallSlot {
  number: number;
  /** The entry's own address in the table and its target. */
  slot: bigint;
  target: bigint;
  /** `__x64_sys_read` or `func+0x0/0x40 [mod]`; null when no symbol owns the target. */
  symbol: string | null;
  inCoreText: boolean;
  /** For targets outside core text: the owning module's name, `(hidden)`, or `none`. */
  owner: string | null;
  hiddenOwner: boolean;
}

export const MAX_SYSCALLS = 2048;

export function readSyscallTable(k: KernelContext, mods: KernelModule[]): SyscallSlot[] {
  const table = k.sym('sys_call_table');
  if (table === null) {
    k.gap('sys_call_table: kallsyms has no symbol sys_call_table');
    return [];
  }
  const here = k.symbols.lookup(table);
  let n = here && here.size !== null ? Number(here.size / 8n) : 0;
  if (n <= 0 || n > MAX_SYSCALLS) n = 512;
  let raw: Buffer;
  try {
    raw = k.bytes(table, n * 8, 'sys_call_table');
  } catch (e) {
    k.gap(`sys_call_table: ${(e as Error).message}`);
    return [];
  }
  while (n > 0 && raw.readBigUInt64LE((n - 1) * 8) === 0n) n--;
  const stext = k.sym('_stext');
  const etext = k.sym('_etext');
  const out: SyscallSlot[] = [];
  for (let i = 0; i < n; i++) {
    const target = raw.readBigUInt64LE(i * 8);
    const inCore = stext !== null && etext !== null && target >= stext && target < etext;
    const hit = k.symbols.lookup(target);
    let owner: string | null = null;
    let hiddenOwner = false;
    if (!inCore) {
      const m = moduleAt(mods, target);
      owner = m ? (m.name ?? `(hidden module at ${hex(m.base)})`) : 'none';
      hiddenOwner = m?.hidden ?? false;
    }
    out.push({
      number: i, slot: table + BigInt(i * 8), target,
      symbol: hit ? (inCore && hit.offset === 0n ? hit.name : formatSymbol(hit)) : null,
      inCoreText: inCore, owner, hiddenOwner,
    });
  }
  return out;
}
