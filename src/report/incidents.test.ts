// What every format leads with, on lab files read where they are: the verdict (never the syzbot title),
// and with several incidents their number, then each with its own verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import { LAB, SKIP_SHARED } from '../rules/testkit.js';
import { renderHtml, renderMarkdown, renderText } from './index.js';

const scenarios = SKIP_SHARED ? [] : readdirSync(LAB).filter((s) => !s.startsWith('.')).sort();

test('every lab scenario\'s headline is its verdict, in text, Markdown and HTML', { skip: SKIP_SHARED }, () => {
  assert.ok(scenarios.length >= 9);
  for (const s of scenarios) {
    const truth = JSON.parse(readFileSync(join(LAB, s, 'truth.json'), 'utf8')) as { root_cause: { kind: string; function: string | null; module: string | null } };
    // The rootkit shows only with the crash session beside the console log (DECISIONS.md 4).
    const inputs = [join(LAB, s, 'console.log'), ...(s === 'rootkit-hidden-module' ? [join(LAB, s, 'crash-session.txt')] : [])];
    const r = analyze(inputs);
    const rc = truth.root_cause;
    const head = `${rc.kind}${rc.function ? ` in ${rc.function}${rc.module ? ` [${rc.module}]` : ''}` : ''}`;
    const text = renderText(r).split('\n');
    assert.ok(text[2]!.startsWith(`VERDICT: ${head}`), `${s}: ${text[2]}`);
    assert.ok(!/report corrupted|in corrupted/.test(text.slice(0, 30).join('\n')), `${s}: an intact report is not called corrupted`);
    const md = renderMarkdown(r).split('\n');
    assert.ok(md[0]!.startsWith(`# Kernel crash report: ${head.replace(/[[\]]/g, '\\$&')}`), `${s}: ${md[0]}`);
    const html = renderHtml(r);
    assert.ok(html.includes(`<h1>${head}`), `${s}: ${/<h1>.*?<\/h1>/.exec(html)?.[0]}`);
    // The syzbot title is a field beside the verdict.
    assert.ok(text.some((l) => l.startsWith('  syzbot title ')), s);
  }
});

test('two incidents: every format leads with their number and shows each with its verdict and why they are apart', { skip: SKIP_SHARED }, () => {
  const r = analyze([join(LAB, 'oops-null-module', 'console.log'), join(LAB, 'hung-task', 'crash-session.txt')]);
  const text = renderText(r);
  const lines = text.split('\n');
  assert.equal(lines[2], '2 INCIDENTS (nothing links across them)');
  assert.match(lines[3]!, /^ {2}#1 +null-deref in ktl_null_process \[ktl_null\], third-party module ktl_null \(OE\)$/);
  assert.match(text, /^=== INCIDENT 2 of 2: .*hung-task\/crash-session\.txt ===$/m);
  assert.match(text, /^ {2}Why apart {4}does not fit incident 1: no crash report in common/m);
  assert.match(text, /^VERDICT: hung-task in ktl_dev_io \[ktl_hang\]/m);
  // Each incident's own findings only: the hung task appears in the second incident's part only.
  const second = text.slice(text.indexOf('=== INCIDENT 2 of 2'));
  const first = text.slice(0, text.indexOf('=== INCIDENT 2 of 2'));
  assert.ok(!first.includes('HIGH     hung-task'));
  assert.ok(second.includes('HIGH     hung-task'));
  const md = renderMarkdown(r);
  assert.equal(md.split('\n')[0], '# Kernel crash report: 2 incidents');
  assert.match(md, /^## Incident 2 of 2: hung-task in ktl_dev_io \\\[ktl_hang\\\], third-party module ktl_hang \(OE\)$/m);
  assert.match(md, /^\*\*Apart because:\*\* does not fit incident 1/m);
  const html = renderHtml(r);
  assert.match(html, /<h1>2 incidents<\/h1><ol><li><strong>null-deref in ktl_null_process/);
  assert.match(html, /<h2>Incident 2 of 2: hung-task in ktl_dev_io \[ktl_hang\], third-party module ktl_hang \(OE\)<\/h2>/);
});

test('time: when a module was loaded and a task blocked; HTML: the panicked event open, the panic message whole, syscall names', { skip: SKIP_SHARED }, () => {
  const oops = analyze([join(LAB, 'oops-null-module', 'console.log')]);
  const m = oops.modules.find((x) => x.name === 'ktl_null')!;
  assert.equal(m.loadedAt?.uptime, 13.466534);
  assert.match(readFileSync(join(LAB, 'oops-null-module', 'console.log'), 'utf8').split('\n')[m.loadedAt!.line - 1]!, /ktl_null: loading out-of-tree module taints kernel/);
  assert.match(renderText(oops), /^ {15}ktl_null loaded at 13\.466534 s after boot, 1\.0 s before the crash/m);
  const hung = analyze([join(LAB, 'hung-task', 'console.log')]);
  assert.match(renderText(hung), /^ {2}Since {8}blocked since 23\.\d s after boot or earlier \(more than 10 s when reported\)$/m);
  const html = renderHtml(hung);
  assert.match(html, /<details class="event" open><summary>#0 /);
  assert.match(html, /<p class="panicmsg"><strong>Panic:<\/strong> <code>Kernel panic - not syncing: hung_task: blocked tasks<\/code>/);
  const rk = renderHtml(analyze([join(LAB, 'rootkit-hidden-module', 'console.log'), join(LAB, 'rootkit-hidden-module', 'crash-session.txt')]));
  assert.match(rk, /<th>System call<\/th>/);
  assert.match(rk, /<td><code>read<\/code><\/td><td><code>invalid entry<\/code><\/td>/);
});
