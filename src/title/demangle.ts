// Rust symbol demangling for stack frames (kernel Rust code is built with v0 mangling, `_R...`;
// legacy `_ZN...17h<hash>E` names are handled too). Follows the v0 grammar of Rust RFC 2603, printed
// without crate disambiguator hashes, as `rustc-demangle`'s short form and syzkaller do.
// Anything that does not parse is returned unchanged. C++ (Itanium) names are not demangled
// (the kernel has none), except GCC's `_GLOBAL__I_` constructor names.

class DemangleError extends Error {}

const BASIC_TYPES: Record<string, string> = {
  a: 'i8', b: 'bool', c: 'char', d: 'f64', e: 'str', f: 'f32', h: 'u8', i: 'isize', j: 'usize', l: 'i32', m: 'u32',
  n: 'i128', o: 'u128', p: '_', s: 'i16', t: 'u16', u: '()', v: '...', x: 'i64', y: 'u64', z: '!',
};

const MAX_OUT = 4096;
const MAX_DEPTH = 200;

class RustV0 {
  private pos = 0;
  private out = '';
  private skip = false;
  private lifetimes = 0;
  private last = '';
  private depth = 0;
  private end: number;
  constructor(private readonly s: string) {
    this.end = s.length;
  }

  run(): string {
    if (this.s.length === 0 || /[0-9]/.test(this.s[0]!)) this.fail();
    this.path(true);
    if (this.pos < this.end) {
      // The instantiating crate is not printed.
      this.skip = true;
      this.path(false);
    }
    if (this.pos !== this.s.length) this.fail();
    return this.out;
  }

  private fail(): never {
    throw new DemangleError('bad Rust symbol');
  }
  private peek(): string {
    return this.pos < this.end ? this.s[this.pos]! : '';
  }
  private expect(c: string): void {
    if (this.peek() !== c) this.fail();
    this.pos++;
  }
  private write(t: string): void {
    if (this.skip || t.length === 0) return;
    if (this.out.length > MAX_OUT) this.fail();
    this.out += t;
    this.last = t[t.length - 1]!;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail();
  }

  private path(needsSep: boolean): void {
    this.enter();
    const c = this.peek();
    if (c === '') this.fail();
    this.pos++;
    switch (c) {
      case 'C':
        this.write(this.identifier()[1]);
        break;
      case 'M':
      case 'X': {
        this.implPath();
        this.write('<');
        this.type();
        if (c === 'X') {
          this.write(' as ');
          this.path(false);
        }
        this.write('>');
        break;
      }
      case 'Y':
        this.write('<');
        this.type();
        this.write(' as ');
        this.path(false);
        this.write('>');
        break;
      case 'N': {
        const ns = this.peek();
        if (!/^[a-zA-Z]$/.test(ns)) this.fail();
        this.pos++;
        this.path(needsSep);
        const [dis, ident] = this.identifier();
        if (ns >= 'A' && ns <= 'Z') {
          this.write('::{');
          this.write(ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns);
          if (ident.length > 0) this.write(':' + ident);
          this.write(`#${dis}}`);
        } else {
          this.write('::' + ident);
        }
        break;
      }
      case 'I':
        this.path(needsSep);
        if (needsSep) this.write('::');
        this.write('<');
        this.genericArgs();
        this.write('>');
        this.expect('E');
        break;
      case 'B':
        this.pos--;
        this.backref(() => this.path(needsSep));
        break;
      default:
        this.fail();
    }
    this.depth--;
  }

  private implPath(): void {
    const hold = this.skip;
    this.skip = true;
    this.disambiguator();
    this.path(false);
    this.skip = hold;
  }

  private identifier(): [number, string] {
    const dis = this.disambiguator();
    return [dis, this.undisambiguatedIdentifier()[0]];
  }

  private disambiguator(): number {
    if (this.peek() !== 's') return 0;
    this.pos++;
    return this.base62() + 1;
  }

  private undisambiguatedIdentifier(): [string, boolean] {
    let puny = false;
    if (this.peek() === 'u') {
      this.pos++;
      puny = true;
    }
    const n = this.decimal();
    if (this.peek() === '_') this.pos++;
    if (this.end - this.pos < n) this.fail();
    let id = this.s.slice(this.pos, this.pos + n);
    this.pos += n;
    if (!/^[0-9A-Za-z_]*$/.test(id)) this.fail();
    if (puny) id = punycode(id);
    return [id, puny];
  }

  private genericArgs(): void {
    let first = true;
    while (this.pos < this.end && this.peek() !== 'E') {
      if (!first) this.write(', ');
      first = false;
      this.genericArg();
    }
  }

