// The kernel's BTF (between `__start_BTF` and `__stop_BTF`, .BTF in vmlinux) read out of a dump: struct and
// union layouts by name, so the kernel-object readers find members (`task_struct.comm`) without DWARF.
// Format: include/uapi/linux/btf.h (header, then btf_type records with kind-specific trailers, then the
// string section). This is the smallest piece the object readers need (kinds are all skipped correctly,
// only struct/union/typedef/modifier/array are interpreted; anonymous members are searched through;
// bitfield members report the byte holding their first bit). Written by hand: no package reads BTF in JS.
// Every count and offset is bounded; a bad blob is a Gap, never an exception out of readBtf().
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import type { TypeLayout, Symbols } from './kernel.js';

const BTF_MAGIC = 0xeb9f;
export const MAX_BTF_BYTES = 64 << 20;
export const MAX_BTF_TYPES = 1 << 21;
const MAX_DEPTH = 32;

const K = { INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19 } as const;

/** Bytes after the 12-byte btf_type header, by kind (vlen = number of members/params/values). */
function trailer(kind: number, vlen: number): number | null {
  switch (kind) {
    case K.INT: return 4;
    case K.ARRAY: return 12;
    case K.STRUCT: case K.UNION: return vlen * 12;
    case K.ENUM: return vlen * 8;
    case K.FUNC_PROTO: return vlen * 8;
    case K.VAR: return 4;
    case K.DATASEC: return vlen * 12;
    case K.DECL_TAG: return 4;
    case K.ENUM64: return vlen * 12;
    case K.PTR: case K.FWD: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.FUNC: case K.FLOAT: case K.TYPE_TAG: return 0;
    default: return null;
  }
}

export class Btf implements TypeLayout {
  /** Byte offset of each type's record in `types` (index = type id; 0 is void). */
  private readonly at: Uint32Array;
  private readonly byName = new Map<string, number>();
  readonly count: number;

  private constructor(private readonly types: Buffer, private readonly strs: Buffer, at: Uint32Array, count: number) {
    this.at = at;
    this.count = count;
    for (let id = 1; id <= count; id++) {
      const kind = this.kind(id);
      if (kind !== K.STRUCT && kind !== K.UNION && kind !== K.TYPEDEF) continue;
      const name = this.name(id);
      if (name && !this.byName.has(name)) this.byName.set(name, id);
    }
  }

  /** Parses a BTF blob; throws an Error naming what is wrong. */
  static parse(blob: Buffer): Btf {
    if (blob.length < 24 || blob.readUInt16LE(0) !== BTF_MAGIC) throw new Error('no BTF magic');
    const hdrLen = blob.readUInt32LE(4);
    const typeOff = blob.readUInt32LE(8);
    const typeLen = blob.readUInt32LE(12);
    const strOff = blob.readUInt32LE(16);
    const strLen = blob.readUInt32LE(20);
    const end = (o: number, l: number): number => hdrLen + o + l;
    if (hdrLen < 24 || end(typeOff, typeLen) > blob.length || end(strOff, strLen) > blob.length) throw new Error('BTF header sections lie outside the blob');
    const types = blob.subarray(hdrLen + typeOff, hdrLen + typeOff + typeLen);
    const strs = blob.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
    const at: number[] = [0];
    let p = 0;
    while (p + 12 <= types.length) {
      if (at.length > MAX_BTF_TYPES) throw new Error(`more than ${MAX_BTF_TYPES} BTF types`);
      const info = types.readUInt32LE(p + 4);
      const t = trailer((info >>> 24) & 0x1f, info & 0xffff);
      if (t === null) throw new Error(`BTF type ${at.length} has unknown kind ${(info >>> 24) & 0x1f}`);
      if (p + 12 + t > types.length) throw new Error(`BTF type ${at.length} runs past the type section`);
      at.push(p);
      p += 12 + t;
    }
    return new Btf(types, strs, Uint32Array.from(at), at.length - 1);
  }

  private info(id: number): number {
    return this.types.readUInt32LE(this.at[id]! + 4);
  }

  kind(id: number): number {
    return id <= 0 || id > this.count ? 0 : (this.info(id) >>> 24) & 0x1f;
  }

  private str(off: number): string {
    if (off >= this.strs.length) return '';
    let e = off;
    while (e < this.strs.length && this.strs[e] !== 0 && e - off < 512) e++;
    return this.strs.toString('latin1', off, e);
  }

  name(id: number): string {
    return id <= 0 || id > this.count ? '' : this.str(this.types.readUInt32LE(this.at[id]!));
  }

  private sizeOrType(id: number): number {
    return this.types.readUInt32LE(this.at[id]! + 8);
  }

  /** Strips typedefs and modifiers. */
  resolve(id: number): number {
    for (let i = 0; i < MAX_DEPTH && id > 0 && id <= this.count; i++) {
      const k = this.kind(id);
      if (k === K.TYPEDEF || k === K.VOLATILE || k === K.CONST || k === K.RESTRICT || k === K.TYPE_TAG) id = this.sizeOrType(id);
      else return id;
    }
    return 0;
  }

  /** Type id of a struct, union or typedef by name. */
  typeId(name: string): number | null {
    return this.byName.get(name) ?? null;
  }

  /** Finds a member of a struct/union by name, searching anonymous members; offset in bytes and its type. */
  member(id: number, name: string, depth = 0): { offset: number; type: number } | null {
    id = this.resolve(id);
    const k = this.kind(id);
    if ((k !== K.STRUCT && k !== K.UNION) || depth > MAX_DEPTH) return null;
    const info = this.info(id);
    const vlen = info & 0xffff;
    const bitfields = (info >>> 31) !== 0;
    const base = this.at[id]! + 12;
    for (let i = 0; i < vlen; i++) {
      const m = base + i * 12;
      const mname = this.str(this.types.readUInt32LE(m));
      const mtype = this.types.readUInt32LE(m + 4);
      const raw = this.types.readUInt32LE(m + 8);
      const bits = bitfields ? raw & 0xffffff : raw;
      if (mname === name) return { offset: Math.floor(bits / 8), type: mtype };
      if (mname === '') {
        const inner = this.member(mtype, name, depth + 1);
        if (inner) return { offset: Math.floor(bits / 8) + inner.offset, type: inner.type };
      }
    }
    return null;
  }

  memberOffset(struct: string, path: string): number | null {
    let id = this.typeId(struct);
    if (id === null) return null;
    let off = 0;
    for (const part of path.split('.')) {
      const m = this.member(id, part);
      if (!m) return null;
      off += m.offset;
      id = m.type;
    }
    return off;
  }

  sizeOf(struct: string): number | null {
    const id = this.typeId(struct);
    if (id === null) return null;
    const r = this.resolve(id);
    const k = this.kind(r);
    return k === K.STRUCT || k === K.UNION || k === K.INT || k === K.ENUM || k === K.FLOAT ? this.sizeOrType(r) : null;
  }
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
    if (r.bad.length) return gap(`${r.bad.length} page(s) of the BTF blob are not in the dump (first at +0x${r.bad[0]!.offset.toString(16)}: ${r.bad[0]!.why})`);
    return { btf: Btf.parse(r.data), gaps: [] };
  } catch (e) {
    return gap((e as Error).message);
  }
}
