import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KnownIssueMatch } from '../model/types.js';
import { draftOf, fixture, runRule } from './testkit.js';

test('known-issue: CentOS 8 NFQUEUE crash matches nf_queue "don\'t assume sk is full socket", affected, fixed in 4.18.0-373.el8', () => {
  const f = runRule('known-issue', draftOf(fixture('investigations', 'centos8-nfqueue.crash.txt')));
  assert.equal(f[0]!.severity, 'high');
  const m = f[0]!.data.match as KnownIssueMatch;
  assert.equal(m.id, 'nf-queue-sk-not-full-socket');
  assert.equal(m.affected, 'yes');
  assert.equal(m.fixedIn[0], '4.18.0-373.el8');
  assert.ok(m.references.some((r) => r.includes('747670fd9a2d1b7774030dba65ca022ba442ce71')));
  assert.ok(m.workarounds.some((w) => /nf_reinject/.test(w)));
});

test('known-issue: RHEL 7 hrtimer_nanosleep stack-protector is the vendor known issue', () => {
  const f = runRule('known-issue', draftOf(fixture('investigations', 'rhel7-stack-protector.crash.txt')));
  assert.deepEqual(f.map((x) => (x.data.match as KnownIssueMatch).id), ['rhel7-stack-protector-hrtimer-nanosleep']);
});

test('known-issue: no false matches on the lab crashes of out-of-tree modules', () => {
  for (const s of ['bug-module', 'hung-task', 'list-corruption', 'oom-panic', 'oops-null-module', 'softlockup-rcu-module', 'stack-protector-module', 'sysrq-c']) {
    assert.deepEqual(runRule('known-issue', draftOf(fixture('logs', `lab-${s}.console.log`))), [], s);
  }
});
