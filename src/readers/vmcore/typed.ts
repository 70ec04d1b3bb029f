// Typed views of kernel memory through the BTF: a struct's layout (members with their offsets, as crash's
// `struct -o` lists them) and the value of a typed object decoded from its bytes (integers with their sign,
// bitfields, enums by name, pointers, char arrays as strings, nested structs and arrays), for
// `ktriage struct` and KernelContext.read. Bounded: a node budget and the BTF's depth limit cap what one
// decode or layout produces; whatever is cut is marked, never an exception.
import { type Btf, MAX_DEPTH } from './btf.js';

export type Value =
  | { kind: 'int'; value: bigint; bool?: boolean; char?: boolean; enumName?: string | null }
  | { kind: 'ptr'; value: bigint }
  | { kind: 'string'; value: string; bytes: number }
  | { kind: 'array'; elems: Value[]; omitted: number }
  | { kind: 'struct'; union: boolean; members: { name: string; value: Value }[]; omitted: number }
  | { kind: 'float'; value: number }
  | { kind: 'unknown'; why: string };

export interface DecodeBudget {
  /** Value nodes left. */
  nodes: number;
  /** Elements shown per array before the rest is counted as omitted. */
  maxElems: number;
}

export function budget(nodes = 50_000, maxElems = 256): DecodeBudget {
  return { nodes, maxElems };
}

/** Reads `bits` bits at bit `bitOffset` of `buf` (little-endian), as unsigned. */
export function readBits(buf: Buffer, bitOffset: number, bits: number): bigint | null {
  if (bits <= 0 || bits > 128) return null;
  const first = Math.floor(bitOffset / 8);
  const last = Math.floor((bitOffset + bits - 1) / 8);
  if (first < 0 || last >= buf.length) return null;
  let v = 0n;
  for (let i = last; i >= first; i--) v = (v << 8n) | BigInt(buf[i]!);
  return (v >> BigInt(bitOffset - first * 8)) & ((1n << BigInt(bits)) - 1n);
}

function signExtend(v: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, v);
}

/**
 * Decodes a value of type `id` whose first bit is `bitOffset` bits into `buf`; `bitSize` > 0 for a bitfield.
 * Bytes missing from `buf` give an `unknown` node.
 */
