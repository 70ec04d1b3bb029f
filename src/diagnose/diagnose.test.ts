// End to end: the real readers and the diagnosis on the nine lab scenarios (root causes from truth.json) and
// the four investigations of issue 3 (hand-made inputs in test/fixtures/investigations/, see its README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, LAB, reportOf } from '../rules/testkit.js';
import { diagnose } from './index.js';

const SCENARIOS = ['bug-module', 'hung-task', 'list-corruption', 'oom-panic', 'oops-null-module', 'rootkit-hidden-module',
  'softlockup-rcu-module', 'stack-protector-module', 'sysrq-c'];
const HAVE_LAB = existsSync(LAB);

interface Truth { root_cause: { kind: string; function: string | null; module: string | null }; findings?: string[] }

for (const s of SCENARIOS) {
  test(`lab ${s}: root cause kind, function and module as in truth.json`, { skip: HAVE_LAB ? false : 'lab folder (../shared/lab) missing' }, () => {
    const truth = JSON.parse(readFileSync(join(LAB, s, 'truth.json'), 'utf8')) as Truth;
    // The rootkit's findings come from the console log and the crash session together (DECISIONS.md 4).
    const inputs = [join(LAB, s, 'console.log')];
    if (s === 'rootkit-hidden-module') inputs.push(join(LAB, s, 'crash-session.txt'));
    const d = reportOf(...inputs).diagnosis;
    assert.deepEqual(
      { kind: d.rootCause?.kind, function: d.rootCause?.function, module: d.rootCause?.module },
      { kind: truth.root_cause.kind, function: truth.root_cause.function, module: truth.root_cause.module });
    for (const id of truth.findings ?? []) assert.ok(d.findings.some((f) => f.id === id), `finding ${id}`);
    // Every finding's evidence points into an input file with a line, or says it is derived.
    for (const f of d.findings) for (const e of f.evidence) assert.ok(e.source === 'derived' || e.line === null || e.line >= 1, f.id);
  });
}

test('lab soft lockup: the RCU stall and the hung task are consequences linked by lockup-blocks-rcu', () => {
  const d = reportOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')).diagnosis;
  assert.equal(d.rootCause?.event?.index, 1);
  assert.deepEqual(d.consequences.map((c) => [c.event.index, c.event.kind, c.event.task.comm, c.rule]),
    [[0, 'rcu-stall', 'pktfilterd', 'lockup-blocks-rcu'], [2, 'hung-task', 'ruleupdate', 'lockup-blocks-rcu']]);
  assert.deepEqual([d.culprit?.function, d.culprit?.module, d.culprit?.moduleFlags, d.culprit?.thirdParty, d.culprit?.backtraceReliable],
    ['ktl_filter_lookup', 'ktl_spinrcu', 'OE', true, true]);
  assert.equal(d.recommendations[0]!.id, 'module-ktl_spinrcu');
});

test('investigation 1 (RHEL 7, hand-made crash session): core-kernel stack corruption in hrtimer_nanosleep, vendor known issue, upgrade', () => {
  const d = reportOf(fixture('investigations', 'rhel7-stack-protector.crash.txt')).diagnosis;
  assert.deepEqual([d.rootCause?.kind, d.rootCause?.function, d.rootCause?.module], ['stack-protector', 'hrtimer_nanosleep', null]);
  assert.deepEqual([d.culprit?.function, d.culprit?.thirdParty], ['hrtimer_nanosleep', false]);
  assert.match(d.rootCause!.summary, /core-kernel function/);
  assert.deepEqual(d.knownIssues.map((k) => k.id), ['rhel7-stack-protector-hrtimer-nanosleep']);
  assert.ok(d.recommendations.some((r) => /^Upgrade the kernel/.test(r.text)));
});

test('investigation 2 (CentOS 8 NFQUEUE, hand-made crash session): request sock used as full sock, known upstream bug fixed in 4.18.0-373.el8', () => {
  const d = reportOf(fixture('investigations', 'centos8-nfqueue.crash.txt')).diagnosis;
  assert.equal(d.rootCause?.kind, 'paging-request');
  assert.equal(d.rootCause?.function, 'nf_queue_entry_release_refs');
  assert.match(d.rootCause!.summary, /TCP_NEW_SYN_RECV/);
  assert.match(d.rootCause!.summary, /don't assume sk is full socket/);
  assert.ok(d.findings.some((f) => f.id === 'wrong-object-type'));
  const up = d.recommendations.find((r) => r.id === 'upgrade-nf-queue-sk-not-full-socket');
  assert.match(up!.text, /4\.18\.0-373\.el8/);
  assert.match(up!.text, /nf_reinject/);
});

test('investigation 3 (CentOS 6 dirpro, hand-made messages): root cause dirpro not crond; capture settings', () => {
  const d = reportOf(fixture('investigations', 'centos6-dirpro-softlockup.messages')).diagnosis;
  assert.deepEqual([d.rootCause?.kind, d.rootCause?.function, d.rootCause?.module], ['soft-lockup', 'get_process_name', 'dirpro']);
  assert.deepEqual([d.culprit?.module, d.culprit?.moduleFlags, d.culprit?.thirdParty], ['dirpro', 'U', true]);
  assert.deepEqual(d.consequences.map((c) => [c.event.kind, c.event.task.comm, c.event.task.pid, c.rule]), [['hung-task', 'crond', 28259, 'lockup-blocks-rcu']]);
  const texts = d.recommendations.map((r) => r.text).join('\n');
  assert.match(texts, /Remove or update the third-party module dirpro/);
  for (const s of ['kernel.softlockup_panic=1', 'kernel.hung_task_panic=1', 'kernel.panic=10', 'nmi_watchdog=1', 'kdump']) assert.ok(texts.includes(s), s);
});

test('investigation 4 (rootkit fleet, hand-made crash session): rootkit, wrong backtrace, read hooked, incident response', () => {
  const d = reportOf(fixture('investigations', 'rootkit-fleet.crash.txt')).diagnosis;
  assert.equal(d.rootCause?.kind, 'rootkit');
  assert.equal(d.culprit?.backtraceReliable, false);
  for (const id of ['syscall-table-hooked', 'unknown-code-address', 'rootkit-suspected', 'impossible-call-chain']) assert.ok(d.findings.some((f) => f.id === id), id);
  assert.equal(d.recommendations[0]!.id, 'incident-response');
  assert.match(d.recommendations[0]!.text, /isolate/);
});

test('diagnose: an empty draft and a hostile one never throw', () => {
  const base = reportOf(fixture('logs', 'lab-bug-module.console.log'));
  const { diagnosis: _x, ...draft } = base;
  void _x;
  const empty = diagnose({ ...draft, events: [], modules: [], panic: null, dump: null, crash: null });
  assert.equal(empty.rootCause, null);
  const ev = draft.events[0]!;
  const hostile = {
    ...ev, header: 'stack-protector: Kernel stack is corrupted in: ' + '('.repeat(5000), lines: Array(400).fill('\u0000'.repeat(100)),
    frames: Array(5000).fill({ function: null, offset: null, size: null, module: null, address: 'ffffffffc0000000', reliable: true, context: 'task', raw: '' }),
  };
  const d = diagnose({ ...draft, events: [hostile, { ...ev, index: 1, kind: 'hung-task' as const }] });
  assert.ok(d.findings.length > 0);
});
