// Lead-in lines: messages printed right before a report's header that belong to it (issue 13).
// Every input here is HAND-MADE in the exact formats of the printk calls named beside it, in the shapes of
// real pastes (a test module's pr_fmt message before its oops, Lustre's LASSERT/LBUG before its panic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogReader, readLog, normalizeLine } from './index.js';
import { leadInOf, messageSite, MAX_LEAD_IN } from './lead-in.js';
import { analyze } from '../../analyze.js';
import type { CrashEvent } from '../../model/types.js';

// A module with `#define pr_fmt(fmt) "%s:%s():%d: " fmt, KBUILD_MODNAME, __func__, __LINE__` writing to NULL
// from its init function (insmod), then arch/x86/mm/fault.c's oops; the paste ends at the CPU line.
const MODULE_OOPS = [
  '[  812.400101] demo_oops:demo_init():41: about to write to NULL',
  '[  812.400109] BUG: kernel NULL pointer dereference, address: 0000000000000000',
  '[  812.400112] #PF: supervisor write access in kernel mode',
  '[  812.400113] #PF: error_code(0x0002) - not-present page',
  '[  812.400115] PGD 0 P4D 0',
  '[  812.400117] Oops: 0002 [#1] SMP PTI',
  '[  812.400119] CPU: 2 PID: 3310 Comm: insmod Tainted: G           OE     5.15.0-91-generic #101-Ubuntu',
];

// Lustre (libcfs): LASSERT prints `LustreError: PID:0:(file.c:LINE:func()) ASSERTION( expr ) failed:`, then
// LBUG prints `... LBUG`, libcfs_debug_dumpstack the `Pid:` line and its stub, then panic("LBUG").
const LUSTRE_LBUG = [
  '[ 9120.310001] LustreError: 40211:0:(namei.c:512:ll_lookup_it()) ASSERTION( it->it_op != 0 ) failed: ',
  '[ 9120.310052] LustreError: 40211:0:(namei.c:512:ll_lookup_it()) LBUG',
  '[ 9120.310090] Pid: 40211, comm: ls 5.14.0-427.13.1.el9_4.x86_64 #1 SMP PREEMPT_DYNAMIC Wed Apr 10 10:29:16 EDT 2024',
  '[ 9120.310094] Call Trace TBD:',
  '[ 9120.310097] Kernel panic - not syncing: LBUG',
  '[ 9120.310121] CPU: 11 PID: 40211 Comm: ls Kdump: loaded Tainted: G           OE     -------  ---  5.14.0-427.13.1.el9_4.x86_64 #1',
  '[ 9120.310150] Hardware name: HPE ProLiant DL360 Gen10/ProLiant DL360 Gen10, BIOS U32 02/09/2023',
  '[ 9120.310162] Call Trace:',
  '[ 9120.310170]  <TASK>',
  '[ 9120.310181]  dump_stack_lvl+0x34/0x48',
  '[ 9120.310205]  panic+0x107/0x2bb',
];

function first(lines: string[]): CrashEvent {
  const r = readLog('paste', lines.join('\n') + '\n');
  assert.ok(r.events.length >= 1);
  return r.events[0]!;
}

test('messageSite: pr_fmt with the function, DRM messages; plain prefixes name no site', () => {
  assert.deepEqual(messageSite('demo_oops:demo_init():41: about to write to NULL'), { module: 'demo_oops', function: 'demo_init' });
  assert.deepEqual(messageSite('mydrv: mydrv_probe(): bad BAR size'), { module: 'mydrv', function: 'mydrv_probe' });
  assert.deepEqual(messageSite('[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ring gfx timeout'), { module: 'amdgpu', function: 'amdgpu_job_timedout' });
  assert.equal(messageSite('e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex'), null);
  assert.equal(messageSite('usb 1-1: new high-speed USB device number 2 using xhci_hcd'), null);
});

test('a module message right before an oops is the event\'s lead-in: first line, its line number, module and function', () => {
  const e = first(MODULE_OOPS);
  assert.equal(e.kind, 'null-deref');
  assert.equal(e.header, 'BUG: kernel NULL pointer dereference, address: 0000000000000000');
  assert.equal(e.lines[0], 'demo_oops:demo_init():41: about to write to NULL');
  assert.equal(e.lines[1], e.header);
  assert.equal(e.source.startLine, 1);
  assert.equal(e.details.leadInLines, 1);
  assert.equal(e.details.leadInFunction, 'demo_init');
  assert.equal(e.details.leadInModule, 'demo_oops');
  // The event's time is its header's; the title is the report's own.
  assert.equal(e.time.uptime, 812.400109);
  assert.equal(e.title, 'BUG: unable to handle kernel NULL pointer dereference in corrupted');
});

