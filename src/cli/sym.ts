// `ktriage sym ADDR|NAME VMCORE`: an address to `func+0xoff/0xsize` or a name to its address(es), from the
// dump's own kallsyms (no debug vmlinux). Lines shaped like crash's `sym`: `ADDRESS (TYPE) SYMBOL`.
import { parseArgs } from 'node:util';
import { Dump } from '../readers/vmcore/dump.js';
import { querySymbol } from '../readers/vmcore/kallsyms.js';
import { readCoreSymbols } from '../readers/vmcore/symbol-files.js';
import { SOURCE_HELP, SOURCE_OPTIONS, sourcesFrom } from './vmcore-sources.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';

export const USAGE = 'usage: ktriage sym [--json] [--system-map FILE | --kallsyms FILE] ADDR|NAME VMCORE';

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...SOURCE_OPTIONS } });
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal((err as Error).message.split('\n')[0]!)} (${USAGE})\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.stdout.write(`${USAGE}\n  resolves an address or a symbol name with the vmcore's own kallsyms\n${SOURCE_HELP}`);
    return 0;
  }
  const sources = sourcesFrom(parsed.values);
  if (typeof sources === 'string') {
    io.stderr.write(`ktriage: sym: ${sources} (${USAGE})\n`);
    return 2;
  }
  if (parsed.positionals.length !== 2) {
    io.stderr.write(`ktriage: sym needs ADDR|NAME and one VMCORE (${USAGE})\n`);
    return 2;
  }
  const [arg, file] = parsed.positionals as [string, string];
  let dump: Dump;
  try {
    dump = new Dump(file);
  } catch (err) {
    io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${(err as Error).message}`.split('\n')[0]!)}\n`);
    return 2;
  }
  try {
    const k = readCoreSymbols(dump, sources);
    if (!k.table) {
      io.stderr.write(`ktriage: ${escapeTerminal(`${file}: ${k.gaps.map((g) => g.what).join('; ')}`)}\n`);
      return 2;
    }
    const rows = querySymbol(k.table, arg);
    if (parsed.values.json) {
      const out = rows.map((r) => ({ address: r.address.toString(16).padStart(16, '0'), type: r.type, symbol: r.text, name: r.hit?.name ?? r.text, offset: r.hit ? Number(r.hit.offset) : 0, size: r.hit?.size != null ? Number(r.hit.size) : null, module: r.hit?.module ?? null }));
      io.stdout.write(JSON.stringify({ query: arg, encoding: k.source, symbols: out, ...(k.gaps.length ? { gaps: k.gaps.map((g) => g.what) } : {}) }) + '\n');
      return rows.length && !k.gaps.length ? 0 : 1;
    }
    if (!rows.length) {
      io.stderr.write(`ktriage: sym: ${escapeTerminal(arg)}: no such symbol or address outside the kernel's symbols\n`);
      return 1;
    }
    for (const r of rows) io.stdout.write(`${r.address.toString(16).padStart(16, '0')} (${escapeTerminal(r.type)}) ${escapeTerminal(r.text)}\n`);
    // A symbol file read in part or relocated on a guess: the answer stands, the doubt is named.
    for (const g of k.gaps) io.stderr.write(`ktriage: sym: ${escapeTerminal(g.what)}\n`);
    return k.gaps.length ? 1 : 0;
  } finally {
    dump.close();
  }
}
