import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { draftOf, fixture, LAB, runRule } from './testkit.js';
import { unzstd } from '../readers/vmcore/testkit.js';

test('syscall-table-hooked: rootkit fleet read/open hooked, panicking task in read (ORIG_RAX 0)', () => {
  const f = runRule('syscall-table-hooked', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  const hooked = f[0]!.data.hooked as { number: number; syscall: string; table: string }[];
  assert.deepEqual(hooked.map((h) => [h.table, h.number, h.syscall]), [['x64', 0, 'read'], ['x64', 2, 'open']]);
  assert.deepEqual(f[0]!.data.inSyscall, { number: 0, name: 'read', hooked: true });
  assert.equal(f[0]!.evidence[0]!.line, 73);
});

test('syscall-table-hooked: lab rootkit crash session (sys -c) and nothing for the clean table of the lab sysrq dump', { skip: existsSync(LAB) ? false : 'lab folder (../shared/lab) missing' }, () => {
  const f = runRule('syscall-table-hooked', draftOf(fixture('crash', 'rootkit-hidden-module', 'crash-sys-c.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual((f[0]!.data.hooked as { number: number }[]).map((h) => h.number), [0, 2]);
  assert.deepEqual(runRule('syscall-table-hooked', draftOf(join(LAB, 'sysrq-c', 'crash-sys-c.txt'))), []);
});

test('syscall-table-hooked: the crash session\'s `sys -c` and the vmcore\'s own table count each hooked entry once, with both as evidence', { skip: existsSync(join(LAB, 'rootkit-hidden-module', 'vmcore.zst')) ? false : 'lab rootkit vmcore missing' }, () => {
  const session = join(LAB, 'rootkit-hidden-module', 'crash-session.txt');
  const f = runRule('syscall-table-hooked', draftOf(session, unzstd(join(LAB, 'rootkit-hidden-module', 'vmcore.zst'))));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.hooked, [
    { table: 'x64', number: 0, syscall: 'read', address: 'ffffffffc04f2000', owner: 'ktl_rk (hidden)' },
    { table: 'x64', number: 2, syscall: 'open', address: 'ffffffffc04f2020', owner: 'ktl_rk (hidden)' },
  ]);
  assert.deepEqual(f[0]!.evidence.map((e) => [e.source === session ? 'session' : 'vmcore', e.line, e.text]), [
    ['session', 508, '0  invalid sys_call_table entry: ffffffffc04f2000'],
    ['session', 510, '2  invalid sys_call_table entry: ffffffffc04f2020'],
    ['vmcore', null, 'sys_call_table[0] @ ffffffff8ba00360 -> ffffffffc04f2000 (no symbol) [ktl_rk]'],
    ['vmcore', null, 'sys_call_table[2] @ ffffffff8ba00370 -> ffffffffc04f2020 (no symbol) [ktl_rk]'],
  ]);
});
