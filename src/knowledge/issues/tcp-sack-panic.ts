import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'tcp-sack-panic',
  title: 'TCP SACK Panic (CVE-2019-11477): tcp: limit payload size of sacked skbs',
  summary:
    'A remote peer sends a crafted SACK sequence with a tiny MSS; tcp_gso_segs (u16) overflows while skbs are ' +
    'shifted and merged, and a BUG_ON in the TCP SACK path (tcp_shifted_skb) panics the machine.',
  match: {
    kinds: ['bug', 'invalid-opcode'],
    anyFunction: ['tcp_shifted_skb', 'tcp_shift_skb_data', 'tcp_sacktag_walk'],
  },
  affected: [
    { line: 'upstream', series: '4.4', fixed: '4.4.182' },
    { line: 'upstream', series: '4.9', fixed: '4.9.182' },
    { line: 'upstream', series: '4.14', fixed: '4.14.127' },
    { line: 'upstream', series: '4.19', fixed: '4.19.52' },
    { line: 'upstream', series: '5.1', fixed: '5.1.11' },
    { line: 'upstream', introduced: '2.6.29', fixed: '5.2' },
  ],
  fixedIn: ['4.4.182', '4.9.182', '4.14.127', '4.19.52', '5.1.11', 'upstream 5.2 (commit 3b4929f65b0d)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=3b4929f65b0d8249f19a50245cd88ed1a2f78cff (tcp: limit payload size of sacked skbs)',
    'CVE-2019-11477',
  ],
  workarounds: [
    'Disable SACK (sysctl net.ipv4.tcp_sack=0) or drop connections with a low MSS (iptables -A INPUT -p tcp -m tcpmss --mss 1:500 -j DROP) until the kernel is upgraded.',
  ],
};