  private genericArg(): void {
    const c = this.peek();
    if (c === '') this.fail();
    if (c === 'L') {
      this.pos++;
      this.lifetime(this.base62());
    } else if (c === 'K') {
      this.pos++;
      this.constant();
    } else {
      this.type();
    }
  }

  private binder(): void {
    if (this.peek() !== 'G') return;
    this.pos++;
    const n = this.base62() + 1;
    if (n >= this.end - this.pos - this.lifetimes) this.fail();
    this.write('for<');
    for (let i = 0; i < n; i++) {
      if (i > 0) this.write(', ');
      this.lifetimes++;
      this.lifetime(1);
    }
    this.write('> ');
  }

  private type(): void {
    this.enter();
    const c = this.peek();
    if (c === '') this.fail();
    if (c >= 'a' && c <= 'z') {
      const b = BASIC_TYPES[c];
      if (b === undefined) this.fail();
      this.pos++;
      this.write(b);
      this.depth--;
      return;
    }
    switch (c) {
      case 'C': case 'M': case 'X': case 'Y': case 'N': case 'I':
        this.path(false);
        break;
      case 'A':
      case 'S':
        this.pos++;
        this.write('[');
        this.type();
        if (c === 'A') {
          this.write('; ');
          this.constant();
        }
        this.write(']');
        break;
      case 'T': {
        this.pos++;
        this.write('(');
        let n = 0;
        while (this.pos < this.end && this.peek() !== 'E') {
          if (n > 0) this.write(', ');
          n++;
          this.type();
        }
        if (n === 1) this.write(',');
        this.write(')');
        this.expect('E');
        break;
      }
      case 'R':
      case 'Q':
        this.pos++;
        this.write('&');
        if (this.peek() === 'L') {
          this.pos++;
          const lt = this.base62();
          if (lt > 0) {
            this.lifetime(lt);
            this.write(' ');
          }
        }
        if (c === 'Q') this.write('mut ');
        this.type();
        break;
      case 'P':
        this.pos++;
        this.write('*const ');
        this.type();
        break;
      case 'O':
        this.pos++;
        this.write('*mut ');
        this.type();
        break;
      case 'F': {
        this.pos++;
        const hold = this.lifetimes;
        this.fnSig();
        this.lifetimes = hold;
        break;
      }
      case 'D': {
        this.pos++;
        const hold = this.lifetimes;
        this.dynBounds();
        this.lifetimes = hold;
        this.expect('L');
        const lt = this.base62();
        if (lt > 0) {
          if (this.last !== ' ') this.write(' ');
          this.write('+ ');
          this.lifetime(lt);
        }
        break;
      }
      case 'B':
        this.backref(() => this.type());
        break;
      default:
        this.fail();
    }
    this.depth--;
  }

  private fnSig(): void {
    this.binder();
    if (this.peek() === 'U') {
      this.pos++;
      this.write('unsafe ');
    }
    if (this.peek() === 'K') {
      this.pos++;
      if (this.peek() === 'C') {
        this.pos++;
        this.write('extern "C" ');
      } else {
        const [id, puny] = this.undisambiguatedIdentifier();
        if (puny) this.fail();
        this.write(`extern "${id.replace(/_/g, '-')}" `);
      }
    }
    this.write('fn(');
    let first = true;
    while (this.pos < this.end && this.peek() !== 'E') {
      if (!first) this.write(', ');
      first = false;
      this.type();
    }
    this.expect('E');
    this.write(')');
    if (this.peek() === 'u') {
      this.pos++;
    } else {
      this.write(' -> ');
      this.type();
    }
  }

  private dynBounds(): void {
    this.write('dyn ');
    this.binder();
    let first = true;
    while (this.pos < this.end && this.peek() !== 'E') {
      if (!first) this.write(' + ');
      first = false;
      this.dynTrait();
    }
    this.expect('E');
  }

  private dynTrait(): void {
    let started = this.pathStartGenerics();
    while (this.peek() === 'p') {
      this.pos++;
      this.write(started ? ', ' : '<');
      started = true;
      this.write(this.undisambiguatedIdentifier()[0] + ' = ');
      this.type();
    }
    if (started) this.write('>');
  }

  private pathStartGenerics(): boolean {
    const c = this.peek();
    if (c === '') this.fail();
    if (c === 'I') {
      this.pos++;
      this.path(false);
      this.write('<');
      this.genericArgs();
      this.expect('E');
      return true;
    }
    if (c === 'B') {
      let started = false;
      this.backref(() => {
        started = this.pathStartGenerics();
      });
      return started;
    }
    this.path(false);
    return false;
  }

