import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'af-packet-set-ring-race',
  title: 'packet: fix race condition in packet_set_ring (CVE-2016-8655)',
  summary:
    'packet_set_ring() races with setsockopt(PACKET_VERSION), leaving a retire-block timer armed on a freed ' +
    'ring: use-after-free (often a crash in the timer softirq, prb_retire_rx_blk_timer_expired).',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf', 'null-deref'],
    anyFunction: ['prb_retire_rx_blk_timer_expired', 'packet_set_ring'],
  },
  affected: [{ line: 'upstream', fixed: '4.9' }],
  fixedIn: ['upstream 4.9 (commit 84ac7260236a, in v4.9-rc8)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=84ac7260236a49c79eede91617700174c2c19b0c (packet: fix race condition in packet_set_ring)',
    'CVE-2016-8655',
  ],
  workarounds: ['Deny CAP_NET_RAW to untrusted users and disable unprivileged user namespaces until upgraded.'],
};
