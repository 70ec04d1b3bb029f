import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  rpmvercmp, rpmCompare, dpkgCompare, compareUpstream, kernelVersionOf, compareVersions, seriesOf,
} from './version.js';

// Cases from rpm's own test suite (tests/rpmvercmp.at, the RPMVERCMP(a, b, result) lines).
const RPM_CASES: [string, string, number][] = [
  ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0], ['2.0', '2.0.1', -1], ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0], ['2.0.1a', '2.0.1', 1], ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p2', -1], ['5.5p10', '5.5p1', 1], ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1], ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10.1', -1], ['xyz.4', '8', -1], ['8', 'xyz.4', 1], ['xyz.4', '2', -1],
  ['5.5p2', '5.6p1', -1], ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1], ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1], ['10a2', '10b2', -1],
  ['1.0a', '1.0aa', -1], ['1.0aa', '1.0a', 1],
  ['10.0001', '10.1', 0], ['10.0001', '10.0039', -1],
  ['4.999.9', '5.0', -1], ['20101121', '20101122', -1],
  ['2.0', '2_0', 0], ['a+', 'a_', 0], ['+a', '_a', 0], ['_+', '+_', 0], ['+', '_', 0],
  ['1.0~rc1', '1.0', -1], ['1.0', '1.0~rc1', 1], ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1], ['1.0~rc1', '1.0~rc1~git123', 1],
  ['1.0^', '1.0', 1], ['1.0', '1.0^', -1], ['1.0^git1', '1.0^git2', -1], ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1], ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0~rc1^git1', '1.0~rc1', 1], ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1', '1.0^git1~pre', 1], ['1.0^git1~pre', '1.0^git1', -1],
];

test('rpmvercmp agrees with rpm test suite', () => {
  for (const [a, b, r] of RPM_CASES) assert.equal(rpmvercmp(a, b), r, `${a} vs ${b}`);
});

test('RPM kernel releases: the issue 3 pair and RHEL 7 errata releases', () => {
  assert.equal(rpmCompare('4.18.0-305.3.1.el8_4', '4.18.0-373.el8'), -1);
  assert.equal(rpmCompare('4.18.0-373.el8', '4.18.0-305.3.1.el8_4'), 1);
  assert.equal(rpmCompare('4.18.0-373.el8', '4.18.0-373.el8'), 0);
  assert.equal(rpmCompare('3.10.0-862.el7', '3.10.0-862.14.4.el7'), -1);
  assert.equal(rpmCompare('3.10.0-1160.el7', '3.10.0-862.14.4.el7'), 1);
  assert.equal(rpmCompare('2.6.32-754.el6', '2.6.32-754.35.1.el6'), -1);
  // Epoch wins over everything; a missing release matches any release.
  assert.equal(rpmCompare('1:3.10.0-1.el7', '4.18.0-1.el8'), 1);
  assert.equal(rpmCompare('4.18.0', '4.18.0-373.el8'), 0);
});

// Expected values computed with `dpkg --compare-versions A lt|eq B` (dpkg 1.21) on this project's CI image.
const DPKG_CASES: [string, string, number][] = [
  ['6.1.192-2', '6.1.192-3', -1],
  ['6.1.192-2', '6.1.76-1', 1],
  ['1.0~rc1', '1.0', -1],
  ['6.1.0-0.deb11.6', '6.1.76-1~bpo12+1', -1],
  ['4.19.98-1+deb10u1', '4.19.98-1', 1],
  ['5.15.0-91.101', '5.15.0-92.102', -1],
  ['5.15.0-91.101', '5.15.0-91.99', 1],
  ['1:1.0', '2.0', 1],
  ['1.0a', '1.0+', -1],
  ['1.0', '1.0a', -1],
  ['1.0~~', '1.0~', -1],
  ['2.6.32-5', '2.6.32-48squeeze20', -1],
  ['5.10.209-2', '5.10.209-2', 0],
  ['0:5.10', '5.10', 0],
];

