// `ktriage struct` on the lab's stack-protector dump (zlib kdump, Debian 6.1), without debuginfo: layouts
// from the dump's BTF, values at addresses and symbols checked against what crash printed with the debug
// vmlinux (crash-mod.txt: the module list; crash-ps.txt: init_task), `--btf FILE` with a copy of the blob,
// and `--system-map FILE` in sym/bt/struct with a System.map derived from the dump's own kallsyms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dump } from '../src/readers/vmcore/dump.js';
import { readKallsyms } from '../src/readers/vmcore/kallsyms.js';
import { tempDir } from '../src/readers/vmcore/testkit.js';
import { formatValue, parseSpec, valueJson } from '../src/cli/struct.js';
import { CLI, LAB_OUT, needShared } from './paths.js';

const SP = join(LAB_OUT, 'stack-protector-module');
const VM = join(SP, 'vmcore');
const skip = needShared(VM);
const run = (...a: string[]) => spawnSync(process.execPath, [CLI, ...a], { encoding: 'utf8' });

let derived: { btf: string; map: string } | null = null;
/** A raw copy of the dump's BTF blob and a System.map made from its kallsyms (derived from the dump). */
function files(): { btf: string; map: string } {
  if (derived) return derived;
  const d = new Dump(VM);
  try {
    const t = readKallsyms(d).table!;
    const s = t.byName('__start_BTF')[0]!.address;
    const e = t.byName('__stop_BTF')[0]!.address;
    const btf = join(tempDir(), 'struct-e2e.btf');
    writeFileSync(btf, d.readVirt(s, Number(e - s)).data);
    const off = d.vmcoreinfo.kernelOffset!;
    const map = join(tempDir(), 'struct-e2e.System.map');
    writeFileSync(map, t.all().map((x) => `${(x.address >= 0xffff800000000000n ? x.address - off : x.address).toString(16).padStart(16, '0')} ${x.type} ${x.name}\n`).join(''));
    derived = { btf, map };
    return derived;
  } finally {
    d.close();
  }
}

test('ktriage struct: layouts like crash struct -o (list_head, a member, task_struct --json)', { skip }, () => {
  const lh = run('struct', 'list_head', VM);
  assert.equal(lh.status, 0, lh.stderr);
  assert.equal(lh.stdout, 'struct list_head {\n  [0] struct list_head *next;\n  [8] struct list_head *prev;\n}\nSIZE: 16\n');
  const comm = run('struct', 'task_struct.comm', VM);
  assert.equal(comm.stdout, 'struct task_struct {\n  [2976] char comm[16];\n}\n');
  const bit = run('struct', 'struct task_struct.in_iowait', VM);
  assert.equal(bit.stdout, 'struct task_struct {\n  [2344:3] unsigned int in_iowait : 1;\n}\n');
  const j = JSON.parse(run('struct', '--json', 'task_struct', VM).stdout);
  assert.equal(j.size, 9792);
  assert.equal(j.kind, 'struct');
  assert.deepEqual(j.members.find((m: { name: string }) => m.name === 'comm'), { name: 'comm', type: 'char [16]', offset: 2976, bitOffset: 23808, bitSize: null, size: 16 });
  const e = run('struct', 'enum module_state', VM);
  assert.equal(e.stdout, 'enum module_state {\n  MODULE_STATE_LIVE = 0,\n  MODULE_STATE_COMING = 1,\n  MODULE_STATE_GOING = 2,\n  MODULE_STATE_UNFORMED = 3\n};\nSIZE: 4\n');
});

