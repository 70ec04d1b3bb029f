// Bucket keys and bucket state on real reports (the lab's console logs) and hand-made version lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import { sharedDir } from '../util/repo.js';
import { bucketKeys, meaningfulFrames } from './buckets.js';
import { bucketState } from './queries.js';
import { branchOf, compareFleetVersions, fleetVersion } from './versions.js';
import { incidents, detectPatterns, type PatternCrash } from './patterns.js';

const LAB = join(sharedDir(), 'lab', 'out');

test('level 2 keys: top meaningful frames as func [module], machinery and unreliable frames left out', { skip: !existsSync(LAB) && 'needs ../shared/lab' }, () => {
  const oops = analyze([join(LAB, 'oops-null-module', 'console.log')]);
  const frames = meaningfulFrames(oops);
  assert.equal(frames[0], 'ktl_null_process [ktl_null]');
  assert.ok(frames.length <= 5);
  assert.ok(frames.every((f) => !/^(panic|dump_stack|entry_SYSCALL|do_syscall_64)/.test(f) && !/\+0x/.test(f)), frames.join(' | '));
  const k = bucketKeys(oops)!;
  assert.equal(k.level1.key, 'BUG: unable to handle kernel NULL pointer dereference in ktl_null_process');
  assert.equal(k.level2.key, [k.level1.key, ...frames].join('\n'));
  // Taint and versions are not part of the key: the same report on another kernel is the same bucket.
  const other = { ...oops, kernel: { ...oops.kernel, release: '6.1.0-58-amd64', taint: null } };
  assert.deepEqual(bucketKeys(other), k);
  // A different crash is a different bucket at both levels.
  const hung = bucketKeys(analyze([join(LAB, 'hung-task', 'console.log')]))!;
  assert.notEqual(hung.level1.id, k.level1.id);
  assert.equal(bucketKeys({ crash: null, events: [] }), null);
});

test('compiler suffixes and offsets are dropped (hand-made frames in the model format)', () => {
  const ev = {
    rip: { function: 'foo_rx.isra.0', offset: 17, size: 48, module: 'foo', address: null },
    frames: [
      { function: 'dump_stack_lvl', offset: 1, size: 2, module: null, address: null, reliable: true, context: 'task', raw: '' },
      { function: 'bar_poll.constprop.3', offset: 1, size: 2, module: 'foo', address: null, reliable: true, context: 'task', raw: '' },
      { function: 'ghost', offset: 1, size: 2, module: null, address: null, reliable: false, context: 'task', raw: '' },
      { function: 'net_rx_action.cold', offset: 1, size: 2, module: null, address: null, reliable: true, context: 'softirq', raw: '' },
    ],
  };
  const r = { crash: { index: 0, title: 'BUG: x' }, events: [ev] } as never;
  assert.deepEqual(meaningfulFrames(r), ['foo_rx [foo]', 'bar_poll [foo]', 'net_rx_action']);
});

test('bucket state by version order within a branch, not by time', () => {
  const fleet = ['debian:6.1.190-1', 'debian:6.1.192-2', 'debian:6.1.199-1'];
  const day = 86_400_000;
  assert.equal(bucketState(['debian:6.1.190-1'], fleet, 0, 10 * day), 'resolved');
  assert.equal(bucketState(['debian:6.1.190-1', 'debian:6.1.199-1'], fleet, 0, 10 * day), 'regressed');
  assert.equal(bucketState(['debian:6.1.192-2', 'debian:6.1.199-1'], fleet, 0, 10 * day), 'ongoing');
  assert.equal(bucketState(['debian:6.1.199-1'], fleet, 9 * day, 10 * day), 'new');
  assert.equal(fleetVersion('6.1.0-56-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2'), 'debian:6.1.192-2');
  assert.equal(fleetVersion('4.18.0-305.3.1.el8_4.x86_64', '#1 SMP'), 'el8:4.18.0-305.3.1.el8_4');
  assert.equal(branchOf('debian:6.1.192-2'), 'debian:6.1');
  // 6.1.99 < 6.1.192 (numeric, not text order)
  assert.equal(compareFleetVersions('debian:6.1.99-1', 'debian:6.1.192-2'), -1);
});

test('a crash loop counts as one incident and raises nothing; compromise is raised from two hosts on', () => {
  const base = Date.UTC(2026, 9, 1);
  const c = (id: number, host: string, t: number, findings: string[] = [], bucket = 'b2-x'): PatternCrash =>
    ({ id, host, timeMs: base + t, bucket, title: 'T', labels: {}, kernelVersion: 'debian:6.1.192-2', findings });
  const loop = Array.from({ length: 30 }, (_, i) => c(i + 1, 'h1', i * 100_000));
  assert.equal(incidents(loop).length, 1);
  assert.deepEqual(detectPatterns(loop), []);
  const rk = ['syscall-table-hooked', 'rootkit-suspected'];
  const ps = detectPatterns([c(1, 'a', 0, rk, 'b2-r'), c(2, 'b', 86_400_000, rk, 'b2-r'), c(3, 'x', 5, [], 'b2-y')]);
  assert.deepEqual(ps.map((p) => [p.id, p.statistics.findings, p.curve!.map((x) => x.host)]), [['fleet-compromise', 'rootkit-suspected,syscall-table-hooked', ['a', 'b']]]);
  assert.deepEqual(detectPatterns([c(1, 'a', 0, rk, 'b2-r')]), []);
});

test('fleet-compromise: findings on mostly the same hosts are one compromise, disjoint outbreaks two', () => {
  const base = Date.UTC(2026, 9, 1);
  const c = (id: number, host: string, t: number, findings: string[]): PatternCrash =>
    ({ id, host, timeMs: base + t * 3_600_000, bucket: 'b2-r', title: 'T', labels: {}, kernelVersion: 'debian:6.1.192-2', findings });
  // a and b left crash sessions (three findings), c only its console log (one of them: the lab's rootkit
  // log alone); y and z: a hidden module, on other hosts; z also runs code no module owns.
  const all = ['rootkit-suspected', 'syscall-table-hooked', 'unknown-code-address'];
  const ps = detectPatterns([c(1, 'a', 0, all), c(2, 'b', 5, all), c(3, 'c', 30, ['unknown-code-address']),
    c(4, 'y', 100, ['hidden-module']), c(5, 'z', 101, ['hidden-module', 'unknown-code-address'])]);
  const got = ps.map((p) => [p.id, p.statistics.findings, p.statistics.hostsPerFinding, p.curve!.map((x) => x.host).join(','), p.crashCount])
    .sort((x, y) => String(x[1]).localeCompare(String(y[1])));
  assert.deepEqual(got, [
    // z shares one of y's two hosts: not more than half, so not the same compromise
    ['fleet-compromise', 'hidden-module', 'hidden-module=2', 'y,z', 2],
    // unknown-code-address on a, b, c, z holds both hosts of the other two findings
    ['fleet-compromise', 'rootkit-suspected,syscall-table-hooked,unknown-code-address', 'rootkit-suspected=2,syscall-table-hooked=2,unknown-code-address=4', 'a,b,c,z', 4],
  ]);
});
