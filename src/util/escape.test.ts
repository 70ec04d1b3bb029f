import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clip, escapeControls, escapeHtml, escapeMarkdown, escapeTerminal, expandTabs, mdCode, mdFence, safeHttpUrl,
} from './escape.js';
import { ATTACKS, ALL } from '../../test/fixtures/reports/hostile.js';

/** Any C0/C1 control, DEL, format character (bidi, zero-width, tags), separator or lone surrogate. */
const RAW_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

test('terminal: each attack has its exact visible form', () => {
  assert.equal(escapeTerminal(ATTACKS.csi), '\\x1b[2J\\x1b[31mRED\\x1b[0m');
  assert.equal(escapeTerminal(ATTACKS.osc8), '\\x1b]8;;https://evil.example/\\x1b\\click me\\x1b]8;;\\x1b\\');
  assert.equal(escapeTerminal(ATTACKS.oscTitle), '\\x1b]0;pwned\\x07');
  assert.equal(escapeTerminal(ATTACKS.c1), '\\x9b31mC1-CSI\\x9d0;title\\x9c');
  assert.equal(escapeTerminal(ATTACKS.bidi), 'innocent\\u202eexe.txt\\u202c \\u2066iso\\u2069 \\u200fRLM \\u061cALM');
  assert.equal(escapeTerminal(ATTACKS.nul), 'nul\\x00byte\\x00');
  assert.equal(escapeTerminal(ATTACKS.surrogate), 'lone\\ud800high \\udc00low');
  assert.equal(escapeTerminal(ATTACKS.separators), 'line\\u2028sep\\u2029para\\r\\nCRLF\\x0bVT\\x7fDEL');
  assert.equal(escapeTerminal(ATTACKS.zeroWidth), 'zero\\u200bwidth\\ufeffbom\\u{e0041}tag');
  assert.equal(escapeTerminal('tab\there'), 'tab\\there');
});

test('terminal: ordinary text, valid astral characters and non-Latin scripts are kept', () => {
  const s = 'ktl_filter_lookup+0x22/0x50 [ktl_spinrcu] é ü 日本 😀 \\x1b-literal';
  assert.equal(escapeTerminal(s), s);
});

test('terminal: nothing invisible survives any attack', () => {
  for (const [name, s] of Object.entries(ATTACKS)) assert.doesNotMatch(escapeTerminal(s), RAW_INVISIBLE, name);
  assert.doesNotMatch(escapeControls(ALL), RAW_INVISIBLE);
});

test('escapers accept non-strings without throwing', () => {
  assert.equal(escapeTerminal(null), '');
  assert.equal(escapeTerminal(undefined), '');
  assert.equal(escapeTerminal(42), '42');
  assert.equal(escapeHtml(false), 'false');
});

test('expandTabs and clip', () => {
  assert.equal(expandTabs('rcu: \t1-....:'), 'rcu:    1-....:');
  assert.equal(clip('abcdef', 10), 'abcdef');
  assert.equal(clip('abcdef', 3), 'abc…[+3 chars]');
  // never cuts a surrogate pair in two
  assert.equal(clip('ab😀cd', 3), 'ab…[+4 chars]');
  assert.equal(clip(ATTACKS.big, 100).length, 100 + '…[+10140 chars]'.length);
});

test('html: markup, quotes and controls are inert', () => {
  assert.equal(escapeHtml(ATTACKS.html), '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
  assert.equal(escapeHtml(ATTACKS.attr), '&quot; onmouseover=&quot;alert(3)&quot; x=&#39;');
  assert.equal(escapeHtml(ATTACKS.svg), ']]&gt;&lt;/text&gt;&lt;/svg&gt;&lt;svg onload=alert(4)&gt;&lt;text&gt;');
  assert.equal(escapeHtml('a&amp;b'), 'a&amp;amp;b');
  assert.equal(escapeHtml('x\x1b[1my\u202e'), 'x\\x1b[1my\\u202e');
  assert.equal(escapeHtml('<\x00>', { markControls: true }), '&lt;<span class="ctl">\\x00</span>&gt;');
  for (const s of Object.values(ATTACKS)) {
    const h = escapeHtml(s, { markControls: true }).replace(/<span class="ctl">|<\/span>/g, '');
    assert.doesNotMatch(h, /[<>"']/);
    assert.doesNotMatch(h, RAW_INVISIBLE);
  }
});

test('safeHttpUrl: only plain http(s) URLs, percent-encoded', () => {
  assert.equal(safeHttpUrl('javascript:alert(1)'), null);
  assert.equal(safeHttpUrl(' JAVASCRIPT:alert(1)'), null);
  assert.equal(safeHttpUrl('data:text/html,<script>'), null);
  assert.equal(safeHttpUrl('https://user:pw@evil.example/'), null);
  assert.equal(safeHttpUrl('https://example.org/a\u202eb'), null);
  assert.equal(safeHttpUrl('//evil.example/'), null);
  assert.equal(safeHttpUrl('https://lore.kernel.org/all/20220101/'), 'https://lore.kernel.org/all/20220101/');
  assert.equal(safeHttpUrl('https://example.org/fix?a=<b>&c="d"\'e`(f)'), 'https://example.org/fix?a=%3Cb%3E&c=%22d%22%27e%60%28f%29');
});

test('markdown: inline text cannot open markup', () => {
  assert.equal(escapeMarkdown('[x](javascript:y) <b> *a* _b_ `c` | @u #1 www.e.org $m$'),
    '\\[x\\]\\(javascript:y) \\<b\\> \\*a\\* \\_b\\_ \\`c\\` \\| \\@u \\#1 www\\.e.org \\$m\\$');
  assert.equal(escapeMarkdown('see https://x.org and mailto:a'), 'see https\\://x.org and mailto\\:a');
  // Block markers only where the text starts; the rest reads as plain text.
  assert.equal(escapeMarkdown('- a'), '\\- a');
  assert.equal(escapeMarkdown('ktl_null_process _x_ a_'), 'ktl_null_process \\_x\\_ a\\_');
  assert.equal(escapeMarkdown('12. a'), '12\\. a');
  assert.equal(escapeMarkdown('soft-lockup in f() at 38.9 s: "x" (task a:1), 1. b'), 'soft-lockup in f() at 38.9 s: "x" (task a:1), 1. b');
  assert.equal(escapeMarkdown('a\nb\x1b'), 'a\\\\nb\\\\x1b');
});

test('markdown: code spans and fences are longer than any backtick run inside', () => {
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x`'), '`` `x` ``');
  assert.equal(mdCode(ATTACKS.backticks), '````` ```` ``` `` ` code ` `````');
  assert.equal(mdCode('a|b', { inTable: true }), '`a\\|b`');
  assert.equal(mdCode('a\\|b', { inTable: true }), '`a\\\\\\|b`');
  assert.equal(mdCode(''), '');
  assert.equal(mdFence(['plain', 'has ```` four']), '`````text\nplain\nhas ```` four\n`````\n');
  assert.equal(mdFence(['\x1b[31m\tx']), '```text\n\\x1b[31m   x\n```\n');
});
