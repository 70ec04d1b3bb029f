import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

test('wrong-object-type: CentOS 8 NFQUEUE sock with skc_state 0xc used as a full sock (hand-made crash session)', () => {
  const f = runRule('wrong-object-type', draftOf(fixture('investigations', 'centos8-nfqueue.crash.txt')));
  assert.equal(f.length, 1);
  const d = f[0]!.data;
  assert.equal(d.address, 'ffff9a3c15e4b400');
  assert.equal(d.state, 'TCP_NEW_SYN_RECV');
  assert.equal(d.actualType, 'struct tcp_request_sock');
  assert.equal(d.size, 0x148);
  assert.deepEqual(d.offsetsPastEnd, [{ member: 'sk_callback_lock', offset: 0x230 }]);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [72, 74, 88]);
});

test('wrong-object-type: nothing without struct facts', () => {
  assert.deepEqual(runRule('wrong-object-type', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt'))), []);
  assert.deepEqual(runRule('wrong-object-type', draftOf(fixture('logs', 'lab-oops-null-module.console.log'))), []);
});
