// The syzkaller corpus through the product path (`analyze()`'s primary crash, what `ktriage title` prints):
// the targets of issue 2 (>= 95 % exact TITLE, >= 99 % crash/no-crash, 0 false alarms). The corpus is read
// where it is (../shared); the test skips without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../src/analyze.js';
import { readCorpus } from '../src/title/syzcorpus.js';
import { CORPUS, needShared } from './paths.js';

test('syzkaller corpus through analyze(): titles, detection, no false alarm', { skip: needShared(CORPUS) }, () => {
  const cases = readCorpus(CORPUS)!;
  let crashes = 0, titleOk = 0, detectOk = 0, falseAlarms = 0;
  for (const c of cases) {
    const r = analyze([{ name: c.name, data: Buffer.from(c.log, 'utf8') }]);
    const got = r.crash?.title ?? '';
    if ((c.title !== '') === (got !== '')) detectOk++;
    if (c.title === '' && got !== '') falseAlarms++;
    if (c.title !== '') {
      crashes++;
      if (got === c.title) titleOk++;
    }
  }
  assert.equal(falseAlarms, 0);
  assert.ok(titleOk / crashes >= 0.95, `TITLE ${titleOk}/${crashes}`);
  assert.ok(detectOk / cases.length >= 0.99, `crash/no-crash ${detectOk}/${cases.length}`);
});
