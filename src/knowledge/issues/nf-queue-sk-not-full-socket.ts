// Investigation 2 of issue 3: an NFQUEUE verdict releases a queued skb whose socket is a request sock.
import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nf-queue-sk-not-full-socket',
  title: "netfilter: nf_queue: don't assume sk is full socket",
  summary:
    'nf_queue takes and drops a reference on skb->sk assuming a full socket; for a queued SYN/ACK the socket ' +
    'is a request sock (skc_state TCP_NEW_SYN_RECV, a small tcp_request_sock), so sock_put()/sk_free() treat it ' +
    'as a full sock and read fields past its end (sk_callback_lock, reuseport), crashing in lock slow paths.',
  match: {
    kinds: ['paging-request', 'gpf', 'null-deref', 'oops', 'bug', 'kasan'],
    anyFunction: ['nf_reinject', 'nf_queue_entry_release_refs', 'nfqnl_recv_verdict', 'nf_queue_entry_free'],
    stack: ['sk_destruct', 'nf_queue_entry_release_refs'],
    // The released "sock" is a request sock: skc_state TCP_NEW_SYN_RECV.
    supportingStructs: [{ member: 'skc_state', values: ['0xc', 'TCP_NEW_SYN_RECV'] }],
  },
  culprit: 'nf_queue_entry_release_refs',
  affected: [
    { line: 'el8', fixed: '4.18.0-373.el8' },
    // Broken since ca6fb0651883 (October 2015, merged for 4.4) attached SYN/ACKs to request socks.
    { line: 'upstream', introduced: '4.4', fixed: '5.17' },
  ],
  fixedIn: ['upstream 5.17 (commit 747670fd9a2d)', 'RHEL 8: kernel-4.18.0-373.el8 (RHEL 8.6)'],
  references: [
    "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=747670fd9a2d1b7774030dba65ca022ba442ce71 (netfilter: nf_queue: don't assume sk is full socket)",
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=2e78855d311c401083df9776aa450d32d716e83e (selftests: netfilter: add nfqueue TCP_NEW_SYN_RECV socket race test)',
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=ca6fb06518836ef9b65dc0aac02ff97704d52a05 (Fixes: tcp: attach SYNACK messages to request sockets instead of listener)',
  ],
  workarounds: [
    'Without an upgrade: hook nf_reinject (e.g. a kprobe/livepatch that drops the reference only for full sockets), or keep SYN/ACK retransmits out of the NFQUEUE rule (match on ctstate/tcp flags so request socks are never queued).',
  ],
};