export function decodeValue(btf: Btf, id: number, buf: Buffer, bitOffset = 0, bitSize = 0, b: DecodeBudget = budget(), depth = 0): Value {
  if (b.nodes-- <= 0) return { kind: 'unknown', why: 'output limit reached' };
  if (depth > MAX_DEPTH) return { kind: 'unknown', why: `nested deeper than ${MAX_DEPTH}` };
  const r = btf.resolve(id);
  const t = btf.type(r);
  const size = btf.sizeOfType(r);
  const need = bitSize > 0 ? bitSize : (size ?? 0) * 8;
  if (t.kind !== 'void' && t.kind !== 'func_proto' && t.kind !== 'fwd' && bitOffset + need > buf.length * 8) return { kind: 'unknown', why: 'past the bytes read' };
  switch (t.kind) {
    case 'int': case 'enum': case 'enum64': {
      const signed = t.signed;
      let bits = bitSize > 0 ? bitSize : t.size * 8;
      let off = bitOffset;
      if (t.kind === 'int' && bitSize === 0 && t.bits > 0 && t.bits < t.size * 8) {
        off += t.bitOffset;
        bits = t.bits;
      }
      const raw = readBits(buf, off, bits);
      if (raw === null) return { kind: 'unknown', why: `a ${bits}-bit integer` };
      const value = signed ? signExtend(raw, bits) : raw;
      if (t.kind === 'int') return { kind: 'int', value, ...(t.bool ? { bool: true } : {}), ...(t.char ? { char: true } : {}) };
      return { kind: 'int', value, enumName: btf.enumName(r, value) };
    }
    case 'ptr': {
      const raw = readBits(buf, bitOffset, btf.ptrSize * 8);
      return raw === null ? { kind: 'unknown', why: 'a pointer' } : { kind: 'ptr', value: raw };
    }
    case 'float': {
      if (bitOffset % 8 !== 0) return { kind: 'unknown', why: 'an unaligned float' };
      const o = bitOffset / 8;
      if (t.size === 4) return { kind: 'float', value: buf.readFloatLE(o) };
      if (t.size === 8) return { kind: 'float', value: buf.readDoubleLE(o) };
      return { kind: 'unknown', why: `a ${t.size}-byte float` };
    }
    case 'array': {
      const et = btf.type(btf.resolve(t.type));
      const es = btf.sizeOfType(t.type);
      if (es === null) return { kind: 'unknown', why: 'an array of unsized elements' };
      if (et.kind === 'int' && et.size === 1 && (et.char || btf.name(et.id) === 'char') && bitOffset % 8 === 0) {
        const o = bitOffset / 8;
        const bytes = buf.subarray(o, o + t.nelems);
        const z = bytes.indexOf(0);
        return { kind: 'string', value: bytes.toString('latin1', 0, z < 0 ? bytes.length : z), bytes: t.nelems };
      }
      const n = Math.min(t.nelems, b.maxElems);
      const elems: Value[] = [];
      for (let i = 0; i < n && b.nodes > 0; i++) elems.push(decodeValue(btf, t.type, buf, bitOffset + i * es * 8, 0, b, depth + 1));
      return { kind: 'array', elems, omitted: t.nelems - elems.length };
    }
    case 'struct': case 'union': {
      const members: { name: string; value: Value }[] = [];
      let i = 0;
      for (; i < t.members.length && b.nodes > 0; i++) {
        const m = t.members[i]!;
        members.push({ name: m.name, value: decodeValue(btf, m.type, buf, bitOffset + m.bitOffset, m.bitSize, b, depth + 1) });
      }
      return { kind: 'struct', union: t.kind === 'union', members, omitted: t.members.length - i };
    }
    case 'void': return { kind: 'unknown', why: 'void' };
    default: return { kind: 'unknown', why: t.kind };
  }
}

/** One line of a struct layout: an offset (null for the braces of a nested anonymous member), the text, depth. */
export interface LayoutLine {
  byteOffset: number | null;
  /** Bit position inside the byte for a bitfield, else null. */
  bit: number | null;
  depth: number;
  text: string;
}

/**
 * The members of a struct/union, nested anonymous structs/unions expanded in place (like crash's `struct -o`);
 * named nested structs stay one line. `maxLines` bounds the output.
 */
export function layoutLines(btf: Btf, id: number, maxLines = 10_000): LayoutLine[] {
  const out: LayoutLine[] = [];
  const walk = (tid: number, base: number, depth: number): void => {
    if (depth > MAX_DEPTH) {
      out.push({ byteOffset: null, bit: null, depth, text: `/* nested deeper than ${MAX_DEPTH} */` });
      return;
    }
    const t = btf.type(btf.resolve(tid));
    if (t.kind !== 'struct' && t.kind !== 'union') return;
    for (const m of t.members) {
      if (out.length >= maxLines) return;
      const bits = base + m.bitOffset;
      const inner = btf.type(btf.resolve(m.type));
      if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union') && inner.name === '') {
        out.push({ byteOffset: null, bit: null, depth, text: `${inner.kind} {` });
        walk(inner.id, bits, depth + 1);
        out.push({ byteOffset: null, bit: null, depth, text: '};' });
        continue;
      }
      const decl = btf.declare(m.type, m.name);
      out.push({ byteOffset: Math.floor(bits / 8), bit: m.bitSize ? bits % 8 : null, depth, text: m.bitSize ? `${decl} : ${m.bitSize};` : `${decl};` });
    }
  };
  walk(id, 0, 1);
  if (out.length >= maxLines) out.push({ byteOffset: null, bit: null, depth: 1, text: `/* ... more than ${maxLines} lines */` });
  return out;
}
