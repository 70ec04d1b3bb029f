// The text, Markdown and HTML reports over the hand-made sample (softlockup-rcu-module) and the hostile report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, renderText, renderMarkdown, renderHtml } from './index.js';
import type { Report } from '../model/types.js';
import { sampleReport } from '../../test/fixtures/reports/softlockup-rcu-module.js';
import { hostileReport, ATTACKS } from '../../test/fixtures/reports/hostile.js';

const RAW_INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

test('text: the first lines of the sample give the verdict (its why, the syzbot title beside it), culprit and primary crash', () => {
  const lines = renderText(sampleReport()).split('\n');
  assert.deepEqual(lines.slice(0, 25), [
    'ktriage 0.1.0 · 1 source: console.log',
    '',
    'VERDICT: soft-lockup in ktl_filter_lookup [ktl_spinrcu], third-party module ktl_spinrcu (OE)',
    '  Why          The out-of-tree module ktl_spinrcu spins forever in ktl_filter_lookup() with',
    '               preemption disabled inside rcu_read_lock() on CPU 1, so the RCU grace period never',
    '               ends: RCU reports a stall, the watchdog a soft lockup, and ruleupdate, blocked in',
    '               synchronize_rcu() from ktl_filter_update(), trips the hung-task detector, which',
    '               panics (hung_task_panic=1)',
    '  Confidence   high',
    '  syzbot title INFO: rcu detected stall in ktl_filter_lookup',
    '  Culprit      ktl_filter_lookup+0x22/0x50 [ktl_spinrcu], module ktl_spinrcu (OE: out-of-tree,',
    '               unsigned), third-party',
    '               the CPU is stuck at this RIP in an out-of-tree, unsigned module (OE)',
    '               backtrace reliable',
    '',
    'PRIMARY CRASH',
    '  Title        INFO: rcu detected stall in ktl_filter_lookup',
    '  Kind         rcu-stall (HANG)',
    '  When         38.911720 s after boot',
    '  Task         pktfilterd (pid 112) on CPU 1',
    '  Panic        Kernel panic - not syncing: hung_task: blocked tasks',
    '               by khungtaskd (pid 28) on CPU 0',
    '',
    'KERNEL',
    '  Release      6.1.0-56-amd64  Debian 6.1.192-2  x86_64',
  ]);
});

