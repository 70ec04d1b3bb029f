import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('hardware-error: fatal machine check (hand-made dmesg in mce/core.c format, see test/fixtures/diagnose/README.md)', () => {
  const f = runRule('hardware-error', draftOf(fixture('diagnose', 'mce-fatal.dmesg.txt')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'critical');
  assert.equal(f[0]!.data.fatal, true);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [1, 2, 3, 4, 5, 6]);
});

test('hardware-error: `Hardware name:` lines of ordinary oopses are not hardware errors (all lab consoles)', () => {
  for (const s of ['bug-module', 'hung-task', 'list-corruption', 'oom-panic', 'oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module', 'stack-protector-module', 'sysrq-c']) {
    assert.deepEqual(runRule('hardware-error', draftOf(fixture('logs', `lab-${s}.console.log`))), [], s);
  }
});