test('lead-in is the same whatever the chunks (skipped lines are candidates too)', () => {
  const text = ['[  800.000000] Linux version 5.15.0-91-generic (buildd@lcy02) #101-Ubuntu SMP', ...Array.from({ length: 20 }, (_, i) => `[  81${i < 10 ? '0' : '1'}.${String(i).padStart(6, '0')}] some driver: line ${i}`), ...MODULE_OOPS].join('\n') + '\n';
  const whole = readLog('p', text).events[0]!;
  for (const size of [7, 64, 1000]) {
    const r = createLogReader('p');
    for (let i = 0; i < text.length; i += size) r.push(text.slice(i, i + size));
    const e = r.end().events[0]!;
    assert.deepEqual(e.lines.slice(0, 2), whole.lines.slice(0, 2), `chunks of ${size}`);
    assert.equal(e.source.startLine, whole.source.startLine, `chunks of ${size}`);
  }
  assert.equal(whole.source.startLine, 22);
  assert.equal(whole.details.leadInLines, 1);
});

test('Lustre ASSERTION and LBUG lines lead into the LBUG panic: the culprit is the function that asserted', () => {
  const e = first(LUSTRE_LBUG);
  assert.equal(e.kind, 'panic');
  assert.equal(e.details.leadInLines, 4);
  assert.equal(e.lines[0], LUSTRE_LBUG[0]!.slice(15));
  assert.equal(e.lines[4], 'Kernel panic - not syncing: LBUG');
  const rep = analyze([{ name: 'lbug.dmesg', data: LUSTRE_LBUG.join('\n') + '\n' }]);
  assert.equal(rep.diagnosis.rootCause?.function, 'll_lookup_it');
  assert.equal(rep.diagnosis.rootCause?.module, null);
  assert.deepEqual(rep.crash?.task, { comm: 'ls', pid: 40211 });
  // Line numbers stay right with the lead-in first: the header's evidence is its own line.
  assert.equal(rep.diagnosis.rootCause?.evidence[0]?.line, 5);
});

test('the module\'s message names the culprit of an oops without RIP or trace, and the module is on the crash path', () => {
  const rep = analyze([{ name: 'demo.dmesg', data: MODULE_OOPS.join('\n') + '\n' }]);
  assert.equal(rep.diagnosis.rootCause?.function, 'demo_init');
  assert.equal(rep.diagnosis.rootCause?.module, 'demo_oops');
  assert.equal(rep.diagnosis.culprit?.thirdParty, true);
  const tp = rep.diagnosis.findings.find((f) => f.id === 'third-party-module');
  assert.ok(tp, 'third-party-module fires (taint O E, the module on the crash path)');
});

test('a RIP and a trace outrank the lead-in; a module named on the stack keeps the lead-in\'s module off the path', () => {
  const lines = [
    '[  812.400101] v4l2loopback:v4l2_loopback_open():412: opening device', ...MODULE_OOPS.slice(1),
    '[  812.400121] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.15.0-1 04/01/2014',
    '[  812.400123] RIP: 0010:other_write+0x11/0x30 [other_mod]',
    '[  812.400125] Call Trace:',
    '[  812.400126]  <TASK>',
    '[  812.400127]  other_write+0x11/0x30 [other_mod]',
    '[  812.400128]  do_one_initcall+0x46/0x1d0',
    '[  812.400129]  </TASK>',
  ];
  const rep = analyze([{ name: 'demo.dmesg', data: lines.join('\n') + '\n' }]);
  assert.equal(rep.events[0]!.details.leadInLines, 1);
  assert.equal(rep.diagnosis.rootCause?.function, 'other_write');
  assert.equal(rep.diagnosis.rootCause?.module, 'other_mod');
  const tp = rep.diagnosis.findings.find((f) => f.id === 'third-party-module');
  // v4l2loopback is a known out-of-tree family: on the path it would be a suspect too.
  assert.ok(tp && JSON.stringify(tp.data).includes('other_mod') && !JSON.stringify(tp.data).includes('v4l2loopback'), JSON.stringify(tp?.data));
});

