// `ktriage rd [-a] ADDR|SYMBOL [COUNT] VMCORE` (--json): kernel memory shaped like crash's `rd` (64-bit
// words with their ASCII) and `rd -a` (printable strings), from the dump alone. Reading is in
// src/readers/vmcore/memread.ts, formatting in src/report/crash.ts.
import { readCoreSymbols } from '../readers/vmcore/symbol-files.js';
import { readKernelObjects } from '../readers/vmcore/objects.js';
import { readAscii, readWords, resolveAddress, MAX_RD_BYTES, MAX_RD_WORDS, type MemGap } from '../readers/vmcore/memread.js';
import { formatRdAscii, formatRdWords, hex16 } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { type GapLike, SOURCE_HELP, SOURCE_USAGE, answer, fail, gapList, parseVerbArgs, withDump } from './vmcore-verb.js';

export const USAGE = `usage: ktriage rd [--json] ${SOURCE_USAGE} [-a] ADDR|SYMBOL [COUNT] VMCORE

Kernel memory of a vmcore, as crash's \`rd\` prints it: COUNT 64-bit words (default 1, at most
${MAX_RD_WORDS}), two a line with their bytes as ASCII. ADDR is hex (0x optional) or a symbol of the
dump's kallsyms or of a module's symbol table, with an optional +OFFSET (decimal or 0x hex).
  -a       crash's \`rd -a\`: the printable ASCII strings in COUNT bytes (at most ${MAX_RD_BYTES}), each at
           its address, a new line every 60 characters; without COUNT, the one string at ADDR
  --json   {"address", "symbol", "words": [hex or null]} or {"address", "symbol", "strings":
           [{address, text}]}, with "gaps" naming the ranges not in the dump (shown as ???? in text)
${SOURCE_HELP}`;

function parseCount(s: string): number | null {
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return Number(BigInt(s));
  if (/^\d{1,9}$/.test(s)) return Number(s);
  return null;
}

function memGaps(gaps: MemGap[]): string[] {
  return gaps.map((g) => `${g.length} byte(s) at ${hex16(g.address)} not readable: ${g.why}`);
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseVerbArgs(args, io, { verb: 'rd', usage: USAGE, options: { ascii: { type: 'boolean', short: 'a' } }, needs: 'ADDR|SYMBOL, an optional COUNT and one VMCORE', fits: (pos) => pos.length >= 2 && pos.length <= 3 });
  if (typeof a === 'number') return a;
  const pos = a.positionals;
  const arg = pos[0]!;
  const count = pos.length === 3 ? parseCount(pos[1]!) : null;
  if (pos.length === 3 && (count === null || count < 1)) return fail(io, `rd: ${pos[1]}: COUNT must be a positive number`);
  return withDump(a.file, io, async (dump) => {
    try {
      const gaps: GapLike[] = [];
      // Unambiguous addresses need no symbol table; a short bare hex string may be a symbol's name.
      const numeric = /^0x[0-9a-f]{1,16}$/i.test(arg) || /^[0-9a-f]{16}$/i.test(arg);
      const ks = numeric ? null : readCoreSymbols(dump, a.sources);
      let at = resolveAddress(ks?.table ?? null, arg);
      if (typeof at === 'string' && !numeric && ks?.table) {
        // Not a core symbol: a module's (the module symbol tables need BTF and the module list).
        const objs = readKernelObjects(dump, { parts: { modules: true, tasks: false, syscalls: false, strings: false }, sources: a.sources }, ks.table);
        if (objs.symbols) at = resolveAddress(objs.symbols, arg);
      }
      if (typeof at === 'string') return fail(io, `rd: ${at}${ks && !ks.table ? ` (${gapList(ks.gaps).join('; ')})` : ''}`);
      const head = { address: hex16(at.address), symbol: at.symbol };
      if (a.values.ascii) {
        const r = readAscii(dump, at.address, count);
        gaps.push(...memGaps(r.gaps));
        return answer(io, a, gaps, () => ({ ...head, strings: r.lines.map((l) => ({ address: hex16(l.address), text: l.text })), scanned: r.scanned }), () => formatRdAscii(r));
      }
      const r = readWords(dump, at.address, count ?? 1);
      if ((count ?? 1) > MAX_RD_WORDS) gaps.push(`COUNT capped at ${MAX_RD_WORDS} words`);
      gaps.push(...memGaps(r.gaps));
      return answer(io, a, gaps, () => ({ ...head, words: r.words.map((w) => (w === null ? null : hex16(w))) }), () => formatRdWords(r));
    } catch (e) {
      return fail(io, `rd: ${a.file}: ${(e as Error).message}`);
    }
  });
}
