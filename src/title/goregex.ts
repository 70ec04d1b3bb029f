// Go RE2 syntax -> JavaScript RegExp, for the regex tables of the title rules.
//
// syzkaller writes its rules as Go regular expressions. The tables in this folder keep that notation
// (so they read like the documented rules) and go through `compile()`, which:
// - expands the shared placeholders {{ADDR}}, {{PC}}, {{FUNC}}, {{SRC}}, {{TASK}};
// - makes `.` match anything but `\n` (Go's `.`; JS's `.` also stops at `\r`, U+2028, U+2029);
// - makes `\s` Go's ASCII class [\t\n\f\r ];
// - expands POSIX classes inside brackets ([[:xdigit:]], [[:space:]], ...);
// - turns a leading `(?i)` into the `i` flag.
// Everything else (groups, lazy quantifiers, \d \w \W, identity escapes such as `\<`) means the same
// in both dialects for the patterns used here (leftmost-first matching, no `u` flag).

const TEMPLATES: [string, string][] = [
  ['{{ADDR}}', '0x[0-9a-f]+'],
  ['{{PC}}', '\\[\\<?(?:0x)?[0-9a-f]+\\>?\\]'],
  ['{{FUNC}}', '([a-zA-Z0-9_]+)(?:\\.|\\+)'],
  ['{{SRC}}', '([a-zA-Z0-9-_/.]+\\.[a-z]+:[0-9]+)'],
  ['{{TASK}}', '[\\s\\S]{0,100}?'],
];

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** Expands the {{...}} placeholders (the Go pattern text is kept, e.g. for embedding in another rule). */
export function expandTemplates(re: string): string {
  let out = re;
  for (const [k, v] of TEMPLATES) out = out.split(k).join(v);
  return out;
}

/** Translates Go RE2 pattern text into JS RegExp source + flags. */
export function translateGoRegex(src: string): { source: string; flags: string } {
  let flags = '';
  let s = src;
  if (s.startsWith('(?i)')) {
    flags += 'i';
    s = s.slice(4);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[i + 1]!;
      i++;
      if (n === 's') out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      // Go's \S is the ASCII complement of [\t\n\f\r ] (JS's also excludes \v and Unicode spaces).
      else if (n === 'S') out += inClass ? '\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\uffff' : '[^\\t\\n\\f\\r ]';
      else out += '\\' + n;
      continue;
    }
    if (inClass) {
      if (c === '[' && s[i + 1] === ':') {
        const end = s.indexOf(':]', i + 2);
        const name = end > 0 ? s.slice(i + 2, end) : '';
        const cls = POSIX_CLASSES[name];
        if (cls !== undefined) {
          out += cls;
          i = end + 1;
          continue;
        }
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (s[i + 1] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    if (c === '.') {
      out += '[^\\n]';
      continue;
    }
    if (c === '\n') {
      out += '\\n';
      continue;
    }
    out += c;
  }
  return { source: out, flags };
}

/** A compiled rule pattern that remembers its Go text (rules embed each other's text). */
export interface GoRe {
  go: string;
  re: RegExp;
  /**
   * For `P(?:.*\n)+?...` patterns: P alone, and the whole pattern as a sticky regex. A match, if any,
   * starts at the first match of P (a later start only sees a subset of the following lines), so
   * only that start is tried: linear instead of quadratic when P occurs often and the rest fails.
   */
  lead?: { prefix: RegExp; sticky: RegExp };
  /** A literal every match starts with (a cheap `includes` check rules most texts out). */
  literal?: string;
}

const META = new Set(['.', '[', ']', '(', ')', '{', '}', '*', '+', '?', '|', '^', '$', '\\']);

/** The literal text every match of a Go pattern starts with ('' if none can be told). */
export function requiredLiteralPrefix(go: string): string {
  if (go.startsWith('(?')) return '';
  // A top-level alternation makes no prefix required.
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < go.length; i++) {
    const c = go[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return '';
  }
  let lit = '';
  for (let i = 0; i < go.length; i++) {
    const c = go[i]!;
    if (c === '\\') {
      const n = go[i + 1];
      // Escaped punctuation is literal; \d, \s, \n ... are classes or controls: stop.
      if (n === undefined || /[0-9A-Za-z]/.test(n)) break;
      lit += n;
      i++;
      continue;
    }
    if (META.has(c)) {
      // A quantifier applies to the last literal character.
      if (c === '*' || c === '?' || c === '{') lit = lit.slice(0, -1);
      break;
    }
    lit += c;
  }
  return lit;
}

const LINES_LAZY = '(?:[^\\n]*\\n)+?';

/** compile(): placeholders expanded, then translated to a JS RegExp (no `g` flag: callers index). */
export function compile(goPattern: string): GoRe {
  const go = expandTemplates(goPattern);
  const { source, flags } = translateGoRegex(go);
  const g: GoRe = { go, re: new RegExp(source, flags) };
  const lit = flags.includes('i') ? '' : requiredLiteralPrefix(go);
  if (lit.length >= 3) g.literal = lit;
  const at = source.indexOf(LINES_LAZY);
  if (at > 0) {
    try {
      g.lead = { prefix: new RegExp(source.slice(0, at), flags), sticky: new RegExp(source, flags + 'y') };
    } catch {
      // The prefix is not a whole pattern: no shortcut.
    }
  }
  return g;
}

/** Go's FindStringSubmatch on a compiled rule: the leftmost(-first) match with its groups, or null. */
export function execRule(r: GoRe, text: string): RegExpExecArray | null {
  if (r.literal !== undefined && !text.includes(r.literal)) return null;
  if (r.lead) {
    const p = r.lead.prefix.exec(text);
    if (!p) return null;
    r.lead.sticky.lastIndex = p.index;
    return r.lead.sticky.exec(text);
  }
  return r.re.exec(text);
}

/** exec() of a plain RegExp from the start (callers never use the `g` flag). */
export function findSubmatch(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(text);
}

/** Escapes a literal for use inside a pattern (Go's regexp.QuoteMeta). */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
