// The kernel's BTF (between `__start_BTF` and `__stop_BTF`, .BTF in vmlinux; /sys/kernel/btf/vmlinux is the
// same blob) read out of a dump or a file: every kind of include/uapi/linux/btf.h (INT, PTR, ARRAY, STRUCT,
// UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG,
// TYPE_TAG, ENUM64), types by name, member paths through anonymous structs/unions and arrays
// (`thread_info.cpu`, `core_layout.base`, `mem[1].size`), bitfields (kind_flag member offsets), sizes and C
// declarations. Format: a 24-byte header, then btf_type records (name_off, info = kind<<24 | vlen |
// kind_flag<<31, size-or-type) each followed by a kind-specific trailer, then the string section.
// Lazy: Btf.parse() makes one pass that only records where each type's record starts (100,750 types in
// 4.36 MB on the lab kernel); a type is decoded when asked, and the first lookup by name hashes the names of
// the named types (not functions) into an index.
// Bounded: type counts, chains of references (typedef loops), string offsets and array sizes are checked;
// Btf.parse() throws one Error naming a blob it cannot index, and later problems (a type id or a string out
// of range, a loop) are recorded as `problems` (turned into Gaps) while the lookup gives null or `?`.
// Written by hand: no package reads BTF in JS.
import { readFileSync, statSync } from 'node:fs';
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import type { TypeLayout, Symbols } from './kernel.js';

const BTF_MAGIC = 0xeb9f;
export const MAX_BTF_BYTES = 64 << 20;
/** BTF_MAX_TYPE is 0xfffff; a blob past that is corrupt. */
export const MAX_BTF_TYPES = 0xfffff;
/** Longest chain of typedefs/modifiers/arrays/anonymous members followed before calling it a loop. */
export const MAX_DEPTH = 64;
const MAX_NAME = 1024;
const MAX_PROBLEMS = 50;
const MAX_DECL_STEPS = 512;
const MAX_DECL_CHARS = 4096;

export const KIND = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 } as const;

export type BtfKind = 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef' | 'volatile' | 'const' | 'restrict' | 'func' | 'func_proto' | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag' | 'enum64';
export const KIND_NAMES: readonly BtfKind[] = ['void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64'];

export interface BtfMember {
  name: string;
  type: number;
  /** Offset of the member's first bit from the start of its struct. */
  bitOffset: number;
  /** Width of a bitfield (kind_flag structs), 0 for an ordinary member. */
  bitSize: number;
}
export interface BtfParam { name: string; type: number }
export interface BtfEnumValue { name: string; value: bigint }
export interface BtfVarSecinfo { type: number; offset: number; size: number }

