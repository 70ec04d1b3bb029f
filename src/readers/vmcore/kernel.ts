// What the kernel-object readers (tasks, percpu, modules, utsname, taint, uptime, syscalls, strings) need
// from a dump: symbol addresses (kallsyms), struct layouts (BTF), bounded typed reads and bounded list
// walks. Every read of kernel memory goes through here so that missing pages, wild pointers and cycles end
// as a named Gap (`what`, `where`) and never as an exception out of readKernelObjects().
import type { Gap } from '../../model/types.js';
import type { Dump } from './dump.js';
import type { KernelSymbol, SymbolHit } from './kallsyms.js';
import { Btf, parsePath, type MemberRef } from './btf.js';
import { decodeValue, budget, type Value } from './typed.js';

/** Struct layouts by name; member paths are dotted (`thread_info.cpu`, `core_layout.base`). */
export interface TypeLayout {
  memberOffset(struct: string, path: string): number | null;
  sizeOf(struct: string): number | null;
  /** The value of a named enumerator (`MM_SHMEMPAGES`), null when no enum has it. */
  enumValue?(name: string): bigint | null;
}

/** Symbol lookups by name and address (core kallsyms, module symbols plug in beside it). */
export interface Symbols {
  byName(name: string): KernelSymbol[];
  lookup(address: bigint): SymbolHit | null;
}

/** A read of kernel memory that failed: the object, the address, why. */
export class ReadFault extends Error {
  constructor(readonly what: string, readonly address: bigint, why: string) {
    super(`${what} at ${address.toString(16)}: ${why}`);
  }
}

/** A layout or symbol the kernel-object readers need but the dump's BTF/kallsyms do not have. */
export class MissingLayout extends Error {}

export const KERNEL_HALF = 0xffff800000000000n;
/** Largest object KernelContext.read decodes in one go. */
export const MAX_OBJECT_BYTES = 1 << 20;

/** Where a typed path (`real_parent->comm`, `mm->mmap_base`) ends: the object's address, its type and bit position. */
export interface TypedRef {
  address: bigint;
  type: number;
  /** Bit position of a bitfield inside the byte at `address`, and its width (0: not a bitfield). */
  bit: number;
  bitSize: number;
}

