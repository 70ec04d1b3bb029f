import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'rhel-sched-clock-208-days',
  title: 'sched_clock() overflow after ~208.5 days of uptime (TSC clock source)',
  summary:
    'With the TSC clock source, sched_clock() overflows after about 208.5 days of uptime; the watchdog then ' +
    'prints absurd soft lockup durations such as "stuck for 4278190091s" and the system may hang, reboot or panic.',
  match: {
    kinds: ['soft-lockup'],
    header: 'stuck for 42[0-9]{8}s',
  },
  affected: [
    { line: 'el6', fixed: '2.6.32-279.el6' },
    { line: 'el5', fixed: '2.6.18-348.el5' },
    { line: 'upstream', series: '2.6.32', introduced: '2.6.32', fixed: '2.6.32.50' },
    { line: 'upstream', series: '3.0', fixed: '3.0.13' },
    { line: 'upstream', series: '3.1', fixed: '3.1.5' },
  ],
  fixedIn: [
    'RHEL 6: kernel-2.6.32-279.el6 (RHSA-2012:0862); RHEL 6.2.z: kernel-2.6.32-220.4.2.el6 (RHBA-2012:0124)',
    'RHEL 5: kernel-2.6.18-348.el5 (RHBA-2013:0006)',
    'upstream stable 2.6.32.50, 3.0.13, 3.1.5 (bug introduced in 2.6.28)',
  ],
  references: [
    'https://access.redhat.com/knowledge/solutions/68466 (Red Hat solution: sched_clock() overflow after ~208.5 days)',
    'https://gunshot.hatenablog.com/entry/20120105/p1 (upstream fixes per stable series: 2.6.32.50, 3.0.13, 3.1.5)',
    'https://angelhyun.tistory.com/entry/Red-Hat-Enterprise-Linux-systems-using-the-TSC-clock-source-reboots-or-panics-when-schedclock-overflows-after-an-uptime-of-2085-days (copy of the Red Hat solution with the errata list)',
  ],
  workarounds: ['Reboot before 208 days of uptime until the fixed kernel is installed.'],
};
