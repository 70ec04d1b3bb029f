import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nf-queue-get-refs-uaf',
  title: 'netfilter: nf_queue: fix possible use-after-free',
  summary:
    'nf_queue_entry_get_refs() takes sock_hold() on a socket whose refcount may already be 0, so the socket is ' +
    'freed while the queued entry still points at it (refcount warnings or use-after-free on verdict).',
  match: {
    kinds: ['kasan', 'warning', 'paging-request', 'gpf'],
    anyFunction: ['nf_queue_entry_get_refs'],
  },
  affected: [{ line: 'upstream', fixed: '5.17' }],
  fixedIn: ['upstream 5.17 (commit c3873070247d)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=c3873070247d9e3c7a6b0cf9bf9b45e8018427b1 (netfilter: nf_queue: fix possible use-after-free)',
  ],
  workarounds: ['Upgrade to a kernel with the fix; avoid NFQUEUE rules on locally generated TCP traffic until then.'],
};
