import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_SHARED, draftOf, draftOfCorpus, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('warn-panic: silent on the lab bug-module log', () => {
  assert.deepEqual(runRule('warn-panic', lab('bug-module')), []);
});

test('warn-panic: syzkaller corpus 141 (WARNING + panic_on_warn) names kvm_arch_vcpu_ioctl_run', { skip: SKIP_SHARED }, () => {
  const f = runRule('warn-panic', draftOfCorpus('141')!);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'kvm_arch_vcpu_ioctl_run');
});
