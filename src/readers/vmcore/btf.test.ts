// The BTF parser. Lab part: the BTF of the lab's Debian 6.1 kernel read out of the stack-protector dump
// (zlib kdump), checked against what the kernel itself states elsewhere: every SIZE()/OFFSET() entry of the
// dump's VMCOREINFO (written by the kernel's crash_core.c from the compiler's own layouts), the values
// `crash` printed with the debug vmlinux (crash-ps.txt: init_task, the tasks list), and init_task's comm.
// Hand-made part: small blobs in the exact btf.h layout (BtfBuilder, marked hand-made) for every kind and
// for bad input (loops, huge counts, truncation, strings and ids out of range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dump } from './dump.js';
import { readKallsyms, type SymbolTable } from './kallsyms.js';
import { Btf, MAX_BTF_TYPES, parsePath, readBtf, readBtfFile } from './btf.js';
import { KernelContext, MissingLayout, ReadFault } from './kernel.js';
import { decodeValue, layoutLines, readBits } from './typed.js';
import { BtfBuilder, LAB, labPresent, tempDir } from './testkit.js';

const SP = join(LAB, 'stack-protector-module');
const skip = labPresent && existsSync(join(SP, 'vmcore')) ? false : `lab not found at ${LAB}: skipped`;

let cached: { dump: Dump; table: SymbolTable; btf: Btf; blob: Buffer } | null = null;
function lab(): { dump: Dump; table: SymbolTable; btf: Btf; blob: Buffer } {
  if (cached) return cached;
  const dump = new Dump(join(SP, 'vmcore'));
  const table = readKallsyms(dump).table!;
  const r = readBtf(dump, table);
  assert.deepEqual(r.gaps, []);
  const start = table.byName('__start_BTF')[0]!.address;
  const stop = table.byName('__stop_BTF')[0]!.address;
  const blob = dump.readVirt(start, Number(stop - start)).data;
  cached = { dump, table, btf: r.btf!, blob };
  process.on('exit', () => dump.close());
  return cached;
}

test('lab BTF: 100,750 types in 4.36 MB; sizes and offsets the kernel publishes in VMCOREINFO agree', { skip }, () => {
  const { dump, btf, blob } = lab();
  assert.equal(btf.count, 100750);
  assert.equal(blob.length, 4359789);
  const vi = dump.vmcoreinfo;
  let checked = 0;
  for (const [name, size] of vi.sizes) {
    if (btf.findType(name) === null) continue;
    assert.equal(btf.sizeOf(name), size, `SIZE(${name})`);
    checked++;
  }
  for (const [key, off] of vi.offsets) {
    const dot = key.indexOf('.');
    const [struct, member] = [key.slice(0, dot), key.slice(dot + 1)];
    if (btf.typeId(struct) === null) continue;
    assert.equal(btf.memberOffset(struct, member), off, `OFFSET(${key})`);
    checked++;
  }
  // page.compound_dtor and compound_head sit in anonymous unions/structs of struct page.
  assert.ok(vi.offsets.has('page.compound_dtor') && vi.offsets.has('page.compound_head'));
  assert.ok(checked >= 60, `${checked} VMCOREINFO entries checked`);
});

