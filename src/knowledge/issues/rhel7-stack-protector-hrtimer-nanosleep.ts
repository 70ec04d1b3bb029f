// Investigation 1 of issue 3: RHEL 7 (3.10.0-862 family) stack-protector panic reported in hrtimer_nanosleep.
import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'rhel7-stack-protector-hrtimer-nanosleep',
  title: 'RHEL 7: stack-protector panic "Kernel stack is corrupted in" hrtimer_nanosleep',
  summary:
    'RHEL 7 kernels of the 3.10.0-862 family panic with the stack protector in hrtimer_nanosleep() reached from ' +
    'sys_futex/do_futex: the canary of the core-kernel function is overwritten while it sleeps. A vendor ' +
    'known issue in the core kernel, not in a third-party module; fixed by a later RHEL 7 kernel.',
  match: {
    kinds: ['stack-protector', 'panic'],
    anyFunction: ['hrtimer_nanosleep'],
    header: 'stack-protector: Kernel stack is corrupted in',
  },
  affected: [{ line: 'el7' }],
  fixedIn: [],
  references: [
    'https://blog.arstercz.com/linux-kerenl-panic-at-stack-is-corrupted/ (case study: 3.10.0-862.14.2.el7, hrtimer_nanosleep, vmcore analysis)',
  ],
  workarounds: [
    'Upgrade to the latest RHEL 7 kernel errata and open a vendor case with the vmcore.',
    'Check for third-party modules that could write into other tasks\' stacks before blaming the core kernel.',
  ],
};
