// The corrupt-dump corpus (scripts/make-corrupt-corpus.ts): a handful of damaged variants of a lab dump
// per class, each read by readVmcore() and checked for its exact behaviour class (ok / partial with a
// named gap / one clear error) within its time budget. More cases: `node dist/scripts/make-corrupt-corpus.js DIR --all`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCorruptCorpus, type Behaviour } from '../../scripts/make-corrupt-corpus.js';
import { readVmcore } from '../../src/readers/vmcore/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ktriage-corrupt-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const cases = makeCorruptCorpus(dir, false);

test('the corpus has every class', () => {
  const classes = new Set(cases.map((c) => c.klass));
  for (const k of ['control', 'truncated', 'header-bits', 'bitmap-bits', 'descriptor-bits', 'vmcoreinfo', 'printk-indices', 'pagetable-loop', 'sparse-2tb'])
    assert.ok(classes.has(k), `no ${k} case`);
});

for (const c of cases) {
  test(`corrupt dump ${c.name}: ${c.expect}${c.pattern ? ` /${c.pattern}/` : ''}`, () => {
    const t0 = performance.now();
    let got: Behaviour;
    let text = '';
    try {
      const r = readVmcore(c.file);
      got = r.gaps.length ? 'partial' : 'ok';
      text = r.gaps.map((g) => g.what).join('\n');
      if (got === 'ok') assert.ok(r.log.length > 0, 'a dump read without gaps must give a log');
    } catch (err) {
      assert.equal((err as Error).constructor, Error, `not a plain Error: ${(err as Error).stack}`);
      assert.ok(!(err as Error).message.includes('\n'), 'error message is one line');
      got = 'error';
      text = (err as Error).message;
    }
    const ms = performance.now() - t0;
    assert.equal(got, c.expect, `${c.name}: ${text}`);
    if (c.pattern) assert.match(text, new RegExp(c.pattern, 'm'));
    assert.ok(ms < c.budgetMs, `${c.name} took ${ms.toFixed(0)} ms (budget ${c.budgetMs})`);
  });
}
