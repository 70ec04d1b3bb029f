// `npm run eval:syzkaller`: agreement of ktriage's titles with syzkaller's expected results on
// <repo>/../shared/corpus/syzkaller-linux (an evaluation, not a test). Exit 0 when the corpus was
// read, 2 when it is missing.
import { findFirstCrash } from '../src/title/index.js';
import { analyze } from '../src/analyze.js';
import { corpusDir, readCorpus, type CorpusCase } from '../src/title/syzcorpus.js';

/** The result for one log. THE function to point at another pipeline (e.g. the full ktriage analyze). */
export interface TitleResult {
  title: string;
  altTitles: string[];
  type: string;
  corrupted: boolean;
  /** Optional extras, checked when present. */
  frame?: string | null;
  suppressed?: boolean;
  panicked?: boolean;
  start?: number;
  end?: number;
}

/**
 * What ktriage itself says: the primary crash of `analyze()` (the path of `ktriage title`), the default.
 * `--engine title` measures the title engine alone on the whole log (findFirstCrash), with its extras.
 */
export function titleLog(text: string): TitleResult | null {
  return ENGINE === 'title' ? titleEngine(text) : pipeline(text);
}

const ENGINE = process.argv.includes('--engine') ? process.argv[process.argv.indexOf('--engine') + 1] : 'pipeline';

function pipeline(text: string): TitleResult | null {
  const report = analyze([{ name: 'corpus', data: Buffer.from(text, 'utf8') }]);
  const c = report.crash;
  if (!c) return null;
  const ev = report.events[c.index];
  return { title: c.title, altTitles: ev?.altTitles ?? [], type: c.type, corrupted: c.corrupted };
}

function titleEngine(text: string): TitleResult | null {
  const r = findFirstCrash(text);
  return r
    ? {
      title: r.title, altTitles: r.altTitles, type: r.type, corrupted: r.corrupted, frame: r.frame,
      suppressed: r.suppressed, panicked: r.panicked ?? false, start: r.start, end: r.end,
    }
    : null;
}