  private lifetime(lt: number): void {
    this.write("'");
    if (lt === 0) {
      this.write('_');
      return;
    }
    const depth = this.lifetimes - lt;
    if (depth < 0) this.fail();
    if (depth < 26) this.write(String.fromCharCode(97 + depth));
    else this.write('z' + String(depth - 26 + 1));
  }

  private constant(): void {
    const c = this.peek();
    if (c === '') this.fail();
    if (c === 'B') {
      this.backref(() => this.constant());
      return;
    }
    if (c === 'p') {
      this.pos++;
      this.write('_');
      return;
    }
    const signed = 'aslxni'.includes(c);
    const unsigned = 'htmyoj'.includes(c);
    if (!signed && !unsigned && c !== 'b' && c !== 'c') this.fail();
    this.pos++;
    if (signed && this.peek() === 'n') {
      this.pos++;
      this.write('-');
    }
    const start = this.pos;
    let digits = 0;
    let val = 0n;
    for (;;) {
      const d = this.peek();
      if (d === '') break;
      this.pos++;
      if (d === '_') break;
      const v = parseInt(d, 16);
      if (!/^[0-9a-f]$/.test(d)) this.fail();
      if (val === 0n && v === 0 && this.peek() !== '_') this.fail();
      val = val * 16n + BigInt(v);
      digits++;
    }
    if (digits === 0) this.fail();
    if (signed || unsigned) {
      this.write(digits > 16 ? '0x' + this.s.slice(start, start + digits) : val.toString());
    } else if (c === 'b') {
      if (digits > 1 || val > 1n) this.fail();
      this.write(val === 0n ? 'false' : 'true');
    } else {
      if (digits > 6) this.fail();
      const n = Number(val);
      const esc: Record<number, string> = { 9: '\\t', 13: '\\r', 10: '\\n', 92: '\\\\', 39: "\\'" };
      this.write("'" + (esc[n] ?? (n >= 32 && n <= 126 ? String.fromCharCode(n) : `\\u{${n.toString(16)}}`)) + "'");
    }
  }

  /** `<base-62-number>` = {0-9a-zA-Z} "_"; wraps like a Go int64 (large values only name disambiguators). */
  private base62(): number {
    if (this.peek() === '_') {
      this.pos++;
      return 0;
    }
    let val = 0n;
    while (this.pos < this.end) {
      const c = this.s[this.pos++]!;
      if (c === '_') return Number(BigInt.asIntN(64, val + 1n));
      let d: number;
      if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
      else if (c >= 'a' && c <= 'z') d = c.charCodeAt(0) - 97 + 10;
      else if (c >= 'A' && c <= 'Z') d = c.charCodeAt(0) - 65 + 36;
      else this.fail();
      val = BigInt.asIntN(64, val * 62n + BigInt(d));
    }
    this.fail();
  }

  private decimal(): number {
    if (this.pos >= this.end) this.fail();
    let val = 0;
    while (/[0-9]/.test(this.peek())) {
      val = val * 10 + (this.s.charCodeAt(this.pos) - 48);
      if (val > 0x7fffffff) this.fail();
      this.pos++;
    }
    return val;
  }

  /** `B<base62>`: re-parses the symbol text from an earlier offset (relative to the text after `_R`). */
  private backref(f: () => void): void {
    const at = this.pos;
    this.expect('B');
    const idx = this.base62();
    if (this.skip) return;
    if (idx < 0 || idx >= at) this.fail();
    this.enter();
    const holdPos = this.pos;
    const holdEnd = this.end;
    this.pos = idx;
    this.end = at;
    f();
    this.pos = holdPos;
    this.end = holdEnd;
    this.depth--;
  }
}

