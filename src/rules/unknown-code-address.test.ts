import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('unknown-code-address: bare frames of the lab rootkit console', () => {
  const f = runRule('unknown-code-address', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual(f[0]!.data.addresses, ['ffffffffc04f2116', 'ffffffffc04f2300']);
  assert.equal(f[0]!.severity, 'high');
});

test('unknown-code-address: the rootkit fleet panic address (sym: symbol not found) and the hooked table targets', () => {
  const f = runRule('unknown-code-address', draftOf(fixture('investigations', 'rootkit-fleet.crash.txt')));
  assert.equal(f.length, 1);
  assert.deepEqual([...(f[0]!.data.addresses as string[])].sort(), ['ffffffffa0298000', 'ffffffffa0298140', 'ffffffffa02987eb']);
  assert.ok((f[0]!.data.foundBy as string[]).includes('sym'));
});

test('unknown-code-address: nothing when every address has a symbol', () => {
  assert.deepEqual(runRule('unknown-code-address', draftOf(fixture('logs', 'lab-oops-null-module.console.log'))), []);
  assert.deepEqual(runRule('unknown-code-address', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt'))), []);
});