test('lab BTF: task_struct layout (size, comm, anonymous-union and bitfield members, nested paths)', { skip }, () => {
  const { btf } = lab();
  assert.equal(btf.sizeOf('task_struct'), 9792);
  assert.equal(btf.sizeOf('struct task_struct'), 9792);
  assert.equal(btf.memberOffset('task_struct', 'comm'), 2976);
  const ts = btf.findType('task_struct')!;
  assert.equal(btf.kindName(ts), 'struct');
  assert.equal(btf.typeName(btf.memberPath(ts, 'comm')!.type), 'char [16]');
  assert.equal(btf.memberOffset('task_struct', 'comm[3]'), 2979);
  // Bitfields: kind_flag member offsets (bit position and width).
  assert.deepEqual(btf.memberPath(ts, 'sched_reset_on_fork'), { bitOffset: 2340 * 8, type: btf.memberPath(ts, 'sched_reset_on_fork')!.type, bitSize: 1 });
  assert.equal(btf.memberPath(ts, 'in_iowait')!.bitOffset, 2344 * 8 + 3);
  assert.equal(btf.typeName(btf.memberPath(ts, 'in_iowait')!.type), 'unsigned int');
  // rcu_users and rcu share an anonymous union.
  assert.equal(btf.memberOffset('task_struct', 'rcu_users'), 4968);
  assert.equal(btf.memberOffset('task_struct', 'rcu'), 4968);
  assert.equal(btf.memberOffset('task_struct', 'thread_info.cpu'), 20);
  assert.equal(btf.memberOffset('task_struct', 'thread.sp'), 5400);
  assert.equal(btf.typeName(btf.memberPath(ts, 'real_parent')!.type), 'struct task_struct *');
  assert.equal(btf.memberOffset('module', 'core_layout.base'), 320);
  assert.equal(btf.memberOffset('task_struct', 'no_such_member'), null);
  assert.equal(btf.memberOffset('task_struct', 'comm[16]'), null); // past char comm[16]
  assert.equal(btf.findType('no_such_type_at_all'), null);
  assert.deepEqual(btf.problems, []);
});

test('lab BTF: enums, typedefs, function pointers, the layout lines', { skip }, () => {
  const { btf } = lab();
  assert.equal(btf.enumValue('MODULE_STATE_LIVE'), 0n);
  assert.equal(btf.enumValue('MODULE_STATE_GOING'), 2n);
  assert.equal(btf.enumValue('TASK_COMM_LEN'), 16n);
  const ms = btf.findType('enum module_state')!;
  assert.equal(btf.enumName(ms, 3n), 'MODULE_STATE_UNFORMED');
  assert.equal(btf.kindName(btf.findType('pid_t')!), 'typedef');
  assert.equal(btf.typeName(btf.resolve(btf.findType('pid_t')!)), 'int');
  const lh = btf.findType('list_head')!;
  assert.deepEqual(layoutLines(btf, lh).map((l) => [l.byteOffset, l.text]), [[0, 'struct list_head *next;'], [8, 'struct list_head *prev;']]);
  const cb = btf.findType('callback_head')!;
  assert.equal(btf.declare(btf.memberPath(cb, 'func')!.type, 'func'), 'void (*func)(struct callback_head *)');
  // task_struct: rcu_users/rcu expanded in an anonymous union at the same offset.
  const lines = layoutLines(btf, btf.findType('task_struct')!);
  const i = lines.findIndex((l) => l.text === 'refcount_t rcu_users;');
  assert.deepEqual([lines[i - 1]!.text, lines[i]!.byteOffset, lines[i + 1]!.text, lines[i + 1]!.byteOffset, lines[i + 2]!.text], ['union {', 4968, 'struct callback_head rcu;', 4968, '};']);
  assert.equal(lines.find((l) => l.text === 'unsigned int sched_reset_on_fork : 1;')!.bit, 0);
});

