import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affectedStatus, matchKnownIssues, valueMatches } from './match.js';
import { kernelVersionOf } from './version.js';
import { draftOf, fixture } from '../rules/testkit.js';

test('affectedStatus: RHEL 8 line uses the el8 fix; Debian and upstream use the stable series, else mainline', () => {
  const ranges = [{ line: 'el8', fixed: '4.18.0-373.el8' }, { line: 'upstream', fixed: '5.17' },
    { line: 'upstream', series: '5.10', fixed: '5.10.104' }];
  assert.deepEqual(affectedStatus(kernelVersionOf('4.18.0-305.3.1.el8_4.x86_64', null), ranges), { affected: 'yes', fixed: '4.18.0-373.el8' });
  assert.deepEqual(affectedStatus(kernelVersionOf('4.18.0-425.3.1.el8.x86_64', null), ranges), { affected: 'no', fixed: '4.18.0-373.el8' });
  assert.deepEqual(affectedStatus(kernelVersionOf('5.10.0-21-amd64', '#1 SMP Debian 5.10.162-1'), ranges), { affected: 'no', fixed: '5.10.104' });
  assert.deepEqual(affectedStatus(kernelVersionOf('5.10.0-11-amd64', '#1 SMP Debian 5.10.92-1'), ranges), { affected: 'yes', fixed: '5.10.104' });
  assert.deepEqual(affectedStatus(kernelVersionOf('6.1.0-56-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2'), ranges), { affected: 'no', fixed: '5.17' });
  // 5.4 has no recorded backport: below the mainline fix but maybe patched.
  assert.deepEqual(affectedStatus(kernelVersionOf('5.4.100', null), ranges), { affected: 'unknown', fixed: '5.17' });
  assert.deepEqual(affectedStatus(kernelVersionOf('5.17.0', null), ranges), { affected: 'no', fixed: '5.17' });
  assert.deepEqual(affectedStatus(kernelVersionOf('5.16.3', null), ranges), { affected: 'unknown', fixed: '5.17' });
  // Ubuntu kernels backport silently: upstream ranges say nothing.
  assert.deepEqual(affectedStatus(kernelVersionOf('5.15.0-91-generic', '#101-Ubuntu SMP'), ranges), { affected: 'unknown', fixed: null });
  assert.deepEqual(affectedStatus(null, ranges), { affected: 'unknown', fixed: null });
});

test('valueMatches: hex, decimal and enum names', () => {
  assert.ok(valueMatches('0xc', ['0xc']));
  assert.ok(valueMatches('12', ['0xc']));
  assert.ok(valueMatches('TCP_NEW_SYN_RECV', ['0xc', 'TCP_NEW_SYN_RECV']));
  assert.ok(!valueMatches('0xa', ['0xc', 'TCP_NEW_SYN_RECV']));
});

test('matchKnownIssues: CentOS 8 NFQUEUE crash session (hand-made) with evidence on the bt lines', () => {
  const m = matchKnownIssues(draftOf(fixture('investigations', 'centos8-nfqueue.crash.txt')));
  assert.equal(m[0]!.id, 'nf-queue-sk-not-full-socket');
  assert.ok(m[0]!.evidence.length >= 2);
  assert.ok(m[0]!.evidence.every((e) => e.source.endsWith('centos8-nfqueue.crash.txt')));
});

test('matchKnownIssues: SACK panic signature on a hand-made model (kind bug, tcp_shifted_skb on the stack)', () => {
  // hand-made: event shaped like the log reader's output for `kernel BUG at net/ipv4/tcp_input.c` in tcp_shifted_skb.
  const draft = draftOf(fixture('logs', 'lab-bug-module.console.log'));
  const ev = { ...draft.events[0]!, rip: { function: 'tcp_shifted_skb', offset: 0x1a, size: 0x200, module: null, address: null } };
  const d = { ...draft, kernel: { ...draft.kernel, release: '4.19.0-5-amd64', version: '#1 SMP Debian 4.19.37-5' }, events: [ev] };
  const m = matchKnownIssues(d);
  assert.equal(m[0]!.id, 'tcp-sack-panic');
  assert.equal(m[0]!.affected, 'yes');
  assert.equal(m[0]!.fixedIn[0], '4.19.52');
});

test('matchKnownIssues: the 208.5-day sched_clock overflow by its absurd soft lockup duration (hand-made on the CentOS 6 model)', () => {
  // hand-made: the CentOS 6 investigation's event with the duration the Red Hat solution quotes.
  const draft = draftOf(fixture('investigations', 'centos6-dirpro-softlockup.messages'));
  const ev = { ...draft.events[0]!, header: 'BUG: soft lockup - CPU#3 stuck for 4278190091s! [qmgr:2211]' };
  const d = { ...draft, kernel: { ...draft.kernel, release: '2.6.32-220.el6.x86_64' }, events: [ev] };
  const m = matchKnownIssues(d);
  assert.equal(m[0]!.id, 'rhel-sched-clock-208-days');
  assert.deepEqual([m[0]!.affected, m[0]!.fixedIn[0]], ['yes', '2.6.32-279.el6']);
  // The original 67 s lockup is not this bug.
  assert.ok(!matchKnownIssues(draft).some((x) => x.id === 'rhel-sched-clock-208-days'));
});