test('text: causal chain with rules, and the culprit and unreliable frames marked', () => {
  const out = renderText(sampleReport());
  const chain = out.slice(out.indexOf('CAUSAL CHAIN'), out.indexOf('FINDINGS'));
  assert.match(chain, /^ {2}ROOT {2}#1 soft-lockup {2}65\.203703 s {2}pktfilterd \(pid 112\)$/m);
  assert.match(chain, /^ {3}├─ lockup-blocks-rcu → #0 rcu-stall {2}38\.911720 s {2}pktfilterd \(pid 112\) {2}\(26\.3 s before the root\)$/m);
  assert.match(chain, /^ {3}└─ hung-task → #2 hung-task {2}83\.380012 s {2}ruleupdate \(pid 114\) {2}\(18\.2 s after the root\)$/m);
  // When the spin began: the report's time minus `stuck for 44s`.
  assert.match(chain, /^ {8}spinning since 21\.2 s after boot \(stuck for 44 s when reported\)$/m);
  assert.match(chain, /PANIC after #2: Kernel panic - not syncing: hung_task: blocked tasks/);
  assert.match(out, /^ {3}> {3}RIP: ktl_filter_lookup\+0x22\/0x50 \[ktl_spinrcu\] {2}<- culprit$/m);
  assert.match(out, /^ {6}\? exit_to_user_mode_prepare\+0x44\/0x240$/m);
  assert.match(out, /^ {11}console\.log:392 {2}Modules linked in: ktl_spinrcu\(OE\)/m);
  assert.match(out, /^ {2}#2 hung-task {2}INFO: task hung in synchronize_rcu {2}\[consequence, panicked\]$/m);
  // no colour unless asked
  assert.doesNotMatch(out, /\x1b/);
  const colored = renderText(sampleReport(), { color: true });
  assert.match(colored, /\x1b\[1mVERDICT:\x1b\[0m\x1b\[1m\x1b\[31m soft-lockup in ktl_filter_lookup/);
  assert.equal(colored.replace(/\x1b\[[0-9;]*m/g, ''), out);
});

test('text: width wraps prose', () => {
  const narrow = renderText(sampleReport(), { width: 60 });
  for (const l of narrow.slice(0, narrow.indexOf('PRIMARY CRASH')).split('\n')) assert.ok(l.length <= 60, l);
});

test('text: hostile strings leave no raw control, bidi or surrogate, with colour too', () => {
  for (const color of [false, true]) {
    const out = renderText(hostileReport(), { color });
    const stripped = color ? out.replace(/\x1b\[[0-9;]*m/g, '') : out;
    assert.doesNotMatch(stripped.replace(/\n/g, ''), RAW_INVISIBLE);
    assert.ok(stripped.includes('6.1.0\\x1b[2J\\x1b[31mRED\\x1b[0m'));
    assert.ok(stripped.includes('innocent\\u202eexe.txt\\u202c'));
    // the 10 KB strings are cut
    assert.ok(!stripped.includes('A'.repeat(LIMIT_LINE + 1)));
    assert.ok(stripped.includes('…[+'));
  }
});
const LIMIT_LINE = 4000;

test('md: headings, tables, fenced stacks for the sample', () => {
  const md = renderMarkdown(sampleReport());
  const lines = md.split('\n');
  assert.equal(lines[0], '# Kernel crash report: soft-lockup in ktl_filter_lookup \\[ktl_spinrcu\\], third-party module ktl_spinrcu (OE)');
  assert.ok(lines.includes('**syzbot title:** `INFO: rcu detected stall in ktl_filter_lookup`'));
  assert.ok(lines.includes('**Root cause:** soft-lockup in `ktl_filter_lookup [ktl_spinrcu]` · **confidence: high**'));
  assert.ok(lines.includes('| Task | `pktfilterd (pid 112)` |'));
  assert.ok(lines.includes('  - → via `lockup-blocks-rcu`: #0 `rcu-stall` at 38\\.911720 s, `pktfilterd (pid 112)`: `INFO: rcu detected stall in ktl_filter_lookup`'));
  assert.ok(lines.includes('>   RIP: ktl_filter_lookup+0x22/0x50 [ktl_spinrcu]   <- culprit'));
  assert.ok(lines.includes('  ? exit_to_user_mode_prepare+0x44/0x240'));
  assert.ok(lines.includes('- `console.log:392` `Modules linked in: ktl_spinrcu(OE) qemu_fw_cfg virtio_blk virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_ring`'));
  assert.equal(lines.filter((l) => l.startsWith('```')).length % 2, 0);
});

/** Splits Markdown into fenced blocks and the rest, the way a CommonMark parser sees fences. */
function outsideFences(md: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const l of md.split('\n')) {
    const m = /^(`{3,})/.exec(l);
    if (fence === null && m) fence = m[1]!;
    else if (fence !== null && l.startsWith(fence) && /^`+$/.test(l.trim()) && l.trim().length >= fence.length) fence = null;
    else if (fence === null) out.push(l);
  }
  assert.equal(fence, null, 'a fence was left open');
  return out.join('\n');
}

/** Removes code spans as CommonMark finds them: backslash escapes outside spans, a run of N backticks to the next run of exactly N. */
function withoutCodeSpans(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '\\' && i + 1 < s.length && /[!-/:-@[-`{-~]/.test(s[i + 1]!)) {
      out += s.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (s[i] === '`') {
      let n = 0;
      while (s[i + n] === '`') n++;
      let j = i + n;
      let close = -1;
      while (j < s.length) {
        if (s[j] === '`') {
          let m = 0;
          while (s[j + m] === '`') m++;
          if (m === n) { close = j; break; }
          j += m;
        } else j++;
      }
      if (close >= 0) { i = close + n; continue; }
      out += s.slice(i, i + n);
      i += n;
      continue;
    }
    out += s[i];
    i++;
  }
  return out;
}

test('md: hostile input cannot inject markup, links, HTML or close a fence', () => {
  const md = renderMarkdown(hostileReport());
  assert.doesNotMatch(md.replace(/\n/g, ''), RAW_INVISIBLE);
  const prose = withoutCodeSpans(outsideFences(md));
  // outside fences and code spans: no raw HTML from input, no link/image syntax, no autolink
  assert.doesNotMatch(prose.replace(/<\/?details>|<summary>|<\/summary>/g, ''), /(?<!\\)<[a-z/!]/i);
  assert.doesNotMatch(prose, /\]\(javascript/i);
  assert.doesNotMatch(prose, /(?<!\\)!\[/);
  assert.doesNotMatch(prose, /(?<![\\])https?:\/\/evil/);
  assert.doesNotMatch(prose, /(?<!\\)www\.evil/);
  // the only links are the http(s) references, percent-encoded
  const links = [...prose.matchAll(/(?<!\\)\]\(([^)\s]*)\)/g)].map((m) => m[1]);
  assert.deepEqual(links, [
    'https://example.org/fix?a=%3Cb%3E&c=%22d%22%27e%60%28f%29',
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=0123456789abcdef',
    'http://example.org/plain',
  ]);
  // table rows keep their two cells
  for (const l of outsideFences(md).split('\n').filter((x) => x.startsWith('| ') && !x.startsWith('| |'))) {
    const cells = withoutCodeSpans(l).replace(/\\\|/g, '').split('|').length - 2;
    assert.equal(cells, 2, l.slice(0, 200));
  }
});

test('html: one self-contained page with a CSP that forbids external loads', () => {
  const html = renderHtml(sampleReport());
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; form-action 'none'">/);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\((?!#kt-arrow)/i);
  // the only absolute URL is the SVG namespace
  assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"'<)]+/g))], ['http://www.w3.org/2000/svg']);
  assert.match(html, /<svg[^>]*aria-label="causal chain"/);
  assert.match(html, />ROOT CAUSE: #1 soft-lockup<\/text>/);
  assert.match(html, />lockup-blocks-rcu<\/text>/);
  assert.match(html, /<li class="culprit"><span class="q"><\/span>RIP: ktl_filter_lookup\+0x22\/0x50 \[ktl_spinrcu\]<span class="tag">CULPRIT<\/span><\/li>/);
  assert.match(html, /<li class="unreliable"><span class="q">\?<\/span>exit_to_user_mode_prepare\+0x44\/0x240<\/li>/);
  assert.match(html, /<details><summary>Evidence \(3\)<\/summary>/);
  // the CSP hash is the hash of the one style element
  const { createHash } = awaitCrypto;
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  assert.ok(html.includes(`'sha256-${createHash('sha256').update(css).digest('base64')}'`));
});
import * as awaitCrypto from 'node:crypto';

test('html: no unescaped markup from hostile input, links only for http(s)', () => {
  const html = renderHtml(hostileReport());
  assert.doesNotMatch(html.replace(/\n/g, ''), RAW_INVISIBLE);
  // every tag in the page is one the renderer writes
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase()));
  const allowed = ['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'div', 'span', 'main', 'h1', 'h2', 'h3', 'p', 'section',
    'dl', 'dt', 'dd', 'code', 'strong', 'br', 'details', 'summary', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'ol', 'li', 'article', 'a',
    'pre', 'footer', 'svg', 'defs', 'marker', 'path', 'g', 'rect', 'text', 'line', 'circle'];
  for (const t of tags) assert.ok(allowed.includes(t), `unexpected tag <${t}>`);
  assert.doesNotMatch(html, /<script/i);
  // no event-handler attribute inside any tag
  assert.doesNotMatch(html, /<[^>]*\son[a-z]+\s*=/i);
  assert.equal((html.match(/<style>/g) ?? []).length, 1);
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(hrefs, [
    'https://example.org/fix?a=%3Cb%3E&amp;c=%22d%22%27e%60%28f%29',
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=0123456789abcdef',
    'http://example.org/plain',
  ]);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('<span class="ctl">\\u202e</span>'));
  assert.ok(html.includes(']]&gt;&lt;/text&gt;&lt;/svg&gt;'));
  assert.ok(!html.includes('A'.repeat(LIMIT_LINE + 1)));
});

test('every format renders a partial or empty report without throwing', () => {
  const empty = { schemaVersion: '1.0', tool: { name: 'ktriage', version: '0.1.0' } } as unknown as Report;
  const partial = sampleReport() as unknown as Record<string, unknown>;
  delete (partial.diagnosis as Record<string, unknown>).findings;
  (partial.events as Record<string, unknown>[])[0]!.frames = null;
  (partial.diagnosis as Record<string, unknown>).consequences = [{ rule: 'x' }];
  for (const r of [empty, partial as unknown as Report]) {
    for (const f of ['text', 'md', 'html'] as const) assert.ok(render(r, f).length > 0, f);
  }
  assert.match(renderText(empty), /no crash found in the input/);
  assert.throws(() => render(sampleReport(), 'pdf' as never), /unknown report format 'pdf'/);
});