test('lab BTF: typed reads of init_task against crash-ps.txt; -> follows pointers; the tasks list; the module latch tree against crash-mod.txt', { skip }, () => {
  const { dump, table, btf } = lab();
  const k = new KernelContext(dump, table, btf);
  const init = k.needSym('init_task');
  // crash-ps.txt line 1: PID 0, TASK ffffffff9041aa40, [swapper/0].
  const ps = readFileSync(join(SP, 'crash-ps.txt'), 'utf8').split('\n').slice(1).filter((l) => l.trim());
  assert.match(ps[0]!, new RegExp(`^\\s+0\\s+0\\s+0\\s+${init.toString(16)}\\s+RU.*\\[swapper/0\\]$`));
  assert.equal(k.readStr(init, 'task_struct', 'comm'), 'swapper/0');
  assert.equal(k.readInt(init, 'task_struct', 'pid'), 0n);
  assert.equal(k.readPtr(init, 'task_struct', 'real_parent'), init);
  assert.equal(k.readStr(init, 'task_struct', 'real_parent->real_parent->comm'), 'swapper/0');
  assert.equal(k.readInt(init, 'task_struct', 'thread_info.cpu'), 0n);
  const flags = k.readInt(init, 'task_struct', 'flags');
  assert.equal(flags, 69206018n); // PF_KTHREAD | PF_IDLE | ...
  assert.equal(k.readInt(init, 'task_struct', 'in_iowait'), 0n);
  // Every task crash lists (crash 8.0.2 misses some: the lab README) is on init_task.tasks, same pid/comm.
  const byAddr = new Map<bigint, { pid: bigint; comm: string }>();
  for (const t of k.listOf(init + BigInt(k.off('task_struct', 'tasks')), 'task_struct', 'tasks', 'init_task.tasks')) {
    byAddr.set(t, { pid: k.readInt(t, 'task_struct', 'pid'), comm: k.readStr(t, 'task_struct', 'comm') });
  }
  assert.deepEqual(k.gaps, []);
  let matched = 0;
  for (const l of ps) {
    const m = /^[> ]\s*(\d+)\s+\S+\s+\S+\s+([0-9a-f]{16})\s+\S+\s+\S+\s+\d+\s+\d+\s+\[?(.*?)\]?$/.exec(l);
    if (!m || m[1] === '0') continue;
    const t = byAddr.get(BigInt('0x' + m[2]!));
    assert.ok(t, l);
    assert.equal(t.pid, BigInt(m[1]!), l);
    assert.equal(t.comm, m[3], l);
    matched++;
  }
  assert.ok(matched >= 1, `${matched} crash ps rows matched`);
  // The module latch tree (mod_tree.root.tree[0]) in order: each node's module is one crash's mod lists.
  const mods = readFileSync(join(SP, 'crash-mod.txt'), 'utf8').split('\n').filter((l) => /^[0-9a-f]{16} /.test(l)).map((l) => BigInt('0x' + l.slice(0, 16)));
  const top = k.readPtr(k.needSym('mod_tree'), 'mod_tree_root', 'root.tree[0].rb_node');
  const nodeOff = BigInt(k.off('mod_tree_node', 'node'));
  const inTree = new Set<bigint>();
  let prevNode = 0n;
  for (const n of k.rbtree(top, 'mod_tree')) {
    const mod = k.readPtr(n - nodeOff, 'mod_tree_node', 'mod');
    assert.ok(mods.includes(mod), mod.toString(16));
    assert.ok(n !== prevNode);
    prevNode = n;
    inTree.add(mod);
  }
  assert.deepEqual([...inTree].sort(), [...mods].sort());
  assert.deepEqual(k.gaps, []);
  const v = k.read(init, 'task_struct', 'se.load');
  assert.equal(v.kind, 'struct');
  assert.throws(() => k.read(init, 'task_struct', 'comm->x'), MissingLayout);
  assert.throws(() => k.read(init, 'task_struct', 'nope'), MissingLayout);
  assert.throws(() => k.read(0x1000n, 'task_struct', 'comm'), ReadFault);
});

test('lab BTF: --btf FILE gives the same layouts as the dump (a raw copy of the blob, derived from the dump)', { skip }, () => {
  const { btf, blob } = lab();
  const f = join(tempDir(), 'vmlinux.btf');
  writeFileSync(f, blob);
  const r = readBtfFile(f);
  assert.deepEqual(r.gaps, []);
  assert.equal(r.btf!.count, btf.count);
  assert.equal(r.btf!.sizeOf('task_struct'), 9792);
  const elf = join(tempDir(), 'not-raw.btf');
  writeFileSync(elf, Buffer.concat([Buffer.from('\x7fELF', 'latin1'), blob.subarray(0, 64)]));
  assert.match(readBtfFile(elf).gaps[0]!.what, /ELF file: give the raw BTF/);
  assert.match(readBtfFile(join(tempDir(), 'missing.btf')).gaps[0]!.what, /ENOENT/);
});

// ---- hand-made blobs ----

