// Runs syzkaller's crash-log suite (read in place from <repo>/../shared, never copied) and checks
// the agreement targets of issue 2. Skipped with a message when the shared folder is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findFirstCrash } from './index.js';
import { corpusDir, parseCorpusFile, readCorpus } from './syzcorpus.js';

test('syzkaller corpus: >= 95 % exact titles, >= 99 % crash/no-crash, no false alarms', (t) => {
  const cases = readCorpus();
  if (!cases) {
    t.skip(`corpus not found at ${corpusDir()}`);
    return;
  }
  assert.ok(cases.length > 0);
  let withCrash = 0;
  let exact = 0;
  let detect = 0;
  let falseAlarms = 0;
  for (const c of cases) {
    const r = findFirstCrash(c.log);
    if ((c.title !== '') === (r !== null)) detect++;
    if (c.title === '') {
      if (r) falseAlarms++;
      continue;
    }
    withCrash++;
    if (r?.title === c.title) exact++;
  }
  assert.equal(falseAlarms, 0);
  assert.ok(exact / withCrash >= 0.95, `exact titles ${exact}/${withCrash}`);
  assert.ok(detect / cases.length >= 0.99, `crash/no-crash ${detect}/${cases.length}`);
});

test('corpus file format: headers, log, REPORT section (hand-made file in the README format)', () => {
  const raw = 'TITLE: WARNING in foo\r\nALT: bad-access in foo\nALT: x\nCORRUPTED: Y\n\nline 1\n\nREPORT:\nreport text\n';
  const c = parseCorpusFile('1', raw);
  assert.equal(c.title, 'WARNING in foo');
  assert.deepEqual(c.alt, ['bad-access in foo', 'x']);
  assert.equal(c.corrupted, true);
  assert.equal(c.log, 'line 1\n\n');
  const none = parseCorpusFile('2', '\n\nBUG\n');
  assert.equal(none.title, '');
  assert.equal(none.log, '\nBUG\n');
});