test('ktriage struct ADDR: values (init_task as crash ps shows it, the modules list head as crash mod shows it)', { skip }, () => {
  const comm = run('struct', 'task_struct.comm', 'init_task', VM);
  assert.equal(comm.status, 0, comm.stderr);
  assert.equal(comm.stdout, '  comm = "swapper/0"\n');
  const ps = readFileSync(join(SP, 'crash-ps.txt'), 'utf8').split('\n')[1]!;
  const initAddr = /([0-9a-f]{16})/.exec(ps)![1]!;
  assert.equal(run('struct', 'task_struct.comm', `0x${initAddr}`, VM).stdout, '  comm = "swapper/0"\n');
  assert.equal(run('struct', 'task_struct.real_parent->comm', 'init_task', VM).stdout, '  real_parent->comm = "swapper/0"\n');
  assert.equal(run('struct', 'task_struct.pid', 'init_task', VM).stdout, '  pid = 0\n');
  // modules.next / prev are the `list` members of the newest and oldest modules: both in crash's mod list
  // (which crash sorts by address).
  const mods = readFileSync(join(SP, 'crash-mod.txt'), 'utf8').split('\n').filter((l) => /^[0-9a-f]{16} /.test(l)).map((l) => BigInt('0x' + l.slice(0, 16)));
  const listOff = JSON.parse(run('struct', '--json', 'module.list', VM).stdout).member.offset as number;
  assert.equal(listOff, 8);
  const lh = JSON.parse(run('struct', '--json', 'list_head', 'modules', VM).stdout);
  assert.equal(mods.length, 8);
  const first = BigInt('0x' + lh.value.next) - BigInt(listOff);
  const last = BigInt('0x' + lh.value.prev) - BigInt(listOff);
  assert.ok(mods.includes(first) && mods.includes(last) && first !== last, `${first.toString(16)} ${last.toString(16)}`);
  // The oldest module's list.prev is the second oldest: also one of crash's.
  const after = JSON.parse(run('struct', '--json', 'module.list.prev', `0x${last.toString(16)}`, VM).stdout);
  assert.ok(mods.includes(BigInt('0x' + after.value) - BigInt(listOff)), after.value);
  // The text names what the pointers point at: each module's `__this_module` (+8: its list), with the
  // module's name as crash's mod prints it.
  const modName = new Map(readFileSync(join(SP, 'crash-mod.txt'), 'utf8').split('\n').filter((l) => /^[0-9a-f]{16} /.test(l)).map((l) => [BigInt('0x' + l.slice(0, 16)), l.split(/\s+/)[1]!]));
  const text = run('struct', 'list_head', 'modules', VM).stdout;
  assert.equal(text, `struct list_head {\n  next = 0x${lh.value.next.replace(/^0+/, '')} <__this_module+8 [${modName.get(first)}]>,\n  prev = 0x${lh.value.prev.replace(/^0+/, '')} <__this_module+8 [${modName.get(last)}]>\n}\n`);
  const whole = run('struct', 'task_struct', 'init_task', VM);
  assert.equal(whole.status, 0);
  assert.match(whole.stdout, /^struct task_struct \{\n  thread_info = \{\n    flags = \d+,/);
  assert.match(whole.stdout, /\n  stack = 0x[0-9a-f]+ <init_stack>,\n/);
  assert.match(whole.stdout, /\n  comm = "swapper\/0",\n/);
});

test('ktriage struct: bad input is one line and the right exit code', { skip }, () => {
  const cases: [string[], number, RegExp][] = [
    [['struct', 'no_such_type_xyz', VM], 1, /no_such_type_xyz: no such type in the BTF/],
    [['struct', 'task_struct.no_such', VM], 1, /struct task_struct has no member no_such/],
    [['struct', 'task struct!', VM], 2, /not TYPE\[\.MEMBER\]/],
    [['struct', 'task_struct.real_parent->comm', VM], 2, /-> follows a pointer in memory: give an ADDR/],
    [['struct', 'task_struct', 'no_such_symbol_xyz', VM], 2, /not an address and no such symbol/],
    [['struct', 'task_struct.comm', '0x10', VM], 1, /not a kernel address/],
    [['struct', 'task_struct'], 2, /needs TYPE\[\.MEMBER\], \[ADDR\] and one VMCORE/],
    [['struct', '--system-map', 'a', '--kallsyms', 'b', 'list_head', VM], 2, /not both/],
    [['struct', 'list_head', join(SP, 'crash-ps.txt')], 2, /not a vmcore/],
  ];
  for (const [args, code, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('ktriage struct --btf FILE: the same layout without a dump; with a dump the file is used', { skip }, () => {
  const { btf } = files();
  const fromDump = run('struct', 'task_struct', VM).stdout;
  const fromFile = run('struct', '--btf', btf, 'task_struct');
  assert.equal(fromFile.status, 0, fromFile.stderr);
  assert.equal(fromFile.stdout, fromDump);
  assert.equal(run('struct', '--btf', btf, 'task_struct.comm', 'init_task', VM).stdout, '  comm = "swapper/0"\n');
  const bad = run('struct', '--btf', join(SP, 'crash-ps.txt'), 'task_struct');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BTF file: no BTF magic/);
});

test('--system-map FILE (derived from the dump) in sym, struct and bt gives what the dump kallsyms gives', { skip }, () => {
  const { map } = files();
  for (const q of ['init_task', 'panic', 'ffffffff8f401f99']) {
    const a = run('sym', q, VM);
    const b = run('sym', '--system-map', map, q, VM);
    assert.equal(a.status, 0);
    assert.equal(b.stdout, a.stdout, q);
  }
  assert.equal(JSON.parse(run('sym', '--json', '--system-map', map, 'panic', VM).stdout).encoding, 'system-map');
  assert.equal(run('struct', '--system-map', map, 'task_struct.comm', 'init_task', VM).stdout, '  comm = "swapper/0"\n');
  const bt = run('bt', VM);
  const bt2 = run('bt', '--system-map', map, VM);
  assert.equal(bt2.status, bt.status);
  assert.equal(bt2.stdout, bt.stdout);
  assert.match(bt.stdout, /panic at ffffffff8f401f99/);
  const { btf } = files();
  const bt3 = run('bt', '--btf', btf, VM);
  assert.equal(bt3.stdout, bt.stdout);
  // A map of another build (moved 2 MiB off): symbols relocated by _stext, the disagreement named, exit 1.
  const other = join(tempDir(), 'other.System.map');
  writeFileSync(other, readFileSync(map, 'latin1').replace(/^ffffffff([0-9a-f]{8})/gm, (_m, lo: string) => `ffffffff${(parseInt(lo, 16) + 0x200000).toString(16).padStart(8, '0')}`), 'latin1');
  const o = run('sym', '--system-map', other, 'init_task', VM);
  assert.equal(o.status, 1);
  assert.equal(o.stdout, run('sym', 'init_task', VM).stdout);
  assert.match(o.stderr, /^ktriage: .*: read in part: System\.map: its _stext moved by KERNELOFFSET=da00000 is not SYMBOL\(_stext\)/);
});

test('struct values (hand-made): hostile strings are escaped; JSON keeps exact values', () => {
  const sym = { byName: () => [], lookup: () => null };
  assert.equal(formatValue({ kind: 'string', value: '\x1b[31mevil"\\', bytes: 16 }, sym, 1), '"\\x1b[31mevil\\"\\\\"');
  assert.equal(formatValue({ kind: 'int', value: 65n, char: true }, sym, 1), "65 'A'");
  assert.equal(formatValue({ kind: 'int', value: 1n, enumName: '\x1b]8;;x\x07' }, sym, 1), '\\x1b]8;;x\\x07');
  assert.equal(formatValue({ kind: 'array', elems: [{ kind: 'int', value: 1n }, { kind: 'int', value: -2n }], omitted: 3 }, sym, 1), '{1, -2, ...(3 more)}');
  assert.deepEqual(valueJson({ kind: 'struct', union: false, omitted: 0, members: [{ name: 'a', value: { kind: 'int', value: 1n << 60n } }, { name: '', value: { kind: 'ptr', value: 0xffffffff81000000n } }] }), { a: '1152921504606846976', '(anonymous 0)': 'ffffffff81000000' });
  assert.deepEqual(parseSpec('struct task_struct.thread_info.cpu'), { type: 'struct task_struct', path: 'thread_info.cpu' });
  assert.deepEqual(parseSpec('module.mem[1].base'), { type: 'module', path: 'mem[1].base' });
  assert.equal(parseSpec('task_struct->mm'), null);
  assert.equal(parseSpec('1abc'), null);
});

test('a dump whose VMCOREINFO has no kallsyms (derived: SYMBOL(kallsyms_*) renamed in a copy), and no BTF symbols: --system-map and --btf stand in', { skip }, () => {
  const { btf, map } = files();
  const blob = readFileSync(VM);
  const from = Buffer.from('SYMBOL(kallsyms_', 'latin1');
  const to = Buffer.from('SYMBOL(Kallsyms_', 'latin1');
  let n = 0;
  for (let i = blob.indexOf(from); i >= 0; i = blob.indexOf(from, i + 1), n++) to.copy(blob, i);
  assert.equal(n, 6);
  const old = join(tempDir(), 'no-kallsyms.vmcore');
  writeFileSync(old, blob);
  const bare = run('sym', 'init_task', old);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /VMCOREINFO has no SYMBOL\(kallsyms_names\|.*\): use --system-map or --kallsyms/);
  assert.equal(run('sym', '--system-map', map, 'init_task', old).stdout, run('sym', 'init_task', VM).stdout);
  // Without __start_BTF/__stop_BTF in the map the dump's BTF cannot be found: --btf gives the types.
  const noBtf = join(tempDir(), 'no-btf.System.map');
  writeFileSync(noBtf, readFileSync(map, 'latin1').split('\n').filter((l) => !/ __(start|stop)_BTF$/.test(l)).join('\n'), 'latin1');
  const miss = run('bt', '--system-map', noBtf, old);
  assert.equal(miss.status, 2);
  assert.match(miss.stderr, /no __start_BTF\/__stop_BTF .*use --btf FILE/);
  const bt = run('bt', '--system-map', noBtf, '--btf', btf, old);
  assert.equal(bt.stdout, run('bt', VM).stdout);
  assert.equal(run('struct', '--system-map', noBtf, '--btf', btf, 'task_struct.comm', 'init_task', old).stdout, '  comm = "swapper/0"\n');
});
