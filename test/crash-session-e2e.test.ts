// A saved crash session without the kernel log still names the primary crash: PANIC string + the panic
// task's `bt` (hand-made RHEL 7 / CentOS 8 / rootkit transcripts in test/fixtures/investigations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { repoRoot } from './paths.js';

const inv = (f: string) => join(repoRoot(), 'test', 'fixtures', 'investigations', f);

test('RHEL 7 stack-protector session: primary crash from PANIC and bt, titled by the sym of the address', () => {
  const r = analyze([inv('rhel7-stack-protector.crash.txt')]);
  assert.deepEqual(r.crash, {
    index: 0, title: 'kernel panic: stack is corrupted in hrtimer_nanosleep', kind: 'stack-protector', type: 'DoS',
    corrupted: false, task: { pid: 18472, comm: 'java' }, cpu: 3,
  });
  assert.equal(r.events[0]!.header, 'Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: ffffffff810aa8da');
  assert.deepEqual(r.panic?.task, { pid: 18472, comm: 'java' });
  assert.equal(r.diagnosis.rootCause?.function, 'hrtimer_nanosleep');
});

test('CentOS 8 nfqueue session: the oops title comes from the frames after the exception frame', () => {
  const r = analyze([inv('centos8-nfqueue.crash.txt')]);
  assert.equal(r.crash?.title, 'BUG: unable to handle kernel paging request in bpf_sk_reuseport_detach');
  assert.equal(r.crash?.kind, 'paging-request');
  assert.deepEqual(r.crash?.task, { pid: 2214, comm: 'suricata' });
  assert.equal(r.events[0]!.rip?.function, '__pv_queued_spin_lock_slowpath');
  assert.deepEqual(r.diagnosis.knownIssues.map((k) => k.id), ['nf-queue-sk-not-full-socket']);
});

test('rootkit session: each finding once, backtrace not trusted', () => {
  const r = analyze([inv('rootkit-fleet.crash.txt')]);
  const ids = r.diagnosis.findings.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length, ids.join(','));
  assert.equal(r.diagnosis.rootCause?.kind, 'rootkit');
  assert.equal(r.diagnosis.culprit?.backtraceReliable, false);
});
