// Strings from a crash are hostile: a log whose task name, module name and lines carry terminal escapes,
// markup and bidi controls (hand-made around a real lab oops) must come out inert in every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { render } from '../src/report/index.js';
import { repoRoot } from './paths.js';

const ESC = '\x1b';
const evilComm = `${ESC}]8;;http://evil.example/${ESC}\\x${ESC}[2J<script>alert(1)</script>\u202e`;
const evilModule = 'ktl_null<img src=x onerror=alert(1)>';

function hostileLog(): string {
  const real = readFileSync(join(repoRoot(), 'samples', 'oops-null-module.console.log'), 'utf8');
  return real
    .replace(/Comm: sessiond/g, `Comm: ${evilComm}`)
    .replace(/\[ktl_null\]/g, `[${evilModule}]`)
    .replace(/ktl_null\(OE\)/g, `${evilModule}(OE)`)
    + `[   20.000000] ${ESC}[31m<b>injected</b> \u0000 line${ESC}[0m\n`;
}

test('hostile strings are inert in text, markdown, html and json', () => {
  const report = analyze([{ name: `evil${ESC}[2J.log`, data: Buffer.from(hostileLog(), 'utf8') }]);
  assert.equal(report.crash?.task.comm, evilComm, 'the model keeps the exact bytes');
  const text = render(report, 'text', { color: false });
  assert.ok(!text.includes(ESC), 'no raw ESC in text');
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(text), 'no raw control or bidi characters in text');
  const md = render(report, 'md');
  assert.ok(!md.includes(ESC));
  // Outside fenced blocks and code spans, and after backslash escapes, no HTML tag may remain (CommonMark).
  const prose = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '').replace(/\\[\s\S]/g, '');
  // The renderer's own collapsible sections are the only tags allowed.
  const tags = prose.match(/<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s|\/?>)/g) ?? [];
  assert.deepEqual(tags.filter((t) => !/^<\/?(?:details|summary)>$/.test(t)), [], 'no raw markup in markdown');
  const html = render(report, 'html');
  assert.ok(!html.includes('<script>alert') && !html.includes('<img src=x'), 'no injected element in html');
  assert.ok(!html.includes(ESC));
  const json = render(report, 'json');
  assert.ok(!json.includes(ESC) && !json.includes('\u202e'), 'controls are \\u-escaped in json');
  assert.equal(JSON.parse(json).crash.task.comm, evilComm, 'json round-trips the exact string');
});
