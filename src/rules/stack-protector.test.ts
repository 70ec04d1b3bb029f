import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';
import { parseTarget } from './stack-protector.js';

test('parseTarget: symbolised, 0x-prefixed and bare addresses', () => {
  assert.deepEqual(parseTarget('ktl_parse_header+0x96/0xa0 [ktl_stackprot]'),
    { text: 'ktl_parse_header+0x96/0xa0 [ktl_stackprot]', address: null, function: 'ktl_parse_header', offset: 0x96, module: 'ktl_stackprot' });
  assert.equal(parseTarget('0xffffffffc04f2116').address, 'ffffffffc04f2116');
  assert.equal(parseTarget('ffffffff810aa8da').address, 'ffffffff810aa8da');
  assert.equal(parseTarget('garbage here').function, null);
});

test('stack-protector: lab module case names ktl_parse_header [ktl_stackprot], not core kernel', () => {
  const f = runRule('stack-protector', draftOf(fixture('logs', 'lab-stack-protector-module.console.log')));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module, f[0]!.data.coreKernel], ['ktl_parse_header', 'ktl_stackprot', false]);
  assert.equal(f[0]!.evidence[0]!.line, 6);
});

test('stack-protector: RHEL 7 case (hand-made crash session) resolves ffffffff810aa8da to hrtimer_nanosleep, core kernel, canary confirmed in dis', () => {
  const f = runRule('stack-protector', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt')));
  assert.equal(f.length, 1);
  const d = f[0]!.data;
  assert.equal(d.function, 'hrtimer_nanosleep');
  assert.equal(d.module, null);
  assert.equal(d.coreKernel, true);
  assert.deepEqual(d.canary, { prologue: true, epilogue: true, callsStackChkFail: true });
  assert.ok(f[0]!.evidence.some((e) => /mov\s+%gs:0x28,%rax/.test(e.text)));
  assert.ok(f[0]!.evidence.some((e) => /xor\s+%gs:0x28,%rbx/.test(e.text)));
  assert.match(f[0]!.summary, /core-kernel function/);
});

test('stack-protector: lab rootkit console address 0xffffffffc04f2116 has no symbol', () => {
  const f = runRule('stack-protector', draftOf(fixture('logs', 'lab-rootkit-hidden-module.console.log')));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, null);
  assert.equal(f[0]!.data.address, 'ffffffffc04f2116');
});

test('stack-protector: none for a NULL dereference', () => {
  assert.deepEqual(runRule('stack-protector', draftOf(fixture('logs', 'lab-oops-null-module.console.log'))), []);
});

test('stack-protector: lab module console + crash `dis`: canary load, `sub %gs:0x28` check, jne, call __stack_chk_fail', () => {
  const f = runRule('stack-protector', draftOf(fixture('logs', 'lab-stack-protector-module.console.log'),
    fixture('crash', 'stack-protector-module', 'crash-dis-panic.txt')));
  assert.deepEqual(f[0]!.data.canary, { prologue: true, epilogue: true, callsStackChkFail: true });
  // Console lines 6 (panic), 14 (__stack_chk_fail), 15 (its caller); dis lines 5, 33, 34, 42.
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [6, 14, 15, 5, 33, 34, 42]);
});