export function hex(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

export class KernelContext {
  readonly gaps: Gap[] = [];
  private readonly deadline: number;

  constructor(readonly dump: Dump, readonly symbols: Symbols, readonly types: TypeLayout, opts: { deadlineMs?: number } = {}) {
    this.deadline = Date.now() + (opts.deadlineMs ?? 20_000);
  }

  gap(what: string): void {
    if (this.gaps.length < 200 && !this.gaps.some((g) => g.what === what)) this.gaps.push({ source: this.dump.path, what });
  }

  timedOut(): boolean {
    return Date.now() > this.deadline;
  }

  /** Address of a core-kernel symbol (the first of its name), or null. */
  sym(name: string): bigint | null {
    const s = this.symbols.byName(name);
    return s.length ? s[0]!.address : null;
  }

  needSym(name: string): bigint {
    const a = this.sym(name);
    if (a === null) throw new MissingLayout(`kallsyms has no symbol ${name}`);
    return a;
  }

  off(struct: string, path: string): number {
    const o = this.types.memberOffset(struct, path);
    if (o === null) throw new MissingLayout(`BTF has no member ${path} in struct ${struct}`);
    return o;
  }

  optOff(struct: string, path: string): number | null {
    return this.types.memberOffset(struct, path);
  }

  size(struct: string): number {
    const s = this.types.sizeOf(struct);
    if (s === null || s <= 0) throw new MissingLayout(`BTF has no struct ${struct}`);
    return s;
  }

  bytes(va: bigint, len: number, what: string): Buffer {
    if (va < KERNEL_HALF) throw new ReadFault(what, va, 'not a kernel address');
    let r;
    try {
      r = this.dump.readVirt(va, len);
    } catch (e) {
      throw new ReadFault(what, va, (e as Error).message);
    }
    if (r.bad.length) throw new ReadFault(what, va + BigInt(r.bad[0]!.offset), r.bad[0]!.why);
    return r.data;
  }

  u64(va: bigint, what: string): bigint {
    return this.bytes(va, 8, what).readBigUInt64LE(0);
  }

  u32(va: bigint, what: string): number {
    return this.bytes(va, 4, what).readUInt32LE(0);
  }

  i32(va: bigint, what: string): number {
    return this.bytes(va, 4, what).readInt32LE(0);
  }

  /** A NUL-terminated char array of at most `max` bytes, latin1. */
  cstr(va: bigint, max: number, what: string): string {
    const b = this.bytes(va, max, what);
    const z = b.indexOf(0);
    return b.toString('latin1', 0, z < 0 ? max : z);
  }

  /** The per-CPU copy of a percpu symbol (its value is an offset in the percpu area). */
  perCpu(cpu: number, percpuSym: bigint): bigint {
    const offs = this.needSym('__per_cpu_offset');
    const base = this.u64(offs + BigInt(cpu) * 8n, `__per_cpu_offset[${cpu}]`);
    return (base + percpuSym) & ((1n << 64n) - 1n);
  }

  /** The BTF behind the layouts, when the layouts come from one (the typed reads need it). */
  get btf(): Btf | null {
    return this.types instanceof Btf ? this.types : null;
  }

  private needBtf(): Btf {
    const b = this.btf;
    if (!b) throw new MissingLayout('typed reads need the BTF');
    return b;
  }

  /** A member path in a struct (dotted, anonymous members searched, `a[3]`): bit offset, type, bitfield width. */
  member(struct: string, path: string): MemberRef {
    const btf = this.needBtf();
    const id = btf.findType(struct);
    if (id === null) throw new MissingLayout(`BTF has no type ${struct}`);
    const m = btf.memberPath(id, path);
    if (!m) throw new MissingLayout(`BTF has no member ${path} in ${struct}`);
    return m;
  }

  /**
   * Resolves a typed path from an object at `addr` of type `struct`: member paths joined by `->`, each `->`
   * following the pointer read so far (`real_parent->comm`, `mm->pgd`, `nsproxy->uts_ns->name.nodename`).
   * An empty path is the object itself. Throws MissingLayout / ReadFault.
   */
  ref(addr: bigint, struct: string, path: string): TypedRef {
    const btf = this.needBtf();
    let type = btf.findType(struct);
    if (type === null) throw new MissingLayout(`BTF has no type ${struct}`);
    let address = addr;
    const parts = path === '' ? [''] : path.split('->');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!.trim();
      if (i > 0) {
        const pt = btf.type(btf.resolve(type));
        if (pt.kind !== 'ptr') throw new MissingLayout(`${parts.slice(0, i).join('->')} in ${struct} is not a pointer`);
        address = this.u64(address, `${struct}.${parts.slice(0, i).join('->')}`);
        if (address === 0n) throw new ReadFault(`${struct}.${parts.slice(0, i).join('->')}`, 0n, 'NULL pointer');
        type = pt.type;
      }
      if (p === '' && i === 0 && parts.length === 1) break;
      if (!parsePath(p)) throw new MissingLayout(`bad member path ${JSON.stringify(p)}`);
      const m = btf.memberPath(type, p);
      if (!m) throw new MissingLayout(`BTF has no member ${p} in ${btf.typeName(type)}`);
      if (m.bitSize && i < parts.length - 1) throw new MissingLayout(`${p} is a bitfield, not a pointer`);
      address += BigInt(Math.floor(m.bitOffset / 8));
      type = m.type;
      if (i === parts.length - 1) return { address, type, bit: m.bitOffset % 8, bitSize: m.bitSize };
    }
    return { address, type, bit: 0, bitSize: 0 };
  }

  /** The decoded value at a typed path (see ref): ints, pointers, char arrays as strings, nested structs. */
  read(addr: bigint, struct: string, path: string, nodes = 50_000): Value {
    const btf = this.needBtf();
    const r = this.ref(addr, struct, path);
    const size = r.bitSize ? Math.ceil((r.bit + r.bitSize) / 8) : btf.sizeOfType(r.type);
    if (size === null || size <= 0) throw new MissingLayout(`${struct}.${path} has no size (${btf.typeName(r.type)})`);
    if (size > MAX_OBJECT_BYTES) throw new MissingLayout(`${struct}.${path} is ${size} bytes (at most ${MAX_OBJECT_BYTES} are decoded)`);
    const buf = this.bytes(r.address, size, `${struct}.${path}`);
    return decodeValue(btf, r.type, buf, r.bit, r.bitSize, budget(nodes));
  }

  /** An integer, enum, bitfield or pointer member as a number (signed types sign-extended). */
  readInt(addr: bigint, struct: string, path: string): bigint {
    const v = this.read(addr, struct, path, 4);
    if (v.kind === 'int' || v.kind === 'ptr') return v.value;
    throw new MissingLayout(`${struct}.${path} is not an integer or pointer (${v.kind})`);
  }

  /** A pointer member's value; the pointer is not checked (0 is NULL). */
  readPtr(addr: bigint, struct: string, path: string): bigint {
    const v = this.read(addr, struct, path, 4);
    if (v.kind === 'ptr') return v.value;
    throw new MissingLayout(`${struct}.${path} is not a pointer (${v.kind})`);
  }

  /** A char-array member (`task_struct.comm`) up to its NUL, latin1. */
  readStr(addr: bigint, struct: string, path: string): string {
    const v = this.read(addr, struct, path, 4);
    if (v.kind === 'string') return v.value;
    throw new MissingLayout(`${struct}.${path} is not a char array (${v.kind})`);
  }

  /**
   * The objects of type `struct` chained on a `list_head` at `head` through their member `member`
   * (`k.listOf(sym('modules'), 'module', 'list', 'modules')`); the guards of list().
   */
  *listOf(head: bigint, struct: string, member: string, what: string, max = 100_000): Generator<bigint> {
    const m = this.member(struct, member);
    if (m.bitSize || m.bitOffset % 8) throw new MissingLayout(`${struct}.${member} is a bitfield`);
    yield* this.list(head, m.bitOffset / 8, what, max);
  }

  /**
   * The nodes of a kernel red-black tree (`struct rb_node`: rb_left at +16, rb_right at +8 unless the BTF
   * says otherwise), in order, from the node `top` (an `rb_root.rb_node`, 0 for an empty tree). Bounded
   * like list(): `max` nodes, a visited set (a node met twice is a cycle: the walk stops with a gap), the
   * deadline and readable pages.
   */
  *rbtree(top: bigint, what: string, max = 100_000): Generator<bigint> {
    const left = BigInt(this.types.memberOffset('rb_node', 'rb_left') ?? 16);
    const right = BigInt(this.types.memberOffset('rb_node', 'rb_right') ?? 8);
    const seen = new Set<bigint>();
    const stack: bigint[] = [];
    let cur = top;
    let n = 0;
    try {
      while (cur !== 0n || stack.length) {
        if (cur !== 0n) {
          if (seen.has(cur)) {
            this.gap(`${what}: node ${hex(cur)} met twice (the tree has a cycle; walk stopped after ${n} nodes)`);
            return;
          }
          if (seen.size >= max) {
            this.gap(`${what}: more than ${max} nodes (walk stopped)`);
            return;
          }
          if ((seen.size & 255) === 0 && this.timedOut()) {
            this.gap(`${what}: walk stopped after ${n} nodes (time limit)`);
            return;
          }
          seen.add(cur);
          stack.push(cur);
          cur = this.u64(cur + left, `${what} node ${hex(cur)} rb_left`);
          continue;
        }
        const node = stack.pop()!;
        yield node;
        n++;
        cur = this.u64(node + right, `${what} node ${hex(node)} rb_right`);
      }
    } catch (e) {
      if (!(e instanceof ReadFault)) throw e;
      this.gap(`${what}: ${e.message} (walk stopped after ${n} nodes)`);
    }
  }

  /**
   * The entries of a kernel `list_head` list: yields the address of each element (list node minus
   * `memberOffset`). Bounded by `max` elements, a visited set (a cycle that does not return to the head
   * ends the walk with a gap), the context's deadline and readable pages.
   */
  *list(head: bigint, memberOffset: number, what: string, max = 100_000): Generator<bigint> {
    const seen = new Set<bigint>([head]);
    let node: bigint;
    try {
      node = this.u64(head, `${what} list head`);
    } catch (e) {
      this.gap(`${what}: ${(e as Error).message}`);
      return;
    }
    let n = 0;
    while (node !== head) {
      if (seen.has(node)) {
        this.gap(`${what}: the list cycles at ${hex(node)} without returning to its head (walk stopped after ${n} entries)`);
        return;
      }
      if (n >= max) {
        this.gap(`${what}: more than ${max} entries (walk stopped)`);
        return;
      }
      if ((n & 255) === 0 && this.timedOut()) {
        this.gap(`${what}: walk stopped after ${n} entries (time limit)`);
        return;
      }
      seen.add(node);
      yield node - BigInt(memberOffset);
      n++;
      try {
        node = this.u64(node, `${what} entry ${n}`);
      } catch (e) {
        this.gap(`${what}: ${(e as Error).message} (walk stopped after ${n} entries)`);
        return;
      }
    }
  }
}
