// Reader of syzkaller's crash-log test files (../shared/corpus/syzkaller-linux, format in its README):
// a header block up to the first empty line, then the log, then an optional `REPORT:` section.
// Used by scripts/eval-syzkaller.ts and the corpus test; the files themselves are never copied.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../util/repo.js';

export interface CorpusCase {
  name: string;
  log: string;
  /** '' when the file expects no crash. */
  title: string;
  alt: string[];
  type: string;
  frame: string | null;
  corrupted: boolean;
  suppressed: boolean;
  panicked: boolean;
  /** Text of the report's first line (START) and of its last line (END, defaults to START), '' if not given. */
  start: string;
  end: string;
}

/** Splits one test file (carriage returns are deleted first). */
export function parseCorpusFile(name: string, raw: string): CorpusCase {
  const data = raw.replace(/\r/g, '');
  const c: CorpusCase = {
    name, log: '', title: '', alt: [], type: '', frame: null, corrupted: false, suppressed: false, panicked: false,
    start: '', end: '',
  };
  const lines = data.split('\n');
  // A final newline leaves an empty last element that is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  for (; i < lines.length; i++) {
    const ln = lines[i]!;
    if (ln === '') {
      i++;
      break;
    }
    const kv = /^([A-Z]+): (.*)$/.exec(ln);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (key === 'TITLE') c.title = value;
    else if (key === 'ALT') c.alt.push(value);
    else if (key === 'TYPE') c.type = value;
    else if (key === 'FRAME') c.frame = value;
    else if (key === 'CORRUPTED') c.corrupted = value === 'Y';
    else if (key === 'SUPPRESSED') c.suppressed = value === 'Y';
    else if (key === 'PANICKED') c.panicked = value === 'Y';
    else if (key === 'START') c.start = value;
    else if (key === 'END') c.end = value;
  }
  const log: string[] = [];
  let prevEmpty = false;
  for (; i < lines.length; i++) {
    const ln = lines[i]!;
    if (prevEmpty && ln === 'REPORT:') break;
    log.push(ln, '\n');
    prevEmpty = ln === '';
  }
  c.log = log.join('');
  return c;
}

export { repoRoot };

/** `<repo>/../shared/corpus/syzkaller-linux`. */
export function corpusDir(): string {
  return join(repoRoot(), '..', 'shared', 'corpus', 'syzkaller-linux');
}

/** All numbered files of the corpus, in numeric order; null when the folder is missing. */
export function readCorpus(dir = corpusDir()): CorpusCase[] | null {
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir).filter((n) => /^[0-9]+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  return names.map((n) => parseCorpusFile(n, readFileSync(join(dir, n), 'utf8')));
}
