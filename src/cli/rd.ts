// `ktriage rd [-a] ADDR|SYMBOL [COUNT] VMCORE` (--json): kernel memory shaped like crash's `rd` (64-bit
// words with their ASCII) and `rd -a` (printable strings), from the dump alone. Reading is in
// src/readers/vmcore/memread.ts, formatting in src/report/crash.ts.
import { readKallsyms } from '../readers/vmcore/kallsyms.js';
import { readKernelObjects } from '../readers/vmcore/objects.js';
import { readAscii, readWords, resolveAddress, MAX_RD_BYTES, MAX_RD_WORDS, type MemGap } from '../readers/vmcore/memread.js';
import { formatRdAscii, formatRdWords, hex16 } from '../report/crash.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';
import { type GapLike, gapList, openDump, parseVerbArgs, reportGaps } from './vmcore-verb.js';

export const USAGE = `usage: ktriage rd [--json] [-a] ADDR|SYMBOL [COUNT] VMCORE

Kernel memory of a vmcore, as crash's \`rd\` prints it: COUNT 64-bit words (default 1, at most
${MAX_RD_WORDS}), two a line with their bytes as ASCII. ADDR is hex (0x optional) or a symbol of the
dump's kallsyms or of a module's symbol table, with an optional +OFFSET (decimal or 0x hex).
  -a       crash's \`rd -a\`: the printable ASCII strings in COUNT bytes (at most ${MAX_RD_BYTES}), each at
           its address, a new line every 60 characters; without COUNT, the one string at ADDR
  --json   {"address", "symbol", "words": [hex or null]} or {"address", "symbol", "strings":
           [{address, text}]}, with "gaps" naming the ranges not in the dump (shown as ???? in text)
`;

function parseCount(s: string): number | null {
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return Number(BigInt(s));
  if (/^\d{1,9}$/.test(s)) return Number(s);
  return null;
}

function memGaps(gaps: MemGap[]): string[] {
  return gaps.map((g) => `${g.length} byte(s) at ${hex16(g.address)} not readable: ${g.why}`);
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const p = parseVerbArgs(args, io, USAGE, { ascii: { type: 'boolean', short: 'a' } });
  if (typeof p === 'number') return p;
  if (p.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const pos = p.positionals;
  if (pos.length < 2 || pos.length > 3) {
    io.stderr.write(`ktriage: rd needs ADDR|SYMBOL, an optional COUNT and one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = pos[pos.length - 1]!;
  const arg = pos[0]!;
  const count = pos.length === 3 ? parseCount(pos[1]!) : null;
  if (pos.length === 3 && (count === null || count < 1)) {
    io.stderr.write(`ktriage: ${escapeTerminal(`rd: ${pos[1]}: COUNT must be a positive number`)}\n`);
    return 2;
  }
  const dump = openDump(file, io);
  if (typeof dump === 'number') return dump;
  try {
    const gaps: GapLike[] = [];
    // Unambiguous addresses need no symbol table; a short bare hex string may be a symbol's name.
    const numeric = /^0x[0-9a-f]{1,16}$/i.test(arg) || /^[0-9a-f]{16}$/i.test(arg);
    const ks = numeric ? null : readKallsyms(dump);
    let at = resolveAddress(ks?.table ?? null, arg);
    if (typeof at === 'string' && !numeric && ks?.table) {
      // Not a core symbol: a module's (the module symbol tables need BTF and the module list).
      const objs = readKernelObjects(dump, { parts: { modules: true, tasks: false, syscalls: false, strings: false } }, ks.table);
      if (objs.symbols) at = resolveAddress(objs.symbols, arg);
    }
    if (typeof at === 'string') {
      io.stderr.write(`ktriage: ${escapeTerminal(`rd: ${at}${ks && !ks.table ? ` (${ks.gaps.map((g) => g.what).join('; ')})` : ''}`)}\n`);
      return 2;
    }
    const head = { address: hex16(at.address), symbol: at.symbol };
    if (p.values.ascii) {
      const r = readAscii(dump, at.address, count);
      gaps.push(...memGaps(r.gaps));
      if (p.values.json) io.stdout.write(JSON.stringify({ ...head, strings: r.lines.map((l) => ({ address: hex16(l.address), text: l.text })), scanned: r.scanned, gaps: gapList(gaps) }) + '\n');
      else io.stdout.write(formatRdAscii(r));
    } else {
      const r = readWords(dump, at.address, count ?? 1);
      if ((count ?? 1) > MAX_RD_WORDS) gaps.push(`COUNT capped at ${MAX_RD_WORDS} words`);
      gaps.push(...memGaps(r.gaps));
      if (p.values.json) io.stdout.write(JSON.stringify({ ...head, words: r.words.map((w) => (w === null ? null : hex16(w))), gaps: gapList(gaps) }) + '\n');
      else io.stdout.write(formatRdWords(r));
    }
    return p.values.json ? (gaps.length ? 1 : 0) : reportGaps(io, file, gaps);
  } catch (e) {
    io.stderr.write(`ktriage: ${escapeTerminal(`rd: ${file}: ${(e as Error).message}`.split('\n')[0]!)}\n`);
    return 2;
  } finally {
    dump.close();
  }
}