/** Every kind at least once (hand-made, btf.h layout); struct thing { int n; char name[8]; union { unsigned long word; struct { unsigned lo, hi; }; }; struct thing *next; enum color c; _Bool ok; unsigned x; }. */
function everyKindBlob() {
  const b2 = new BtfBuilder();
  const uint = b2.int('unsigned int', 4);
  const int = b2.int('int', 4, { signed: true });
  const char = b2.int('char', 1, { signed: true, char: true });
  const bool = b2.int('_Bool', 1, { bool: true });
  const ulong = b2.int('long unsigned int', 8);
  const arr = b2.array(char, uint, 8);
  const fwd = b2.fwd('opaque', true);
  const e = b2.enum('color', 4, [['RED', 0], ['GREEN', 1], ['MINUS', -3]], true);
  const e64 = b2.enum64('big', [['HUGE', 0xfffffffff0000000n]]);
  const flt = b2.float('double', 8);
  const inner = b2.struct('', 8, [{ name: 'lo', type: uint, bitOffset: 0 }, { name: 'hi', type: uint, bitOffset: 32 }]);
  const un = b2.struct('', 8, [{ name: 'word', type: ulong, bitOffset: 0 }, { name: '', type: inner, bitOffset: 0 }], true);
  const sid = 14; // struct thing is the 14th record below
  const self = b2.ptr(sid); // 12
  const thing = b2.struct('thing', 48, [
    { name: 'n', type: int, bitOffset: 0 },
    { name: 'name', type: arr, bitOffset: 32 },
    { name: '', type: un, bitOffset: 128 },
    { name: 'next', type: self, bitOffset: 192 },
    { name: 'c', type: e, bitOffset: 256 },
    { name: 'ok', type: bool, bitOffset: 288 },
    { name: 'x', type: uint, bitOffset: 320 },
  ]);
  assert.equal(thing, sid);
  const cv = b2.const(b2.volatile(char));
  const cp = b2.ptr(cv);
  const rp = b2.restrict(cp);
  const proto = b2.funcProto(int, [['a', int], ['p', self]], true);
  const fp = b2.ptr(proto);
  const td = b2.typedef('thing_t', thing);
  const tag = b2.typeTag('user', self);
  const fn = b2.func('do_thing', proto, 1);
  const v = b2.var('the_thing', td, 1);
  const ds = b2.datasec('.data..percpu', 64, [[v, 0, 48]]);
  const dt = b2.declTag('kfunc', fn, -1);
  const bf = b2.struct('flags', 4, [{ name: 'a', type: uint, bitOffset: 0, bitSize: 1 }, { name: 'b', type: int, bitOffset: 1, bitSize: 3 }, { name: 'c', type: uint, bitOffset: 4, bitSize: 28 }]);
  const cptr = b2.ptr(b2.const(self)); // struct thing * const *
  const arr2 = b2.array(b2.array(int, uint, 3), uint, 2); // int [2][3]
  const parr = b2.ptr(arr2);
  return { blob: b2.build(), ids: { uint, int, char, bool, ulong, arr, fwd, e, e64, flt, inner, un, self, thing, cv, cp, rp, proto, fp, td, tag, fn, v, ds, dt, bf, cptr, arr2, parr } };
}

