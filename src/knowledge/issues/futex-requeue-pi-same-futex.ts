import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'futex-requeue-pi-same-futex',
  title: 'futex: Forbid uaddr == uaddr2 in futex_requeue(..., requeue_pi=1) (CVE-2014-3153)',
  summary:
    'futex_requeue() with requeue_pi and the same futex twice leaves a dangling rt_waiter on the kernel stack ' +
    '("towelroot"): corrupted rt_mutex wait lists, crashes in rt_mutex and futex code.',
  match: {
    kinds: ['paging-request', 'gpf', 'bug', 'list-corruption', 'null-deref'],
    anyFunction: ['futex_requeue', 'futex_wait_requeue_pi', 'rt_mutex_start_proxy_lock', 'rt_mutex_finish_proxy_lock'],
  },
  affected: [{ line: 'upstream', fixed: '3.15' }],
  fixedIn: ['upstream 3.15 (commit e9c243a5a6de)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=e9c243a5a6de0be8e584c604d353412584b592f8 (futex: Forbid uaddr == uaddr2 in futex_requeue(..., requeue_pi=1))',
    'CVE-2014-3153',
  ],
  workarounds: ['Upgrade; there is no configuration workaround.'],
};
