import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'af-packet-priv-area-overflow',
  title: 'net/packet: fix overflow in check for priv area size (CVE-2017-7308)',
  summary:
    'packet_set_ring() checks tp_sizeof_priv with a signed cast that a huge value wraps, so the TPACKET_V3 ring ' +
    'is set up with a private area past the block: heap out-of-bounds writes from AF_PACKET sockets.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf'],
    anyFunction: ['packet_set_ring', 'prb_open_block', 'tpacket_rcv', 'prb_fill_curr_block'],
  },
  affected: [{ line: 'upstream', fixed: '4.11' }],
  fixedIn: ['upstream 4.11 (commit 2b6867c2ce76)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=2b6867c2ce76c596676bec7d2d525af525fdc6e2 (net/packet: fix overflow in check for priv area size)',
    'CVE-2017-7308',
  ],
  workarounds: ['Deny CAP_NET_RAW to untrusted users and disable unprivileged user namespaces until upgraded.'],
};
