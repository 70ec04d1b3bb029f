import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedVersions, gate, kernelUpstreamOf, versionsOf } from './versions.js';

// Hand-made: `affected[].versions` and a .dyad in the CNA's exact layout (as bippy 1.2.0 and dyad write them).
const AFFECTED = [{
  versions: [
    { version: '5.14', status: 'affected' },
    { version: '0', lessThan: '5.14', status: 'unaffected', versionType: 'semver' },
    { version: '5.15.189', lessThanOrEqual: '5.15.*', status: 'unaffected', versionType: 'semver' },
    { version: '6.1.146', lessThanOrEqual: '6.1.*', status: 'unaffected', versionType: 'semver' },
    { version: '6.16', lessThanOrEqual: '*', status: 'unaffected', versionType: 'original_commit_for_fix' },
  ],
}];
const DYAD = `# dyad version: 1.2.0
# \tgetting vulnerable:fixed pairs for git id aa9552438ebf015fc5f9f890dbfe39f0c53cf37e
5.14:6497ef8df568afbf5f3e38825a4590ff41611a54:5.15.189:cb121c47f364b51776c4db904a6a5a90ab0a7ec5
5.14:6497ef8df568afbf5f3e38825a4590ff41611a54:6.1.146:91fa560c73a8126868848ed6cd70607cbf8d87e2
5.14:6497ef8df568afbf5f3e38825a4590ff41611a54:6.6.99:d46186eb7bbd9a11c145120f2d77effa8d4d44c2
6.12.3:1111111111111111111111111111111111111111:6.12.39:8586552df591e0a367eff44af0c586213eeecc3f
6.15:2222222222222222222222222222222222222222:0:0
5.14:6497ef8df568afbf5f3e38825a4590ff41611a54:6.16:aa9552438ebf015fc5f9f890dbfe39f0c53cf37e
`;

test('versionsOf reads affected[] and the dyad: branches, backported introduction, unfixed branch, mainline fix', () => {
  const v = versionsOf(AFFECTED, DYAD);
  assert.equal(v.introduced, '5.14');
  assert.equal(v.mainlineFixed, '6.16');
  assert.deepEqual(v.branches.map((b) => [b.series, b.fixed, b.introduced, b.commit]), [
    ['5.15', '5.15.189', null, 'cb121c47f364'],
    ['6.1', '6.1.146', null, '91fa560c73a8'],
    ['6.6', '6.6.99', null, 'd46186eb7bbd'],
    ['6.12', '6.12.39', '6.12.3', '8586552df591'],
    ['6.15', null, null, null],
  ]);
  assert.deepEqual(fixedVersions(v), ['5.15.189', '6.1.146', '6.6.99', '6.12.39', '6.16']);
});

test('versionsOf without a dyad still gives the JSON branches; garbage gives nothing, never throws', () => {
  const v = versionsOf(AFFECTED, null);
  assert.deepEqual(v.branches.map((b) => b.fixed), ['5.15.189', '6.1.146']);
  assert.deepEqual(versionsOf('nonsense', 'x:y:z\n::::\n'), { introduced: null, mainlineFixed: null, branches: [] });
  assert.deepEqual(versionsOf([{ versions: [{ version: { a: 1 } }, null, 7] }], null).branches, []);
});

test('gate: affected below the branch fix, fixed at or above it, predates, unfixed branch, mainline rc', () => {
  const v = versionsOf(AFFECTED, DYAD);
  const up = (x: string) => ({ version: x, why: null, vendor: null });
  assert.deepEqual(gate(up('6.1.90'), v, 'CVE-X'), { affected: 'yes', fixed: '6.1.146', note: 'affected, fixed in 6.1.146' });
  assert.equal(gate(up('6.1.146'), v, 'CVE-X').affected, 'no');
  assert.match(gate(up('6.1.200'), v, 'CVE-X').note, /already has the fix \(6\.1\.146\).*regression/);
  assert.equal(gate(up('5.10.200'), v, 'CVE-X').affected, 'no');
  assert.match(gate(up('5.10.200'), v, 'CVE-X').note, /predates the bug \(introduced in 5\.14\)/);
  // The bug reached 6.12 by a backport in 6.12.3.
  assert.equal(gate(up('6.12.2'), v, 'CVE-X').affected, 'no');
  assert.deepEqual(gate(up('6.12.10'), v, 'CVE-X').fixed, '6.12.39');
  // No fix released on 6.15: the next fix is mainline 6.16.
  assert.deepEqual(gate(up('6.15.4'), v, 'CVE-X'), { affected: 'yes', fixed: '6.16', note: 'affected; no fix released on the 6.15 branch, first fixed in 6.16' });
  // A branch the record does not list (5.19, EOL): the next listed fix.
  assert.equal(gate(up('5.19.3'), v, 'CVE-X').fixed, '6.1.146');
  assert.equal(gate(up('6.16-rc4'), v, 'CVE-X').fixed, '6.16');
  assert.equal(gate(up('6.17.1'), v, 'CVE-X').affected, 'no');
  // A bug introduced in 6.16 itself is in 6.16's release candidates.
  const rcOnly = versionsOf([{ versions: [{ version: '6.16', status: 'affected' }, { version: '6.16', lessThanOrEqual: '*', status: 'unaffected', versionType: 'original_commit_for_fix' }] }], null);
  assert.deepEqual(gate(up('6.16-rc3'), rcOnly, 'CVE-X'), { affected: 'yes', fixed: '6.16', note: 'affected, fixed in 6.16' });
  assert.equal(gate(up('6.15.9'), rcOnly, 'CVE-X').affected, 'no');
});

test('kernelUpstreamOf: upstream, Debian, Ubuntu with its stable base, RHEL and ABI-only releases are unknown', () => {
  assert.equal(kernelUpstreamOf('6.1.90', '#1 SMP PREEMPT_DYNAMIC').version, '6.1.90');
  assert.equal(kernelUpstreamOf('6.15.0-rc5-syzkaller-00123-g2c89c1b655c0', '#0 PREEMPT(full)').version, '6.15.0-rc5');
  assert.equal(kernelUpstreamOf('6.2.0+', '#4').version, '6.2.0');
  assert.equal(kernelUpstreamOf('6.1.0-37-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.145-1 (2025-07-01)').version, '6.1.145');
  assert.equal(kernelUpstreamOf('5.15.0-91-generic', '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 (Ubuntu 5.15.0-91.101-generic 5.15.131)').version, '5.15.131');
  const ubu = kernelUpstreamOf('5.15.0-91-generic', '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023');
  assert.equal(ubu.version, null);
  assert.equal(ubu.vendor, 'ubuntu');
  const rh = kernelUpstreamOf('4.18.0-305.3.1.el8_4.x86_64', '#1 SMP Mon May 17 10:08:25 EDT 2021');
  assert.equal(rh.version, null);
  assert.equal(rh.vendor, 'redhat');
  assert.equal(kernelUpstreamOf('6.1.0-37-amd64', '#1 SMP').version, null);
  assert.equal(kernelUpstreamOf(null, null).version, null);
});

test('gate for a RHEL kernel points to the vendor errata of the CVE', () => {
  const g = gate(kernelUpstreamOf('4.18.0-305.3.1.el8_4.x86_64', '#1 SMP'), versionsOf(AFFECTED, DYAD), 'CVE-2025-38443');
  assert.equal(g.affected, 'unknown');
  assert.match(g.note, /RHEL-family kernel 4\.18\.0-305\.3\.1\.el8_4\.x86_64.*https:\/\/access\.redhat\.com\/security\/cve\/CVE-2025-38443/);
});