test('hand-made BTF: every kind decodes with its fields', () => {
  const { blob, ids } = everyKindBlob();
  const btf = Btf.parse(blob);
  const kinds = Array.from({ length: btf.count }, (_, i) => btf.kindName(i + 1));
  for (const k of ['int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64']) assert.ok(kinds.includes(k as never), k);
  assert.deepEqual(btf.type(ids.char), { id: ids.char, name: 'char', kind: 'int', size: 1, signed: true, char: true, bool: false, bitOffset: 0, bits: 8 });
  assert.deepEqual(btf.type(ids.arr), { id: ids.arr, name: '', kind: 'array', type: ids.char, indexType: ids.uint, nelems: 8 });
  assert.deepEqual(btf.type(ids.fwd), { id: ids.fwd, name: 'opaque', kind: 'fwd', union: true });
  assert.deepEqual(btf.type(ids.e), { id: ids.e, name: 'color', kind: 'enum', size: 4, signed: true, values: [{ name: 'RED', value: 0n }, { name: 'GREEN', value: 1n }, { name: 'MINUS', value: -3n }] });
  assert.deepEqual(btf.type(ids.e64), { id: ids.e64, name: 'big', kind: 'enum64', size: 8, signed: false, values: [{ name: 'HUGE', value: 0xfffffffff0000000n }] });
  assert.deepEqual(btf.type(ids.flt), { id: ids.flt, name: 'double', kind: 'float', size: 8 });
  assert.deepEqual(btf.type(ids.proto), { id: ids.proto, name: '', kind: 'func_proto', type: ids.int, params: [{ name: 'a', type: ids.int }, { name: 'p', type: ids.self }], variadic: true });
  assert.deepEqual(btf.type(ids.fn), { id: ids.fn, name: 'do_thing', kind: 'func', type: ids.proto, linkage: 1 });
  assert.deepEqual(btf.type(ids.v), { id: ids.v, name: 'the_thing', kind: 'var', type: ids.td, linkage: 1 });
  assert.deepEqual(btf.type(ids.ds), { id: ids.ds, name: '.data..percpu', kind: 'datasec', size: 64, vars: [{ type: ids.v, offset: 0, size: 48 }] });
  assert.deepEqual(btf.type(ids.dt), { id: ids.dt, name: 'kfunc', kind: 'decl_tag', type: ids.fn, componentIdx: -1 });
  assert.deepEqual(btf.type(ids.tag), { id: ids.tag, name: 'user', kind: 'type_tag', type: ids.self });
  assert.deepEqual(btf.type(ids.bf), { id: ids.bf, name: 'flags', kind: 'struct', size: 4, bitfields: true, members: [{ name: 'a', type: ids.uint, bitOffset: 0, bitSize: 1 }, { name: 'b', type: ids.int, bitOffset: 1, bitSize: 3 }, { name: 'c', type: ids.uint, bitOffset: 4, bitSize: 28 }] });
  assert.equal(btf.type(ids.un).kind, 'union');
  // Names, C declarations, sizes.
  assert.equal(btf.findType('thing'), ids.thing);
  assert.equal(btf.findType('thing_t'), ids.td);
  assert.equal(btf.findType('enum color'), ids.e);
  assert.equal(btf.findType('struct color'), null);
  assert.equal(btf.findType('kfunc'), null); // a decl tag is not a type
  assert.equal(btf.typeName(ids.cp), 'const volatile char *');
  assert.equal(btf.typeName(ids.rp), 'const volatile char * restrict');
  assert.equal(btf.declare(ids.fp, 'cb'), 'int (*cb)(int, struct thing *, ...)');
  assert.equal(btf.declare(ids.cptr, 'pp'), 'struct thing * const *pp');
  assert.equal(btf.declare(ids.arr2, 'm'), 'int m[2][3]');
  assert.equal(btf.declare(ids.parr, 'pm'), 'int (*pm)[2][3]');
  assert.equal(btf.declare(ids.fn, ''), 'int do_thing(int, struct thing *, ...)');
  assert.equal(btf.declare(ids.v, ''), 'thing_t the_thing');
  assert.equal(btf.typeName(ids.tag), 'struct thing *');
  assert.equal(btf.typeName(ids.fwd), 'union opaque');
  assert.equal(btf.typeName(ids.un), 'union {...}');
  assert.equal(btf.sizeOfType(ids.arr2), 24);
  assert.equal(btf.sizeOfType(ids.td), 48);
  assert.equal(btf.sizeOfType(ids.v), 48);
  assert.equal(btf.sizeOfType(ids.self), 8);
  assert.equal(btf.sizeOfType(ids.fwd), null);
  assert.equal(btf.sizeOfType(ids.proto), null);
  // Member paths: anonymous union then anonymous struct inside it, arrays, typedefs.
  assert.equal(btf.memberOffset('thing', 'word'), 16);
  assert.equal(btf.memberOffset('thing', 'hi'), 20);
  assert.equal(btf.memberOffset('thing_t', 'name[5]'), 9);
  assert.equal(btf.memberOffset('thing', 'name[8]'), null);
  assert.deepEqual(btf.memberPath(ids.bf, 'b'), { bitOffset: 1, type: ids.int, bitSize: 3 });
  assert.equal(btf.enumName(ids.e, -3n), 'MINUS');
  assert.equal(btf.enumValue('HUGE'), 0xfffffffff0000000n);
  assert.deepEqual(btf.problems, []);
});

