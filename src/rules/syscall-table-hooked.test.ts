import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { draftOf, fixture, LAB, runRule } from './testkit.js';

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
