import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';
import { largestTask } from './oom.js';

test('oom: lab panic_on_oom: memhog is the largest task, the OOM panicked the machine', () => {
  const f = runRule('oom', draftOf(fixture('logs', 'lab-oom-panic.console.log')));
  assert.equal(f.length, 1);
  const d = f[0]!.data;
  assert.deepEqual(d.largest, { pid: 111, name: 'memhog', rssPages: 53014 });
  assert.equal(d.panicOnOom, true);
  assert.deepEqual(d.invoker, { pid: 111, comm: 'memhog' });
  assert.equal(f[0]!.severity, 'high');
});

test('largestTask: the dump_tasks table, bounded and tolerant of junk', () => {
  assert.equal(largestTask(['junk', '[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name',
    '[    111]     0   111    53545    53014   462848        0             0 memhog',
    '[    112]     0   112    10000    60000   462848        0             0 other'])?.name, 'other');
  assert.equal(largestTask(['[    111]     0   111    53545    53014']), null);
});

test('oom: none without an OOM report', () => {
  assert.deepEqual(runRule('oom', draftOf(fixture('logs', 'lab-sysrq-c.console.log'))), []);
});