function punycode(s: string): string {
  const base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;
  const idx = s.lastIndexOf('_');
  const output: number[] = idx >= 0 ? [...s.slice(0, idx)].map((ch) => ch.codePointAt(0)!) : [];
  const enc = idx >= 0 ? s.slice(idx + 1) : s;
  let i = 0;
  let n = 128;
  let bias = 72;
  let pos = 0;
  while (pos < enc.length) {
    const oldI = i;
    let w = 1;
    for (let k = base; ; k += base) {
      if (pos === enc.length) throw new DemangleError('punycode');
      const d = enc[pos++]!;
      let digit: number;
      if (d >= '0' && d <= '9') digit = d.charCodeAt(0) - 48 + 26;
      else if (d >= 'A' && d <= 'Z') digit = d.charCodeAt(0) - 65;
      else if (d >= 'a' && d <= 'z') digit = d.charCodeAt(0) - 97;
      else throw new DemangleError('punycode');
      i += digit * w;
      if (i > 0x7fffffff) throw new DemangleError('punycode');
      const t = k <= bias ? tmin : k > bias + tmax ? tmax : k - bias;
      if (digit < t) break;
      w *= base - t;
      if (w > 0x7fffffff) throw new DemangleError('punycode');
    }
    let delta = i - oldI;
    const numPoints = output.length + 1;
    delta = oldI === 0 ? Math.floor(delta / damp) : Math.floor(delta / 2);
    delta += Math.floor(delta / numPoints);
    let k = 0;
    while (delta > ((base - tmin) * tmax) / 2) {
      delta = Math.floor(delta / (base - tmin));
      k += base;
    }
    bias = k + Math.floor(((base - tmin + 1) * delta) / (delta + skew));
    n += Math.floor(i / (output.length + 1));
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) throw new DemangleError('punycode');
    i %= output.length + 1;
    output.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...output);
}

/** Legacy Rust mangling: `_ZN` + length-prefixed identifiers + `17h<16 hex>E`, with `$..$` escapes. */
function oldRust(name: string): string | null {
  let rest = name.slice(3);
  const hash = rest.slice(rest.length - 17, rest.length - 1);
  if (!/^[0-9a-f]{16}$/.test(hash) || new Set(hash).size < 5) return null;
  rest = rest.slice(0, rest.length - 20);
  const codes: Record<string, string> = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')' };
  let out = '';
  while (rest.length > 0) {
    const m = /^[0-9]+/.exec(rest);
    if (!m) return null;
    let n = Number(m[0]);
    if (n > 0x7fffffff) return null;
    rest = rest.slice(m[0].length);
    if (rest.startsWith('_')) {
      rest = rest.slice(1);
      n--;
    }
    if (n < 0 || rest.length < n) return null;
    let id = rest.slice(0, n);
    rest = rest.slice(n);
    if (out.length > 0) out += '::';
    if (id.startsWith('_$')) id = id.slice(1);
    while (id.length > 0) {
      const c = id[0]!;
      if (c === '$') {
        let ok = true;
        if (id.length > 2 && id[1] === 'C' && id[2] === '$') {
          out += ',';
          id = id.slice(3);
        } else if (id.length > 4 && id[1] === 'u' && id[4] === '$') {
          const v = parseInt(id.slice(2, 4), 16);
          if (!/^[0-7][0-9a-f]$/.test(id.slice(2, 4)) || v < 32) ok = false;
          else {
            out += String.fromCharCode(v);
            id = id.slice(5);
          }
        } else if (id.length > 3 && id[3] === '$' && codes[id.slice(1, 3)] !== undefined) {
          out += codes[id.slice(1, 3)];
          id = id.slice(4);
        } else {
          ok = false;
        }
        if (!ok) {
          out += id;
          break;
        }
      } else if (c === '.') {
        if (id.startsWith('..')) {
          out += '::';
          id = id.slice(2);
        } else {
          out += c;
          id = id.slice(1);
        }
      } else {
        out += c;
        id = id.slice(1);
      }
    }
  }
  return out;
}

/** Demangles a Rust frame name (`_R...` v0 or legacy `_ZN...E`); other names come back unchanged. */
export function demangleFrame(name: string): string {
  if (name.length > MAX_OUT) return name;
  try {
    if (name.startsWith('_R')) {
      const dot = name.indexOf('.');
      return new RustV0((dot >= 0 ? name.slice(0, dot) : name).slice(2)).run();
    }
    if (name.startsWith('_ZN')) {
      let r = name;
      const pos = r.lastIndexOf('E.');
      if (pos > 0) r = r.slice(0, pos + 1);
      if (r.endsWith('E') && r.length > 23 && r.slice(r.length - 20, r.length - 17) === '17h') {
        const s = oldRust(r);
        if (s !== null) return s;
      }
    }
    // GCC's global constructor/destructor symbols (without a C++ key).
    const g = /^_GLOBAL_([._$][ID]_.+)$/.exec(name);
    if (g && g[1]!.length >= 4 && !g[1]!.slice(3).startsWith('_Z')) {
      return `global ${g[1]![1] === 'I' ? 'constructors' : 'destructors'} keyed to ${g[1]}`;
    }
  } catch (e) {
    if (!(e instanceof DemangleError)) throw e;
  }
  return name;
}
