// Incidents (DECISIONS.md 6) on lab files read where they are: a console log that spans two crashed boots,
// a console log of one scenario given with the crash session of another, and the artifacts of one incident.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from './analyze.js';
import { LAB, SKIP_SHARED } from './rules/testkit.js';
import { parseCrashDate, parseUptime } from './incidents.js';

const lab = (s: string, f: string) => join(LAB, s, f);

test('a console log spanning two crashed boots gives one incident per crashed boot, each with its own verdict', { skip: SKIP_SHARED }, () => {
  // Two lab console logs one after the other, as a serial console that stayed connected across a reboot
  // records them: each holds a crashed boot followed by the kdump capture kernel's boot (four boots).
  const a = readFileSync(lab('oops-null-module', 'console.log'));
  const b = readFileSync(lab('hung-task', 'console.log'));
  const r = analyze([{ name: 'two-boots.log', data: Buffer.concat([a, b]) }]);
  assert.equal(r.incidents.length, 2, 'the capture kernels are no incidents');
  const [i0, i1] = r.incidents;
  assert.equal(i0!.diagnosis.rootCause?.kind, 'null-deref');
  assert.equal(i0!.diagnosis.rootCause?.function, 'ktl_null_process');
  // The first boot went to kdump without a panic line (oops=panic): the second boot's panic is not its own.
  assert.equal(i0!.panic?.message, null);
  assert.equal(i0!.splitReason, null);
  assert.deepEqual(i0!.events.map((e) => e.kind), ['null-deref']);
  assert.equal(i1!.diagnosis.rootCause?.kind, 'hung-task');
  assert.equal(i1!.diagnosis.rootCause?.function, 'ktl_dev_io');
  assert.equal(i1!.panic?.message, 'Kernel panic - not syncing: hung_task: blocked tasks');
  assert.equal(i1!.parts[0]!.boot, 2);
  const lines = a.toString('latin1').split('\n').length; // the second file's first line, 1-based
  assert.equal(i1!.parts[0]!.firstLine, lines);
  assert.match(i1!.splitReason ?? '', /two-boots\.log rebooted \(boot 3, from line \d+\)/);
  // The top-level fields are the first incident's (DECISIONS.md 6).
  assert.equal(r.crash?.title, i0!.crash?.title);
  assert.equal(r.diagnosis.rootCause?.function, 'ktl_null_process');
  assert.ok(!r.diagnosis.findings.some((f) => f.id === 'hung-task'), 'no finding of the second boot in the first incident');
  // Nothing links across incidents: each incident's events are indexed from 0.
  assert.deepEqual(i1!.events.map((e) => e.index), i1!.events.map((_, k) => k));
});

test('a console log of one crash and a crash session of another are two incidents, and the report says why', { skip: SKIP_SHARED }, () => {
  const r = analyze([lab('oops-null-module', 'console.log'), lab('hung-task', 'crash-session.txt')]);
  assert.equal(r.incidents.length, 2);
  const [i0, i1] = r.incidents;
  assert.equal(i0!.diagnosis.rootCause?.kind, 'null-deref');
  assert.equal(i0!.dump, null, 'the other crash session\'s facts stay with its incident');
  assert.equal(i1!.diagnosis.rootCause?.kind, 'hung-task');
  assert.equal(i1!.diagnosis.rootCause?.function, 'ktl_dev_io');
  assert.ok(i1!.dump && i1!.dump.backtraces.length > 0);
  assert.match(i1!.splitReason!, /no crash report in common/);
  assert.match(i1!.splitReason!, /hung_task: blocked tasks/);
  // Without the session's log (sys only), the panic string and the uptime tell them apart.
  const s = analyze([lab('oops-null-module', 'console.log'), lab('hung-task', 'crash-sys.txt')]);
  assert.equal(s.incidents.length, 2);
  assert.match(s.incidents[1]!.splitReason!, /is in none of the reports/);
  assert.match(s.incidents[1]!.splitReason!, /taken 33 s after boot, the crash of .* came at 14\.5 s/);
  assert.equal(s.incidents[1]!.panic?.message, 'Kernel panic - not syncing: hung_task: blocked tasks');
});

test('the artifacts of one lab incident stay one incident', { skip: SKIP_SHARED }, () => {
  for (const s of ['bug-module', 'hung-task', 'list-corruption', 'oom-panic', 'oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module', 'stack-protector-module', 'sysrq-c']) {
    const r = analyze([lab(s, 'console.log'), lab(s, 'crash-session.txt'), lab(s, 'crash-sys.txt')]);
    assert.equal(r.incidents.length, 1, `${s}: ${r.incidents.map((i) => i.splitReason).join(' | ')}`);
    assert.equal(r.incidents[0]!.parts.length, 3, s);
  }
  const v = analyze([lab('stack-protector-module', 'console.log'), lab('stack-protector-module', 'vmcore')]);
  assert.equal(v.incidents.length, 1, v.incidents.map((i) => i.splitReason).join(' | '));
});

test('crash\'s UPTIME and DATE', () => {
  assert.equal(parseUptime('00:01:22'), 82);
  assert.equal(parseUptime('3 days, 01:00:00'), 3 * 86400 + 3600);
  assert.equal(parseUptime('soon'), null);
  assert.equal(parseCrashDate('Mon Nov 23 09:00:45 UTC 2026'), '2026-11-23T09:00:45Z');
  assert.equal(parseCrashDate('Mon Nov 23 09:00:45 CET 2026'), null, 'a local zone is not guessed');
});
