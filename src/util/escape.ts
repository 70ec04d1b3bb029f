// Escaping for strings that came from a crash (module names, comm, log lines, memory strings ...).
// They are hostile data: they may carry terminal escapes (CSI, OSC 8 hyperlinks, C1 controls), bidi
// overrides that reorder what the reader sees, NUL bytes, lone surrogates, markup and links.
//
// One rule underlies every output: invisible or control code points are shown visibly, in JavaScript
// notation, before any format-specific escaping:
//   - C0 controls, DEL and C1 controls as `\xNN` (`\t`, `\n`, `\r` for those three): `\x1b`, `\x00`, `\x9b`
//   - format characters (Unicode Cf: bidi embeddings/overrides/isolates, zero-width characters, soft hyphen,
//     BOM, tag characters), line/paragraph separators and lone surrogates as `\uNNNN` or `\u{NNNNN}`
// Backslashes themselves are kept as they are (readability wins over reversibility; these forms are for
// display, the JSON report keeps the exact string).

/** Code points shown visibly: controls, format characters (bidi, zero-width, tags), separators, lone surrogates. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The visible form of one invisible code point (see the file comment). */
export function visibleCodePoint(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp === 0x09) return '\\t';
  if (cp === 0x0a) return '\\n';
  if (cp === 0x0d) return '\\r';
  if (cp < 0x100) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\u{${hex(cp, 5)}}`;
}

/** Any value as a string: null/undefined become '', numbers and booleans their text. Never throws. */
export function str(v: unknown): string {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

/**
 * Shows every control, format (bidi, zero-width), separator character and lone surrogate visibly
 * (`\x1b`, `\u202e`, `\ud800`); everything else is kept. The result holds no C0/C1 control and no
 * bidi control, so it cannot move the cursor, change colours, open hyperlinks or reorder text.
 */
export function escapeControls(s: unknown): string {
  return str(s).replace(INVISIBLE, visibleCodePoint);
}

/** For the terminal: the same as escapeControls (colour, if any, is added by the report, never from input). */
export function escapeTerminal(s: unknown): string {
  return escapeControls(s);
}

/** Replaces tabs by spaces up to the next multiple of `tabSize` columns (for raw log lines). */
export function expandTabs(s: string, tabSize = 8): string {
  if (!s.includes('\t')) return s;
  let out = '';
  let col = 0;
  for (const ch of s) {
    if (ch === '\t') {
      const n = tabSize - (col % tabSize);
      out += ' '.repeat(n);
      col += n;
    } else if (ch === '\n') {
      out += ch;
      col = 0;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

/**
 * At most `max` code points of `s`; a longer string is cut (never inside a surrogate pair) and ends
 * with `…[+N chars]` naming how much was dropped.
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max);
  const c = s.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…[+${s.length - end} chars]`;
}

// ---- HTML (and SVG/XML) ----

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function htmlEntities(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * Text for HTML element content, attribute values (quoted) and SVG text: invisible characters shown
 * visibly, then `& < > " '` as entities. With `markControls`, each visible escape is wrapped in
 * `<span class="ctl">` so a stylesheet can highlight it.
 */
export function escapeHtml(s: unknown, opts: { markControls?: boolean } = {}): string {
  const text = str(s);
  if (!opts.markControls) return htmlEntities(escapeControls(text));
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INVISIBLE)) {
    const i = m.index ?? 0;
    out += htmlEntities(text.slice(last, i));
    out += `<span class="ctl">${htmlEntities(visibleCodePoint(m[0]))}</span>`;
    last = i + m[0].length;
  }
  return out + htmlEntities(text.slice(last));
}

/** A quoted attribute value: the same escaping as element text (both quote kinds become entities). */
export function escapeHtmlAttr(s: unknown): string {
  return escapeHtml(s);
}

/**
 * A safe link target: the normalised URL when `s` is an absolute http(s) URL with no credentials and
 * no invisible characters, else null (the caller then shows the text without a link).
 * Characters outside the URL-safe ASCII set are percent-encoded, so the result holds no quote,
 * angle bracket, backslash, backtick, parenthesis or space.
 */
export function safeHttpUrl(s: unknown): string | null {
  const text = str(s).trim();
  if (text.length === 0 || text.length > 2048) return null;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\s]/u.test(text)) return null;
  if (!/^https?:\/\//i.test(text)) return null;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || !u.hostname) return null;
  return u.href.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&*+,;=%]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${hex(b, 2).toUpperCase()}`).join(''));
}

// ---- Markdown (GitHub-flavoured) ----

/**
 * ASCII punctuation that opens markup wherever it stands in GFM inline text: emphasis and strikethrough,
 * links and images (`[`), raw HTML and autolinks (`<`), entities, table cells, math, code spans, mentions
 * and issue references (`@`, `#`); `_` only where it can open or close emphasis (GFM never takes an
 * underscore between two alphanumerics for one: `ktl_null_process` stays as it is).
 */
const MD_ALWAYS = /[\\`*[\]<>#|~@&$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

/**
 * Inline Markdown text: invisible characters shown visibly, then only what would open markup escaped
 * (so that the Markdown also reads well as plain text): MD_ALWAYS everywhere, the block markers a
 * string can start with (`-`, `+`, `=`, `>`, `1.`, `1)`), and GFM's extended autolinks (`www.`,
 * `http://`, `mailto:`); `.`, `-`, `(`, `:` and quotes elsewhere are left as they are.
 */
export function escapeMarkdown(s: unknown): string {
  return escapeControls(s)
    .replace(MD_ALWAYS, (c) => `\\${c}`)
    .replace(/\\\]\(/g, '\\]\\(')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/\b([a-z][a-z0-9+.-]{0,31}):(?=\/\/)/gi, '$1\\:')
    .replace(/\b(mailto|xmpp):/gi, '$1\\:')
    .replace(/^(\s*)([-+=]|\d{1,9}(?=[.)]))/, (_m, sp: string, mark: string) => /^\d/.test(mark) ? `${sp}${mark}\\` : `${sp}\\${mark}`);
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let cur = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ch) {
      cur++;
      if (cur > best) best = cur;
    } else cur = 0;
  }
  return best;
}

/**
 * An inline code span holding `s` literally (invisible characters shown visibly): the backtick fence is
 * longer than any backtick run inside. In a table cell (`inTable`), `|` is written `\|` as GFM requires
 * (an input backslash right before a pipe is doubled, so it cannot unescape it).
 * An empty string gives ''.
 */
export function mdCode(s: unknown, opts: { inTable?: boolean } = {}): string {
  let text = escapeControls(s);
  if (text.length === 0) return '';
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  if (text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' '))) text = ` ${text} `;
  // GFM splits cells at a `|` not escaped by a backslash, even inside code spans; a backslash run before
  // the pipe is doubled so an input `\|` cannot unescape our `\|` (it then shows one extra backslash).
  if (opts.inTable) text = text.replace(/(\\*)\|/g, (_m, bs: string) => `${bs}${bs}\\|`);
  return `${fence}${text}${fence}`;
}

/**
 * A fenced code block of `lines` (tabs expanded, invisible characters shown visibly); the fence is
 * longer than any backtick run in the content (at least three), so the content cannot close it.
 */
export function mdFence(lines: readonly unknown[], info = 'text'): string {
  const body = lines.map((l) => escapeControls(expandTabs(str(l))));
  const fence = '`'.repeat(body.reduce((m, l) => Math.max(m, longestRun(l, '`') + 1), 3));
  return `${fence}${info}\n${body.join('\n')}${body.length ? '\n' : ''}${fence}\n`;
}