interface Mismatch {
  file: string;
  what: string;
  expected: string;
  got: string;
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`;
}

function sortedEq(a: string[], b: string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function main(): number {
  const dir = corpusDir();
  const cases = readCorpus(dir);
  if (!cases) {
    console.error(`eval-syzkaller: corpus not found: ${dir}`);
    return 2;
  }
  let crashFiles = 0;
  let titleOk = 0;
  let altOk = 0;
  let altSetOk = 0;
  let typeOk = 0;
  let corruptedOk = 0;
  let detectOk = 0;
  let falseAlarms = 0;
  const extra = { frame: [0, 0], suppressed: [0, 0], panicked: [0, 0], span: [0, 0] };
  let missed = 0;
  const mismatches: Mismatch[] = [];
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const c of cases) {
    bytes += c.log.length;
    const r = titleLog(c.log);
    const expectCrash = c.title !== '';
    if (expectCrash === (r !== null)) detectOk++;
    if (!expectCrash) {
      if (r) {
        falseAlarms++;
        mismatches.push({ file: c.name, what: 'FALSE-ALARM', expected: '(no crash)', got: r.title });
      }
      continue;
    }
    crashFiles++;
    if (!r) {
      missed++;
      mismatches.push({ file: c.name, what: 'MISSED', expected: c.title, got: '(no crash)' });
      continue;
    }
    check(c, r);
  }
  function check(c: CorpusCase, r: TitleResult): void {
    if (r.title === c.title) titleOk++;
    else mismatches.push({ file: c.name, what: 'TITLE', expected: c.title, got: r.title });
    if (r.title === c.title || c.alt.includes(r.title)) altOk++;
    if (sortedEq(r.altTitles, c.alt)) altSetOk++;
    else mismatches.push({ file: c.name, what: 'ALT-SET', expected: JSON.stringify([...c.alt].sort()), got: JSON.stringify([...r.altTitles].sort()) });
    if (r.type === c.type) typeOk++;
    else mismatches.push({ file: c.name, what: 'TYPE', expected: c.type || '(unknown)', got: r.type || '(unknown)' });
    if (r.corrupted === c.corrupted) corruptedOk++;
    else mismatches.push({ file: c.name, what: 'CORRUPTED', expected: c.corrupted ? 'Y' : 'N', got: r.corrupted ? 'Y' : 'N' });
    const yn = (b: boolean | undefined): string => (b ? 'Y' : 'N');
    if (c.frame !== null && r.frame !== undefined) {
      extra.frame[1]!++;
      if (r.frame === c.frame) extra.frame[0]!++;
      else mismatches.push({ file: c.name, what: 'FRAME', expected: c.frame, got: String(r.frame) });
    }
    if (r.suppressed !== undefined) {
      extra.suppressed[1]!++;
      if (r.suppressed === c.suppressed) extra.suppressed[0]!++;
      else mismatches.push({ file: c.name, what: 'SUPPRESSED', expected: yn(c.suppressed), got: yn(r.suppressed) });
    }
    if (r.panicked !== undefined) {
      extra.panicked[1]!++;
      if (r.panicked === c.panicked) extra.panicked[0]!++;
      else mismatches.push({ file: c.name, what: 'PANICKED', expected: yn(c.panicked), got: yn(r.panicked) });
    }
    if (c.start !== '' && r.start !== undefined && r.end !== undefined) {
      extra.span[1]!++;
      const endText = c.end !== '' ? c.end : c.start;
      const want = [c.log.indexOf(c.start), c.log.indexOf(endText) + endText.length];
      if (r.start === want[0] && r.end === want[1]) extra.span[0]!++;
      else mismatches.push({ file: c.name, what: 'START/END', expected: want.join('-'), got: `${r.start}-${r.end}` });
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const found = crashFiles - missed;
  console.log(`syzkaller-linux corpus: ${cases.length} files, ${crashFiles} expect a crash, ${cases.length - crashFiles} none (engine: ${ENGINE === 'title' ? 'title engine on the whole log' : 'ktriage analyze, primary crash'})`);
  console.log(`TITLE exact        ${titleOk}/${crashFiles}  ${pct(titleOk, crashFiles)}`);
  console.log(`ALT (title in {TITLE} u ALT) ${altOk}/${crashFiles}  ${pct(altOk, crashFiles)}`);
  console.log(`ALT set equal      ${altSetOk}/${found}  ${pct(altSetOk, found)}`);
  console.log(`TYPE               ${typeOk}/${found}  ${pct(typeOk, found)}`);
  console.log(`CORRUPTED          ${corruptedOk}/${found}  ${pct(corruptedOk, found)}`);
  if (extra.frame[1]! > 0) console.log(`FRAME              ${extra.frame[0]}/${extra.frame[1]}  ${pct(extra.frame[0]!, extra.frame[1]!)}`);
  if (extra.suppressed[1]! > 0) console.log(`SUPPRESSED         ${extra.suppressed[0]}/${extra.suppressed[1]}  ${pct(extra.suppressed[0]!, extra.suppressed[1]!)}`);
  if (extra.panicked[1]! > 0) console.log(`PANICKED           ${extra.panicked[0]}/${extra.panicked[1]}  ${pct(extra.panicked[0]!, extra.panicked[1]!)}`);
  if (extra.span[1]! > 0) console.log(`START/END          ${extra.span[0]}/${extra.span[1]}  ${pct(extra.span[0]!, extra.span[1]!)}`);
  console.log(`crash/no-crash     ${detectOk}/${cases.length}  ${pct(detectOk, cases.length)}`);
  console.log(`false alarms       ${falseAlarms}`);
  console.log(`missed crashes     ${missed}`);
  console.log(`time               ${ms.toFixed(0)} ms for ${(bytes / 1e6).toFixed(1)} MB`);
  if (mismatches.length > 0) {
    console.log(`\nmismatches (${mismatches.length}):`);
    for (const m of mismatches) {
      console.log(`${m.file}\t${m.what}\n  expected: ${m.expected}\n  got:      ${m.got}`);
    }
  }
  return 0;
}

process.exitCode = main();
