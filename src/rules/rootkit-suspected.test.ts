import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { draftOf, fixture, LAB, runRule } from './testkit.js';

test('rootkit-suspected: lab rootkit console + crash session: hooks, hidden code and hack_* strings', { skip: existsSync(LAB) ? false : 'lab folder (../shared/lab) missing' }, () => {
  const d = draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log'), join(LAB, 'rootkit-hidden-module', 'crash-session.txt'));
  const f = runRule('rootkit-suspected', d);
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.signs, ['syscall-table-hooked', 'unknown-code-address', 'rootkit-strings']);
  assert.ok((f[0]!.data.strings as string[]).includes('disable_write_protection'));
  assert.equal(f[0]!.data.confidence, 'high');
});

test('rootkit-suspected: rootkit fleet crash session (hand-made)', () => {
  const f = runRule('rootkit-suspected', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.strings, ['hack_open', 'hack_read', 'disable_write_protection', 'enable_write_protection', 'hide_module']);
});

test('rootkit-suspected: one sign alone (hidden code in the console only) is not enough', () => {
  assert.deepEqual(runRule('rootkit-suspected', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log'))), []);
  assert.deepEqual(runRule('rootkit-suspected', draftOf(fixture('logs', 'lab-stack-protector-module.console.log'))), []);
});
