import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('third-party-module: ktl_spinrcu (OE) on the stack of the lab soft lockup, with its Modules linked in line', () => {
  const f = runRule('third-party-module', draftOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'high');
  assert.deepEqual([f[0]!.data.module, f[0]!.data.flags, f[0]!.data.onStack], ['ktl_spinrcu', 'OE', true]);
  assert.deepEqual(f[0]!.events, [0, 1, 2]);
  // Line 41 of the fixture: `Modules linked in: ktl_spinrcu(OE) qemu_fw_cfg ...`
  const mods = f[0]!.evidence.find((e) => e.text.startsWith('Modules linked in:'));
  assert.equal(mods?.line, 41);
  assert.ok(mods!.source.endsWith('lab-softlockup-rcu-module.console.log'));
});

test('third-party-module: a loaded module not on any stack is low severity (lab rootkit console)', () => {
  const f = runRule('third-party-module', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.module, f[0]!.data.onStack, f[0]!.severity], ['ktl_rk', false, 'low']);
});

test('third-party-module: nothing for the untainted sysrq crash', () => {
  assert.deepEqual(runRule('third-party-module', draftOf(fixture('logs', 'lab-sysrq-c.console.log'))), []);
});
