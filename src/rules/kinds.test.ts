// Tests of the per-kind detectors on the lab console logs and the syzkaller corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, draftOfCorpus, fixture, runRule, SKIP_SHARED } from '../diagnose/testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('soft-lockup: CPU 1 stuck 44 s in ktl_filter_lookup [ktl_spinrcu]', () => {
  const f = runRule('soft-lockup', lab('softlockup-rcu-module'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module, f[0]!.data.stuckSeconds, f[0]!.data.cpu], ['ktl_filter_lookup', 'ktl_spinrcu', 44, 1]);
  assert.deepEqual(f[0]!.evidence.map((e) => e.line), [40, 44]);
});

test('rcu-stall: self-detected stall on CPU 1 in ktl_filter_lookup', () => {
  const f = runRule('rcu-stall', lab('softlockup-rcu-module'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.events], ['ktl_filter_lookup', [0]]);
});

test('null-deref: offset 0x8 in ktl_null_process [ktl_null]', () => {
  const f = runRule('null-deref', lab('oops-null-module'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'ktl_null_process');
  assert.match(f[0]!.summary, /offset 0x8 /);
});

test('bug-on: kernel BUG at modules/ktl_bug.c:13 in ktl_queue_advance', () => {
  const f = runRule('bug-on', lab('bug-module'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'ktl_queue_advance');
  assert.match(f[0]!.summary, /modules\/ktl_bug\.c:13/);
});

test('list-corruption: LIST_POISON1 in ktl_item_release [ktl_list]', () => {
  const f = runRule('list-corruption', lab('list-corruption'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module], ['ktl_item_release', 'ktl_list']);
  assert.match(f[0]!.summary, /already deleted/);
});

test('sysrq-crash: the operator-triggered crash', () => {
  const f = runRule('sysrq-crash', lab('sysrq-c'));
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'info');
  assert.equal(f[0]!.data.function, 'sysrq_handle_crash');
});

test('per-kind detectors stay silent on other kinds', () => {
  assert.deepEqual(runRule('null-deref', lab('bug-module')), []);
  assert.deepEqual(runRule('bug-on', lab('oops-null-module')), []);
  assert.deepEqual(runRule('soft-lockup', lab('hung-task')), []);
  assert.deepEqual(runRule('warn-panic', lab('bug-module')), []);
  assert.deepEqual(runRule('use-after-free', lab('list-corruption')), []);
});

test('warn-panic: syzkaller corpus 141 (WARNING + panic_on_warn) names kvm_arch_vcpu_ioctl_run', { skip: SKIP_SHARED }, () => {
  const f = runRule('warn-panic', draftOfCorpus('141')!);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'kvm_arch_vcpu_ioctl_run');
});

test('use-after-free: syzkaller corpus 130 (KASAN use-after-free Read in aead_recvmsg)', { skip: SKIP_SHARED }, () => {
  const f = runRule('use-after-free', draftOfCorpus('130')!);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'aead_recvmsg');
});