interface Base { id: number; name: string }
export type BtfType =
  | (Base & { kind: 'void' })
  | (Base & { kind: 'int'; size: number; signed: boolean; char: boolean; bool: boolean; bitOffset: number; bits: number })
  | (Base & { kind: 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag'; type: number })
  | (Base & { kind: 'array'; type: number; indexType: number; nelems: number })
  | (Base & { kind: 'struct' | 'union'; size: number; members: BtfMember[]; bitfields: boolean })
  | (Base & { kind: 'enum' | 'enum64'; size: number; signed: boolean; values: BtfEnumValue[] })
  | (Base & { kind: 'fwd'; union: boolean })
  | (Base & { kind: 'func'; type: number; linkage: number })
  | (Base & { kind: 'func_proto'; type: number; params: BtfParam[]; variadic: boolean })
  | (Base & { kind: 'var'; type: number; linkage: number })
  | (Base & { kind: 'datasec'; size: number; vars: BtfVarSecinfo[] })
  | (Base & { kind: 'float'; size: number })
  | (Base & { kind: 'decl_tag'; type: number; componentIdx: number });

/** Where a member path ends: bit offset from the start of the outer type, the member's type, bitfield width. */
export interface MemberRef {
  bitOffset: number;
  type: number;
  bitSize: number;
}

/** Bytes after the 12-byte btf_type header, by kind (vlen = number of members/params/values). */
function trailer(kind: number, vlen: number): number | null {
  switch (kind) {
    case KIND.INT: return 4;
    case KIND.ARRAY: return 12;
    case KIND.STRUCT: case KIND.UNION: return vlen * 12;
    case KIND.ENUM: return vlen * 8;
    case KIND.FUNC_PROTO: return vlen * 8;
    case KIND.VAR: return 4;
    case KIND.DATASEC: return vlen * 12;
    case KIND.DECL_TAG: return 4;
    case KIND.ENUM64: return vlen * 12;
    case KIND.PTR: case KIND.FWD: case KIND.TYPEDEF: case KIND.VOLATILE: case KIND.CONST: case KIND.RESTRICT: case KIND.FUNC: case KIND.FLOAT: case KIND.TYPE_TAG: return 0;
    default: return null;
  }
}

const REF_KINDS = new Set<number>([KIND.TYPEDEF, KIND.VOLATILE, KIND.CONST, KIND.RESTRICT, KIND.TYPE_TAG]);
const CACHE_MAX = 8192;

export class Btf implements TypeLayout {
  /** Byte offset of each type's record in `types` (index = type id; 0 is void). */
  private readonly at: Uint32Array;
  readonly count: number;
  /** Problems met while decoding (bounded, each once): become Gaps of whoever reports the BTF. */
  readonly problems: string[] = [];
  private readonly cache = new Map<number, BtfType>();
  private byName: Map<number, number | number[]> | null = null;
  private declSteps = 0;

  private constructor(private readonly types: Buffer, private readonly strs: Buffer, at: Uint32Array, count: number, readonly ptrSize: number) {
    this.at = at;
    this.count = count;
  }

  /** Indexes a BTF blob (one pass over the record headers); throws an Error naming what is wrong. */
  static parse(blob: Buffer, opts: { ptrSize?: number } = {}): Btf {
    if (blob.length < 24 || blob.readUInt16LE(0) !== BTF_MAGIC) throw new Error('no BTF magic (0xeb9f)');
    if (blob.length > MAX_BTF_BYTES) throw new Error(`BTF blob of ${blob.length} bytes (at most ${MAX_BTF_BYTES})`);
    const version = blob[2]!;
    if (version !== 1) throw new Error(`BTF version ${version} (only 1 is known)`);
    const hdrLen = blob.readUInt32LE(4);
    const typeOff = blob.readUInt32LE(8);
    const typeLen = blob.readUInt32LE(12);
    const strOff = blob.readUInt32LE(16);
    const strLen = blob.readUInt32LE(20);
    const end = (o: number, l: number): number => hdrLen + o + l;
    if (hdrLen < 24 || hdrLen > blob.length) throw new Error(`BTF header length ${hdrLen}`);
    if (end(typeOff, typeLen) > blob.length || end(strOff, strLen) > blob.length) throw new Error('BTF header sections lie outside the blob');
    const types = blob.subarray(hdrLen + typeOff, hdrLen + typeOff + typeLen);
    const strs = blob.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
    const at = new Uint32Array(Math.min(MAX_BTF_TYPES, Math.floor(typeLen / 12)) + 2);
    let n = 0;
    let p = 0;
    while (p + 12 <= types.length) {
      if (n >= MAX_BTF_TYPES) throw new Error(`more than ${MAX_BTF_TYPES} BTF types`);
      const info = types.readUInt32LE(p + 4);
      const kind = (info >>> 24) & 0x1f;
      const t = trailer(kind, info & 0xffff);
      if (t === null) throw new Error(`BTF type ${n + 1} has unknown kind ${kind}`);
      if (p + 12 + t > types.length) throw new Error(`BTF type ${n + 1} runs past the type section`);
      at[++n] = p;
      p += 12 + t;
    }
    if (p !== types.length) throw new Error(`BTF type section has ${types.length - p} trailing bytes`);
    return new Btf(types, strs, at.subarray(0, n + 1), n, opts.ptrSize ?? 8);
  }

  problem(what: string): void {
    if (this.problems.length < MAX_PROBLEMS && !this.problems.includes(what)) this.problems.push(what);
  }

  /** The kind number of a type (0 for void or an id out of range). */
  kind(id: number): number {
    return id <= 0 || id > this.count ? 0 : (this.types.readUInt32LE(this.at[id]! + 4) >>> 24) & 0x1f;
  }

  kindName(id: number): BtfKind {
    return KIND_NAMES[this.kind(id)] ?? 'void';
  }

  private str(off: number): string {
    if (off === 0) return '';
    if (off >= this.strs.length) {
      this.problem(`BTF string offset ${off} is past the string section (${this.strs.length} bytes)`);
      return '';
    }
    let e = off;
    const lim = Math.min(this.strs.length, off + MAX_NAME);
    while (e < lim && this.strs[e] !== 0) e++;
    return this.strs.toString('latin1', off, e);
  }

  name(id: number): string {
    return id <= 0 || id > this.count ? '' : this.str(this.types.readUInt32LE(this.at[id]!));
  }

  /** Decodes one type (cached); an id out of range is void plus a problem. */
  type(id: number): BtfType {
    if (id === 0) return { id: 0, name: '', kind: 'void' };
    if (!(id > 0 && id <= this.count)) {
      this.problem(`BTF type id ${id} is out of range (${this.count} types)`);
      return { id, name: '', kind: 'void' };
    }
    const hit = this.cache.get(id);
    if (hit) return hit;
    const t = this.decode(id);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(id, t);
    return t;
  }

  private decode(id: number): BtfType {
    const b = this.types;
    const p = this.at[id]!;
    const name = this.str(b.readUInt32LE(p));
    const info = b.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const st = b.readUInt32LE(p + 8);
    const q = p + 12;
    switch (kind) {
      case KIND.INT: {
        const e = b.readUInt32LE(q);
        const enc = (e >>> 24) & 0x0f;
        return { id, name, kind: 'int', size: st, signed: (enc & 1) !== 0, char: (enc & 2) !== 0, bool: (enc & 4) !== 0, bitOffset: (e >>> 16) & 0xff, bits: e & 0xff };
      }
      case KIND.PTR: return { id, name, kind: 'ptr', type: st };
      case KIND.TYPEDEF: return { id, name, kind: 'typedef', type: st };
      case KIND.VOLATILE: return { id, name, kind: 'volatile', type: st };
      case KIND.CONST: return { id, name, kind: 'const', type: st };
      case KIND.RESTRICT: return { id, name, kind: 'restrict', type: st };
      case KIND.TYPE_TAG: return { id, name, kind: 'type_tag', type: st };
      case KIND.ARRAY: return { id, name, kind: 'array', type: b.readUInt32LE(q), indexType: b.readUInt32LE(q + 4), nelems: b.readUInt32LE(q + 8) };
      case KIND.STRUCT: case KIND.UNION: {
        const members: BtfMember[] = new Array<BtfMember>(vlen);
        for (let i = 0; i < vlen; i++) {
          const m = q + i * 12;
          const raw = b.readUInt32LE(m + 8);
          members[i] = { name: this.str(b.readUInt32LE(m)), type: b.readUInt32LE(m + 4), bitOffset: kflag ? raw & 0xffffff : raw, bitSize: kflag ? raw >>> 24 : 0 };
        }
        return { id, name, kind: kind === KIND.STRUCT ? 'struct' : 'union', size: st, members, bitfields: kflag };
      }
      case KIND.ENUM: {
        const values: BtfEnumValue[] = new Array<BtfEnumValue>(vlen);
        for (let i = 0; i < vlen; i++) values[i] = { name: this.str(b.readUInt32LE(q + i * 8)), value: kflag ? BigInt(b.readInt32LE(q + i * 8 + 4)) : BigInt(b.readUInt32LE(q + i * 8 + 4)) };
        return { id, name, kind: 'enum', size: st, signed: kflag, values };
      }
      case KIND.ENUM64: {
        const values: BtfEnumValue[] = new Array<BtfEnumValue>(vlen);
        for (let i = 0; i < vlen; i++) {
          const m = q + i * 12;
          const u = (BigInt(b.readUInt32LE(m + 8)) << 32n) | BigInt(b.readUInt32LE(m + 4));
          values[i] = { name: this.str(b.readUInt32LE(m)), value: kflag ? BigInt.asIntN(64, u) : u };
        }
        return { id, name, kind: 'enum64', size: st, signed: kflag, values };
      }
      case KIND.FWD: return { id, name, kind: 'fwd', union: kflag };
      case KIND.FUNC: return { id, name, kind: 'func', type: st, linkage: vlen };
      case KIND.FUNC_PROTO: {
        const params: BtfParam[] = [];
        let variadic = false;
        for (let i = 0; i < vlen; i++) {
          const n = b.readUInt32LE(q + i * 8);
          const t = b.readUInt32LE(q + i * 8 + 4);
          if (i === vlen - 1 && n === 0 && t === 0) variadic = true;
          else params.push({ name: this.str(n), type: t });
        }
        return { id, name, kind: 'func_proto', type: st, params, variadic };
      }
      case KIND.VAR: return { id, name, kind: 'var', type: st, linkage: b.readUInt32LE(q) };
      case KIND.DATASEC: {
        const vars: BtfVarSecinfo[] = new Array<BtfVarSecinfo>(vlen);
        for (let i = 0; i < vlen; i++) vars[i] = { type: b.readUInt32LE(q + i * 12), offset: b.readUInt32LE(q + i * 12 + 4), size: b.readUInt32LE(q + i * 12 + 8) };
        return { id, name, kind: 'datasec', size: st, vars };
      }
      case KIND.FLOAT: return { id, name, kind: 'float', size: st };
      case KIND.DECL_TAG: return { id, name, kind: 'decl_tag', type: st, componentIdx: b.readInt32LE(q) };
      default: return { id, name, kind: 'void' }; // unreachable: parse() refused unknown kinds
    }
  }

  /** Every type id whose name is `name` (functions and decl tags excepted), in id order. */
  idsByName(name: string): number[] {
    if (name === '' || name.length > MAX_NAME) return [];
    const cands = this.nameIndex().get(fnv1a(Buffer.from(name, 'latin1'), 0, name.length));
    if (cands === undefined) return [];
    const list = typeof cands === 'number' ? [cands] : cands;
    return list.filter((id) => this.name(id) === name);
  }

  /**
   * Hash of the name → type id(s), built on the first name lookup: one pass over the record headers hashing
   * the name bytes of named types other than functions and decl tags (no strings made; a lookup checks
   * the candidates' names).
   */
  private nameIndex(): Map<number, number | number[]> {
    if (this.byName) return this.byName;
    const m = new Map<number, number | number[]>();
    const b = this.types;
    const strs = this.strs;
    for (let id = 1; id <= this.count; id++) {
      const p = this.at[id]!;
      const off = b.readUInt32LE(p);
      if (off === 0 || off >= strs.length) continue;
      const k = (b.readUInt32LE(p + 4) >>> 24) & 0x1f;
      if (k === KIND.FUNC || k === KIND.DECL_TAG) continue; // not types an object reader asks for
      let e = off;
      const lim = Math.min(strs.length, off + MAX_NAME);
      while (e < lim && strs[e] !== 0) e++;
      const h = fnv1a(strs, off, e);
      const prev = m.get(h);
      if (prev === undefined) m.set(h, id);
      else if (typeof prev === 'number') m.set(h, [prev, id]);
      else prev.push(id);
    }
    this.byName = m;
    return m;
  }

  /**
   * A type by name. `struct X`, `union X`, `enum X` ask for that kind; a bare name prefers a struct or union
   * with members, then a typedef, an enum, a base type, anything but a forward declaration, and lastly one.
   */
  findType(spec: string): number | null {
    const m = /^\s*(struct|union|enum)\s+(\S+)\s*$/.exec(spec);
    const name = m ? m[2]! : spec.trim();
    const ids = this.idsByName(name);
    if (!ids.length) return null;
    const rank = (id: number): number => {
      const k = this.kind(id);
      if (m) {
        const want = m[1] === 'struct' ? [KIND.STRUCT] : m[1] === 'union' ? [KIND.UNION] : [KIND.ENUM, KIND.ENUM64];
        return (want as number[]).includes(k) ? 0 : k === KIND.FWD ? 8 : 9;
      }
      if (k === KIND.STRUCT || k === KIND.UNION) return 0;
      if (k === KIND.TYPEDEF) return 1;
      if (k === KIND.ENUM || k === KIND.ENUM64) return 2;
      if (k === KIND.INT || k === KIND.FLOAT) return 3;
      if (k === KIND.FWD) return 8;
      if (k === KIND.DECL_TAG) return 9;
      return 4;
    };
    let best = ids[0]!;
    for (const id of ids) if (rank(id) < rank(best)) best = id;
    return rank(best) === 9 ? null : best;
  }

  /** Type id of a struct, union or typedef by name (the layouts the object readers ask for). */
  typeId(name: string): number | null {
    const id = this.findType(name);
    if (id === null) return null;
    const k = this.kind(id);
    return k === KIND.STRUCT || k === KIND.UNION || k === KIND.TYPEDEF ? id : null;
  }

  /** Strips typedefs, modifiers and type tags; a loop or a chain longer than MAX_DEPTH is 0 (void) and a problem. */
  resolve(id: number): number {
    for (let i = 0; i < MAX_DEPTH; i++) {
      if (!(id > 0 && id <= this.count)) return id === 0 ? 0 : (this.type(id), 0);
      if (!REF_KINDS.has(this.kind(id))) return id;
      id = this.types.readUInt32LE(this.at[id]! + 8);
    }
    this.problem(`BTF type chain longer than ${MAX_DEPTH} (a typedef/modifier loop) ending at type ${id}`);
    return 0;
  }

  /** Size in bytes of a type (arrays: elements x size, pointers: ptrSize); null for void, functions, forwards and loops. */
  sizeOfType(id: number, depth = 0): number | null {
    if (depth > MAX_DEPTH) {
      this.problem(`BTF array/type nesting deeper than ${MAX_DEPTH} at type ${id}`);
      return null;
    }
    const r = this.resolve(id);
    const t = this.type(r);
    switch (t.kind) {
      case 'int': case 'struct': case 'union': case 'enum': case 'enum64': case 'float': case 'datasec': return t.size;
      case 'ptr': return this.ptrSize;
      case 'array': {
        const e = this.sizeOfType(t.type, depth + 1);
        if (e === null) return null;
        const n = e * t.nelems;
        return Number.isSafeInteger(n) ? n : null;
      }
      case 'var': return this.sizeOfType(t.type, depth + 1);
      default: return null;
    }
  }

  /**
   * Finds a direct or anonymous-nested member of a struct/union by name. Each anonymous type is searched
   * once per lookup (C cannot hold the same anonymous type twice in one struct), so hostile BTF whose
   * anonymous members refer back to their struct cannot make the search exponential.
   */
  member(id: number, name: string, depth = 0, seen: Set<number> = new Set()): MemberRef | null {
    if (depth > MAX_DEPTH) {
      this.problem(`BTF anonymous members nested deeper than ${MAX_DEPTH} at type ${id}`);
      return null;
    }
    const r = this.resolve(id);
    if (seen.has(r)) return null;
    seen.add(r);
    const t = this.type(r);
    if (t.kind !== 'struct' && t.kind !== 'union') return null;
    for (const m of t.members) {
      if (m.name === name) return { bitOffset: m.bitOffset, type: m.type, bitSize: m.bitSize };
      if (m.name === '') {
        const inner = this.member(m.type, name, depth + 1, seen);
        if (inner) return { ...inner, bitOffset: m.bitOffset + inner.bitOffset };
      }
    }
    return null;
  }

  /**
   * A member path from type `id`: dotted names through structs/unions (anonymous ones searched) and array
   * indices (`a.b[3].c`, `[2]`). Null when a step is missing, an index is past a sized array, or the path is
   * malformed; pointers are not followed (that needs memory: KernelContext.read).
   */
  memberPath(id: number, path: string): MemberRef | null {
    const steps = parsePath(path);
    if (!steps) return null;
    let cur: MemberRef = { bitOffset: 0, type: id, bitSize: 0 };
    for (const s of steps) {
      if (typeof s === 'string') {
        const m = this.member(cur.type, s);
        if (!m) return null;
        cur = { bitOffset: cur.bitOffset + m.bitOffset, type: m.type, bitSize: m.bitSize };
      } else {
        const t = this.type(this.resolve(cur.type));
        if (t.kind !== 'array') return null;
        if (t.nelems !== 0 && s >= t.nelems) return null;
        const es = this.sizeOfType(t.type);
        if (es === null) return null;
        const off = cur.bitOffset + s * es * 8;
        if (!Number.isSafeInteger(off)) return null;
        cur = { bitOffset: off, type: t.type, bitSize: 0 };
      }
    }
    return cur;
  }

  /** Byte offset of a member path in a struct (bitfields: the byte holding their first bit). */
  memberOffset(struct: string, path: string): number | null {
    const id = this.typeId(struct);
    if (id === null) return null;
    const m = this.memberPath(id, path);
    return m ? Math.floor(m.bitOffset / 8) : null;
  }

  sizeOf(struct: string): number | null {
    const id = this.findType(struct);
    return id === null ? null : this.sizeOfType(id);
  }

  /** The C name of a type (`struct list_head *`, `char [16]`, `void (*)(struct callback_head *)`). */
  typeName(id: number): string {
    return this.declare(id, '');
  }

  /**
   * A C declaration of `name` with type `id` (`char comm[16]`, `struct list_head *next`). Bounded in depth
   * and in total steps (function prototypes whose parameters point back at them would otherwise explode).
   */
  declare(id: number, name: string, depth = 0): string {
    const join = (base: string, inner: string): string => (inner ? `${base} ${inner}` : base);
    if (depth === 0) this.declSteps = 0;
    if (depth > MAX_DEPTH || ++this.declSteps > MAX_DECL_STEPS || name.length > MAX_DECL_CHARS) {
      this.problem(`BTF declaration of type ${id} nests deeper than ${MAX_DEPTH} or is too long (a loop)`);
      return join('?', name.length > MAX_DECL_CHARS ? name.slice(0, 64) + '...' : name);
    }
    const t = this.type(id);
    switch (t.kind) {
      case 'void': return join('void', name);
      case 'int': case 'float': case 'typedef': return join(t.name || '?', name);
      case 'struct': case 'union': return join(`${t.kind} ${t.name || '{...}'}`, name);
      case 'enum': case 'enum64': return join(`enum ${t.name || '{...}'}`, name);
      case 'fwd': return join(`${t.union ? 'union' : 'struct'} ${t.name}`, name);
      case 'ptr': {
        const target = this.kind(this.resolveQualifiers(t.type));
        const inner = /^(?:const|volatile|restrict)\b/.test(name) ? `* ${name}` : `*${name}`;
        return this.declare(t.type, target === KIND.ARRAY || target === KIND.FUNC_PROTO ? `(${inner})` : inner, depth + 1);
      }
      case 'const': case 'volatile': case 'restrict': {
        const target = this.kind(this.resolveQualifiers(t.type));
        if (target === KIND.PTR) return this.declare(t.type, name ? `${t.kind} ${name}` : t.kind, depth + 1);
        return `${t.kind} ${this.declare(t.type, name, depth + 1)}`;
      }
      case 'type_tag': return this.declare(t.type, name, depth + 1);
      case 'array': return this.declare(t.type, `${name}[${t.nelems}]`, depth + 1);
      case 'func_proto': {
        const ps = t.params.map((p) => this.declare(p.type, '', depth + 1));
        if (t.variadic) ps.push('...');
        return this.declare(t.type, `${name}(${ps.length ? ps.join(', ') : 'void'})`, depth + 1);
      }
      case 'func': return this.declare(t.type, t.name, depth + 1);
      case 'var': return this.declare(t.type, t.name, depth + 1);
      case 'datasec': return `section ${t.name}`;
      case 'decl_tag': return `__attribute__((btf_decl_tag("${t.name}")))`;
    }
  }

  /** Follows const/volatile/restrict/type_tag (not typedefs) to see what a pointer or qualifier applies to. */
  private resolveQualifiers(id: number): number {
    for (let i = 0; i < MAX_DEPTH; i++) {
      const k = this.kind(id);
      if (k === KIND.CONST || k === KIND.VOLATILE || k === KIND.RESTRICT || k === KIND.TYPE_TAG) id = this.types.readUInt32LE(this.at[id]! + 8);
      else return id;
    }
    return 0;
  }

  /** The name of an enum value (flags or values no enumerator names give null). */
  enumName(id: number, value: bigint): string | null {
    const t = this.type(this.resolve(id));
    if (t.kind !== 'enum' && t.kind !== 'enum64') return null;
    return t.values.find((v) => v.value === value)?.name ?? null;
  }

  /** The value of a named enumerator of any enum (`TASK_COMM_LEN`), searched by name. */
  enumValue(name: string): bigint | null {
    const needle = Buffer.from(name + '\0', 'latin1');
    if (name === '' || this.strs.indexOf(needle) < 0) return null;
    for (let id = 1; id <= this.count; id++) {
      const k = this.kind(id);
      if (k !== KIND.ENUM && k !== KIND.ENUM64) continue;
      const t = this.type(id);
      const v = t.kind === 'enum' || t.kind === 'enum64' ? t.values.find((x) => x.name === name) : undefined;
      if (v) return v.value;
    }
    return null;
  }
}

/** 32-bit FNV-1a of bytes [from, to). */
function fnv1a(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** `a.b[3].c` → ['a', 'b', 3, 'c'] (also `[2]`, `a[1][2]`); null when malformed. */
export function parsePath(path: string): (string | number)[] | null {
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[\s*(0x[0-9a-fA-F]+|\d+)\s*\]/y;
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return null;
    const dot = m[0].startsWith('.');
    if (m[1] !== undefined) {
      // A name needs a dot unless it starts the path.
      if (dot === (out.length === 0)) return null;
      out.push(m[1]);
    } else {
      const v = Number(m[2]);
      if (!Number.isSafeInteger(v)) return null;
      out.push(v);
    }
    i = re.lastIndex;
  }
  return out;
}

export interface BtfResult {
  btf: Btf | null;
  gaps: Gap[];
}

/** The dump's BTF, found by the `__start_BTF`/`__stop_BTF` symbols. */
export function readBtf(dump: Dump, symbols: Symbols): BtfResult {
  const gap = (what: string): BtfResult => ({ btf: null, gaps: [{ source: dump.path, what: `BTF: ${what}` }] });
  const start = symbols.byName('__start_BTF')[0]?.address;
  const stop = symbols.byName('__stop_BTF')[0]?.address;
  if (start === undefined || stop === undefined) return gap('kallsyms has no __start_BTF/__stop_BTF (a kernel without CONFIG_DEBUG_INFO_BTF): use --btf FILE');
  const len = Number(stop - start);
  if (!(len > 24 && len <= MAX_BTF_BYTES)) return gap(`__stop_BTF - __start_BTF is ${len} bytes`);
  try {
    const r = dump.readVirt(start, len);
    if (r.bad.length) return gap(`${r.bad.length} page(s) of the BTF blob are not in the dump (first at +0x${r.bad[0]!.offset.toString(16)}: ${r.bad[0]!.why}): use --btf FILE`);
    return { btf: Btf.parse(r.data), gaps: [] };
  } catch (e) {
    return gap((e as Error).message);
  }
}

/** BTF from a file: a copy of /sys/kernel/btf/vmlinux (raw BTF, as the kernel exports it). */
export function readBtfFile(path: string): BtfResult {
  const gap = (what: string): BtfResult => ({ btf: null, gaps: [{ source: path, what: `BTF file: ${what}` }] });
  try {
    const size = statSync(path).size;
    if (size > MAX_BTF_BYTES) return gap(`${size} bytes (at most ${MAX_BTF_BYTES})`);
    const blob = readFileSync(path);
    if (blob.length >= 4 && blob.readUInt32LE(0) === 0x464c457f) return gap('this is an ELF file: give the raw BTF (a copy of /sys/kernel/btf/vmlinux, or objcopy -O binary --only-section=.BTF vmlinux)');
    return { btf: Btf.parse(blob), gaps: [] };
  } catch (e) {
    return gap((e as Error).message.split('\n')[0]!);
  }
}

/** The BTF's decoding problems as Gaps. */
export function btfGaps(btf: Btf, source: string): Gap[] {
  return btf.problems.map((p) => ({ source, what: `BTF: ${p}` }));
}