test('hand-made BTF: values decoded from bytes (bitfields with sign, enums, strings, anonymous members)', () => {
  const { blob, ids } = everyKindBlob();
  const btf = Btf.parse(blob);
  const f = Buffer.alloc(4);
  f.writeUInt32LE((0x0abcdef << 4) | (0b101 << 1) | 1);
  const fv = decodeValue(btf, ids.bf, f);
  assert.deepEqual(fv, { kind: 'struct', union: false, omitted: 0, members: [{ name: 'a', value: { kind: 'int', value: 1n } }, { name: 'b', value: { kind: 'int', value: -3n } }, { name: 'c', value: { kind: 'int', value: 0x0abcdefn } }] });
  const t = Buffer.alloc(48);
  t.writeInt32LE(-7, 0);
  t.write('sshd\0xyz', 4, 'latin1');
  t.writeBigUInt64LE(0x1122334455667788n, 16);
  t.writeBigUInt64LE(0xffff888001234560n, 24);
  t.writeInt32LE(-3, 32);
  t[36] = 1;
  const v = decodeValue(btf, ids.td, t);
  assert.equal(v.kind, 'struct');
  if (v.kind !== 'struct') return;
  const m = Object.fromEntries(v.members.map((x) => [x.name || 'anon', x.value]));
  assert.deepEqual(m.n, { kind: 'int', value: -7n });
  assert.deepEqual(m.name, { kind: 'string', value: 'sshd', bytes: 8 });
  assert.deepEqual(m.next, { kind: 'ptr', value: 0xffff888001234560n });
  assert.deepEqual(m.c, { kind: 'int', value: -3n, enumName: 'MINUS' });
  assert.deepEqual(m.ok, { kind: 'int', value: 1n, bool: true });
  const anon = m.anon!;
  assert.equal(anon.kind === 'struct' && anon.union, true);
  if (anon.kind === 'struct') {
    assert.deepEqual(anon.members[0], { name: 'word', value: { kind: 'int', value: 0x1122334455667788n } });
    assert.deepEqual(anon.members[1]!.value, { kind: 'struct', union: false, omitted: 0, members: [{ name: 'lo', value: { kind: 'int', value: 0x55667788n } }, { name: 'hi', value: { kind: 'int', value: 0x11223344n } }] });
  }
  // Too few bytes: an unknown node, not an exception.
  assert.deepEqual(decodeValue(btf, ids.td, Buffer.alloc(10)), { kind: 'unknown', why: 'past the bytes read' });
  assert.equal(readBits(Buffer.from([0xff, 0x01]), 7, 2), 3n);
  assert.equal(readBits(Buffer.from([0xff]), 7, 2), null);
});

test('member paths: the grammar', () => {
  assert.deepEqual(parsePath('a.b[3].c'), ['a', 'b', 3, 'c']);
  assert.deepEqual(parsePath('[2]'), [2]);
  assert.deepEqual(parsePath('m[1][0x2]'), ['m', 1, 2]);
  assert.deepEqual(parsePath(''), []);
  for (const bad of ['.a', 'a..b', 'a.', 'a[', 'a[x]', 'a b', 'a[1]b', '1a']) assert.equal(parsePath(bad), null, bad);
});

test('hand-made bad BTF: refused with one clear Error', () => {
  const good = new BtfBuilder();
  good.int('int', 4, { signed: true });
  const blob = good.build();
  const cases: [string, Buffer, RegExp][] = [
    ['no magic', Buffer.alloc(40), /no BTF magic/],
    ['short', blob.subarray(0, 20), /no BTF magic/],
    ['version 2', Buffer.from(blob).fill(2, 2, 3), /BTF version 2/],
    ['sections outside', (() => { const x = Buffer.from(blob); x.writeUInt32LE(0x7fffffff, 20); return x; })(), /outside the blob/],
    ['header length', (() => { const x = Buffer.from(blob); x.writeUInt32LE(8, 4); return x; })(), /header length 8/],
    ['unknown kind 20', (() => { const x = Buffer.from(blob); x.writeUInt32LE(20 << 24, 28); return x; })(), /unknown kind 20/],
    ['truncated record', (() => { const x = Buffer.from(blob); x.writeUInt32LE(14, 12); x.writeUInt32LE(14, 16); return x; })(), /runs past|trailing/],
    ['struct vlen past the end', (() => { const x = Buffer.from(blob); x.writeUInt32LE((4 << 24) | 0xffff, 28); return x; })(), /runs past the type section/],
  ];
  for (const [what, b, re] of cases) assert.throws(() => Btf.parse(b), (e: Error) => e.constructor === Error && re.test(e.message) && !e.message.includes('\n'), what);
});