test('dpkgCompare agrees with dpkg --compare-versions', () => {
  for (const [a, b, r] of DPKG_CASES) {
    assert.equal(dpkgCompare(a, b), r, `${a} vs ${b}`);
    assert.equal(dpkgCompare(b, a), r === 0 ? 0 : -r, `${b} vs ${a}`);
  }
});

test('upstream versions', () => {
  assert.equal(compareUpstream('6.1.192', '6.1.9'), 1);
  assert.equal(compareUpstream('6.1', '6.1.0'), 0);
  assert.equal(compareUpstream('6.1-rc7', '6.1'), -1);
  assert.equal(compareUpstream('6.1-rc2', '6.1-rc10'), -1);
  assert.equal(compareUpstream('5.17', '5.16.20'), 1);
  assert.equal(compareUpstream('v4.4.300', '4.9'), -1);
  assert.equal(seriesOf('6.1.192'), '6.1');
  assert.equal(seriesOf('2.6.32.50'), '2.6.32');
  assert.equal(compareUpstream('2.6.32.50', '2.6.32.9'), 1);
});

test('kernelVersionOf: Debian, from the lab console (uname -r / #1 SMP ... Debian 6.1.192-2)', () => {
  const v = kernelVersionOf('6.1.0-56-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)');
  assert.deepEqual(v, { scheme: 'debian', line: 'debian', full: '6.1.192-2', upstream: '6.1.192' });
  // The CPU line's short form `#1  Debian 6.1.192-2`.
  assert.equal(kernelVersionOf('6.1.0-56-amd64', '#1  Debian 6.1.192-2')?.full, '6.1.192-2');
  assert.equal(kernelVersionOf(null, 'Debian 4.19.98-1+deb10u1')?.full, '4.19.98-1+deb10u1');
});

test('kernelVersionOf: RPM releases with dist tags and arch suffixes', () => {
  assert.deepEqual(kernelVersionOf('4.18.0-305.3.1.el8_4.x86_64', null),
    { scheme: 'rpm', line: 'el8', full: '4.18.0-305.3.1.el8_4', upstream: '4.18.0' });
  assert.equal(kernelVersionOf('3.10.0-862.el7.x86_64', '#1 SMP Wed Mar 21 18:14:51 EDT 2018')?.line, 'el7');
  assert.equal(kernelVersionOf('2.6.32-754.el6.x86_64', null)?.full, '2.6.32-754.el6');
  assert.equal(kernelVersionOf('5.14.0-362.8.1.el9_3.x86_64', null)?.line, 'el9');
});

test('kernelVersionOf: Ubuntu release + #N-Ubuntu gives the package version; release alone is ABI only', () => {
  assert.deepEqual(kernelVersionOf('5.15.0-91-generic', '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023'),
    { scheme: 'ubuntu', line: 'ubuntu', full: '5.15.0-91.101', upstream: '5.15.0' });
  assert.deepEqual(kernelVersionOf('5.15.0-91-generic', null),
    { scheme: 'ubuntu', line: 'ubuntu', full: '5.15.0-91', upstream: '5.15.0', abiOnly: true });
  assert.equal(compareVersions('ubuntu', '5.15.0-91.101', '5.15.0-92.102'), -1);
});

test('kernelVersionOf: plain upstream and garbage', () => {
  assert.deepEqual(kernelVersionOf('6.8.0-rc3', null), { scheme: 'upstream', line: 'upstream', full: '6.8.0-rc3', upstream: '6.8.0' });
  assert.equal(kernelVersionOf('5.10.0', null)?.scheme, 'upstream');
  assert.equal(kernelVersionOf(null, null), null);
  assert.equal(kernelVersionOf('\u0000garbage', 'x'.repeat(100000)), null);
  // Hostile lengths stay bounded and total.
  assert.equal(typeof rpmvercmp('1'.repeat(100000), '2'), 'number');
  assert.equal(typeof dpkgCompare('~'.repeat(100000), '1'), 'number');
});
