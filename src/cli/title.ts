// `ktriage title FILE...`: the first crash's syzbot-style title; NAME<TAB>TITLE per file for several files.
import { parseArgs } from 'node:util';
import { analyze, type AnalyzeInput } from '../analyze.js';
import { escapeTerminal } from '../util/escape.js';
import { type CliIO, usageError, spoolStdin, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './io.js';
import { exitCodeOf } from './analyze.js';

/** `ktriage title --help` (src/cli/main.ts prints it for every command). */
export const USAGE = `usage: ktriage title [-H] FILE... | -

The first crash's syzbot-style title. With one file, the bare title; with several, NAME<TAB>TITLE per
file in the order given (an empty title: no crash).
  -H, --with-filename   print NAME<TAB>TITLE for one file too (as grep -H)
`;

export async function runTitle(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { 'with-filename': { type: 'boolean', short: 'H' } } });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const files = parsed.positionals;
  if (files.length === 0) return usageError(io, 'title needs at least one FILE (or - for standard input)');
  const withName = files.length > 1 || Boolean(parsed.values['with-filename']);
  let code = EXIT_OK;
  let readAny = false;
  for (const f of files) {
    const spooled = f === '-' ? await spoolStdin(io) : null;
    const input: AnalyzeInput = spooled ? { name: '-', path: spooled.path } : f;
    let report;
    try {
      report = analyze([input]);
    } finally {
      spooled?.remove();
    }
    const c = exitCodeOf(report);
    if (c === EXIT_USAGE) {
      const gap = report.gaps[0];
      io.stderr.write(`ktriage: ${escapeTerminal(gap ? `${gap.source}: ${gap.what}` : `${f}: cannot be read`)}\n`);
      code = Math.max(code, EXIT_PARTIAL);
      continue;
    }
    readAny = true;
    code = Math.max(code, c);
    const title = escapeTerminal(report.crash?.title ?? '');
    io.stdout.write(withName ? `${escapeTerminal(f)}\t${title}\n` : `${title}\n`);
  }
  return readAny ? code : EXIT_USAGE;
}
