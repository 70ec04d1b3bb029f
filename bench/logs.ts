// bench/logs: builds a >= 1 GB kernel log by repeating the syzkaller corpus logs and the lab console logs,
// then measures, in the same run on the same file, `ktriage analyze --json` against `grep -c 'Call Trace'`.
// Prints MB/s for both, their ratio and ktriage's peak RSS. Usage: npm run bench -- logs [--size-mb N]
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { repoRoot, sharedDir, measure, type Measurement } from './util.js';

/** Strips a syzkaller corpus file down to its console log (README of the corpus: headers, blank line, log, optional REPORT:). */
function corpusLog(raw: string): string {
  const text = raw.replace(/\r/g, '');
  const blank = text.indexOf('\n\n');
  let log = blank < 0 ? '' : text.slice(blank + 2);
  const rep = log.indexOf('\n\nREPORT:\n');
  if (rep >= 0) log = log.slice(0, rep + 1);
  return log;
}

export async function buildLog(path: string, sizeMb: number): Promise<number> {
  const shared = sharedDir();
  const pieces: string[] = [];
  const corpus = join(shared, 'corpus', 'syzkaller-linux');
  if (existsSync(corpus)) {
    for (const f of readdirSync(corpus).filter((n) => /^\d+$/.test(n)).sort()) pieces.push(corpusLog(readFileSync(join(corpus, f), 'utf8')));
  }
  const lab = join(shared, 'lab', 'out');
  if (existsSync(lab)) {
    for (const s of readdirSync(lab).sort()) {
      const p = join(lab, s, 'console.log');
      if (existsSync(p)) pieces.push(readFileSync(p, 'latin1'));
    }
  }
  if (pieces.length === 0) pieces.push(readFileSync(join(repoRoot(), 'samples', 'oops-null-module.console.log'), 'latin1'));
  const block = Buffer.from(pieces.join('\n'), 'latin1');
  const target = sizeMb * 1024 * 1024;
  const out = createWriteStream(path);
  let written = 0;
  while (written < target) {
    if (!out.write(block)) await once(out, 'drain');
    written += block.length;
  }
  out.end();
  await once(out, 'finish');
  return written;
}

function row(name: string, m: Measurement, bytes: number): string {
  const mbs = bytes / 1e6 / (m.wallMs / 1000);
  const rss = m.maxRssKb == null ? 'n/a' : `${(m.maxRssKb / 1024).toFixed(0)} MB`;
  return `${name.padEnd(28)} ${m.wallMs.toFixed(0).padStart(8)} ms ${mbs.toFixed(1).padStart(9)} MB/s   peak RSS ${rss}`;
}

export async function benchLogs(args: string[]): Promise<string> {
  const i = args.indexOf('--size-mb');
  const sizeMb = i >= 0 ? Number(args[i + 1]) : 1024;
  const dir = join(repoRoot(), 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `big-${sizeMb}mb.log`);
  if (!existsSync(path) || statSync(path).size < sizeMb * 1024 * 1024) await buildLog(path, sizeMb);
  const bytes = statSync(path).size;
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'bin.js');
  const grep = measure('grep', ['-c', 'Call Trace', path]);
  const kt = measure(process.execPath, [cli, 'analyze', '--json', path], { node: true });
  const lines = [
    `bench/logs: ${(bytes / 1e6).toFixed(0)} MB log (${path.replace(repoRoot() + '/', '')}), one run each, same machine, same file`,
    row("grep -c 'Call Trace'", grep, bytes),
    row('ktriage analyze --json', kt, bytes),
    `ratio ktriage/grep wall: ${(kt.wallMs / grep.wallMs).toFixed(2)}x; ktriage exit ${kt.status}`,
  ];
  writeFileSync(join(dir, 'logs.txt'), lines.join('\n') + '\n');
  return lines.join('\n');
}