test('hand-made bad BTF: more than BTF_MAX_TYPE records is refused, quickly', () => {
  const rec = Buffer.alloc(12);
  rec.writeUInt32LE(2 << 24, 4); // PTR to void
  const n = MAX_BTF_TYPES + 1;
  const types = Buffer.alloc(n * 12);
  for (let i = 0; i < n; i++) rec.copy(types, i * 12);
  const h = Buffer.alloc(24);
  h.writeUInt16LE(0xeb9f, 0);
  h[2] = 1;
  h.writeUInt32LE(24, 4);
  h.writeUInt32LE(types.length, 12);
  h.writeUInt32LE(types.length, 16);
  h.writeUInt32LE(1, 20);
  const t0 = Date.now();
  assert.throws(() => Btf.parse(Buffer.concat([h, types, Buffer.alloc(1)])), /more than 1048575 BTF types/);
  assert.ok(Date.now() - t0 < 5000);
});

test('hand-made bad BTF: loops, ids and strings out of range, huge arrays end as problems, never a hang', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true }); // 1
  const t1 = b.typedef('loop_a', 3); // 2 -> 3
  b.typedef('loop_b', 2); // 3 -> 2
  const selfArr = b.add(3, '', 0, false, 0, [4, int, 2]); // 4: array of itself
  const selfAnon = b.add(4, 'nest', 1, false, 8, [0, 5, 0]); // 5: struct whose anonymous member is itself
  const wild = b.struct('wild', 8, [{ name: 'x', type: 999, bitOffset: 0 }]); // 6: member type out of range
  const badName = b.add(4, 0xfffff0, 1, false, 4, [0xfffff1, int, 0]); // 7: name and member name out of range
  const huge = b.array(b.array(int, int, 0xffffffff), int, 0xffffffff); // 9: 4 * 2^64 bytes
  const btf = Btf.parse(b.build());
  assert.equal(btf.resolve(t1), 0);
  assert.equal(btf.sizeOf('loop_a'), null);
  assert.equal(btf.typeName(t1), 'loop_a');
  assert.equal(btf.declare(0, 'x'), 'void x');
  assert.equal(btf.sizeOfType(selfArr), null);
  assert.match(btf.declare(selfArr, 'a'), /^\? a(\[2\])+$/);
  assert.equal(btf.memberOffset('nest', 'missing'), null);
  assert.deepEqual(decodeValue(btf, selfArr, Buffer.alloc(64)), { kind: 'unknown', why: 'an array of unsized elements' });
  const nv = decodeValue(btf, selfAnon, Buffer.alloc(8));
  assert.equal(nv.kind, 'struct');
  assert.ok(layoutLines(btf, selfAnon).length < 100);
  assert.equal(btf.sizeOfType(huge), null);
  assert.equal(btf.memberOffset('wild', 'x'), 0);
  assert.equal(btf.typeName(btf.memberPath(wild, 'x')!.type), 'void');
  assert.equal(btf.name(badName), '');
  assert.equal(btf.type(badName).kind === 'struct' ? (btf.type(badName) as { members: { name: string }[] }).members[0]!.name : null, '');
  assert.equal(btf.type(0x7fffffff).kind, 'void');
  for (const re of [/type chain longer than 64/, /type id 999 is out of range/, /string offset 16777200 is past the string section/, /type id 2147483647 is out of range/]) {
    assert.ok(btf.problems.some((p) => re.test(p)), `${re} in ${JSON.stringify(btf.problems)}`);
  }
});