test('no lead-in: a plain message, a message long before the header, another caller, a line of another program between', () => {
  const plain = first(['[  812.400101] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex', ...MODULE_OOPS.slice(1)]);
  assert.equal(plain.details.leadInLines, undefined);
  assert.equal(plain.lines[0], plain.header);
  assert.equal(plain.source.startLine, 2);
  const early = first(['[  810.100000] demo_oops:demo_init():41: about to write to NULL', ...MODULE_OOPS.slice(1)]);
  assert.equal(early.details.leadInLines, undefined);
  const callers = first([
    '[  812.400101][ T3301] demo_oops:demo_init():41: about to write to NULL',
    '[  812.400109][ T3310] BUG: kernel NULL pointer dereference, address: 0000000000000000',
    '[  812.400119][ T3310] CPU: 2 PID: 3310 Comm: insmod Tainted: G           OE     5.15.0-91-generic #101-Ubuntu',
  ]);
  assert.equal(callers.details.leadInLines, undefined);
  const sameCaller = first([
    '[  812.400101][ T3310] demo_oops:demo_init():41: about to write to NULL',
    '[  812.400109][ T3310] BUG: kernel NULL pointer dereference, address: 0000000000000000',
    '[  812.400119][ T3310] CPU: 2 PID: 3310 Comm: insmod Tainted: G           OE     5.15.0-91-generic #101-Ubuntu',
  ]);
  assert.equal(sameCaller.details.leadInFunction, 'demo_init');
  // syslog: a line of another program between the message and the header breaks the run.
  const syslog = first([
    'Mar  3 10:00:01 host kernel: demo_oops:demo_init():41: about to write to NULL',
    'Mar  3 10:00:01 host systemd[1]: Started Session 4 of user root.',
    'Mar  3 10:00:01 host kernel: BUG: kernel NULL pointer dereference, address: 0000000000000000',
    'Mar  3 10:00:01 host kernel: CPU: 2 PID: 3310 Comm: insmod Tainted: G           OE     5.15.0-91-generic #101-Ubuntu',
  ]);
  assert.equal(syslog.details.leadInLines, undefined);
  const adjacent = first([
    'Mar  3 10:00:01 host kernel: demo_oops:demo_init():41: about to write to NULL',
    'Mar  3 10:00:01 host kernel: BUG: kernel NULL pointer dereference, address: 0000000000000000',
  ]);
  assert.equal(adjacent.details.leadInFunction, 'demo_init');
});

test('leadInOf: plain lines before the first marker are left out; at most MAX_LEAD_IN lines; bounded on hostile lines', () => {
  const L = (s: string, n: number) => normalizeLine(s, n);
  const header = L('[  5.000900] Kernel panic - not syncing: LBUG', 5);
  const cands = [
    L('[  5.000100] eth0: link up', 1),
    L('[  5.000200] LustreError: 9:0:(file.c:10:f()) ASSERTION( x ) failed: ', 2),
    L('[  5.000300] LustreError: 9:0:(file.c:10:f()) LBUG', 3),
    L('[  5.000400] Pid: 9, comm: cat 5.14.0 #1', 4),
  ];
  const lead = leadInOf(cands, header);
  assert.deepEqual(lead?.lines.map((l) => l.line), [2, 3, 4]);
  assert.equal(lead?.function, null);
  const many = Array.from({ length: 20 }, (_, i) => L(`[  5.000${String(i).padStart(3, '0')}] foo: foo_run(): step ${i}`, i + 1));
  assert.equal(leadInOf(many, L('[  5.000900] WARNING: CPU: 0 PID: 1 at x.c:1 foo_run+0x1/0x2', 21))?.lines.length, MAX_LEAD_IN);
  const hostile = L('[  5.000800] ' + 'assert '.repeat(9000) + ':'.repeat(20000), 4);
  const t0 = Date.now();
  assert.equal(leadInOf([hostile], header), null);
  assert.ok(Date.now() - t0 < 500, 'linear on a hostile line');
});

test('a lead-in right after a reboot (time stamps restart without a banner) belongs to the new boot\'s report', () => {
  const r = readLog('two-boots', [
    '[  900.000000] DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.15.0-1 04/01/2014',
    '[    5.400101] demo_oops:demo_init():41: about to write to NULL',
    ...MODULE_OOPS.slice(1).map((l) => l.replace('[  812.4', '[    5.4')),
  ].join('\n') + '\n');
  const e = r.events[0]!;
  assert.equal(e.boot, 1);
  assert.equal(e.details.leadInFunction, 'demo_init');
  assert.equal(e.source.startLine, 2);
});
