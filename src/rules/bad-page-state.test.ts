// Hand-made in mm/page_alloc.c's bad_page() layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOfText, runRule } from './testkit.js';

test('bad-page-state (hand-made): the B taint report is explained with the kernel\'s reason', () => {
  const f = runRule('bad-page-state', draftOfText('hand-made-badpage.dmesg', [
    '[ 5.000001] BUG: Bad page state in process zabbix_agentd  pfn:46c479',
    '[ 5.000002] page:ffffea000f7afa78 count:-2 mapcount:0 mapping:          (null) index:0x0',
    '[ 5.000003] page dumped because: nonzero _count',
    '[ 5.000004] CPU: 5 PID: 912 Comm: zabbix_agentd Tainted: G    B           4.9.0-8-amd64 #1 Debian 4.9.130-2',
  ].join('\n') + '\n'));
  assert.equal(f.length, 1);
  assert.match(f[0]!.summary, /^Bad page state \(taint B\) in zabbix_agentd:912: .*\(nonzero _count\)/);
});
