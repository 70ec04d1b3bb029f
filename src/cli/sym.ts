// `ktriage sym ADDR|NAME VMCORE`: an address to `func+0xoff/0xsize` or a name to its address(es), from the
// dump's own kallsyms (no debug vmlinux). Lines shaped like crash's `sym`: `ADDRESS (TYPE) SYMBOL`.
import { querySymbol } from '../readers/vmcore/kallsyms.js';
import { readCoreSymbols } from '../readers/vmcore/symbol-files.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';
import { SOURCE_HELP, SOURCE_USAGE, fail, failGaps, gapList, parseVerbArgs, reportGaps, withDump } from './vmcore-verb.js';

export const USAGE = `usage: ktriage sym [--json] ${SOURCE_USAGE} ADDR|NAME VMCORE

An address (hex) to \`func+0xoff/0xsize\` or a symbol name to its address(es), resolved with the
vmcore's own kallsyms; lines shaped like crash's \`sym\`: ADDRESS (TYPE) SYMBOL.
  --json   {"query", "encoding", "symbols": [{address, type, symbol, name, offset, size, module}], "gaps"?}
${SOURCE_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseVerbArgs(args, io, { verb: 'sym', usage: USAGE, needs: 'ADDR|NAME and one VMCORE', fits: (pos) => pos.length === 2 });
  if (typeof a === 'number') return a;
  const arg = a.positionals[0]!;
  return withDump(a.file, io, (dump) => {
    const k = readCoreSymbols(dump, a.sources);
    if (!k.table) return failGaps(io, a.file, k.gaps, 'no kallsyms');
    const rows = querySymbol(k.table, arg);
    if (a.values.json) {
      const out = rows.map((r) => ({ address: r.address.toString(16).padStart(16, '0'), type: r.type, symbol: r.text, name: r.hit?.name ?? r.text, offset: r.hit ? Number(r.hit.offset) : 0, size: r.hit?.size != null ? Number(r.hit.size) : null, module: r.hit?.module ?? null }));
      io.stdout.write(JSON.stringify({ query: arg, encoding: k.source, symbols: out, ...(k.gaps.length ? { gaps: gapList(k.gaps) } : {}) }) + '\n');
      return rows.length && !k.gaps.length ? 0 : 1;
    }
    if (!rows.length) return fail(io, `sym: ${arg}: no such symbol or address outside the kernel's symbols`, 1);
    for (const r of rows) io.stdout.write(`${r.address.toString(16).padStart(16, '0')} (${escapeTerminal(r.type)}) ${escapeTerminal(r.text)}\n`);
    // A symbol file read in part or relocated on a guess: the answer stands, the doubt is named.
    return reportGaps(io, a.file, k.gaps);
  });
}
