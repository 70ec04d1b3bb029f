import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'n-hdlc-tbuf-double-free',
  title: 'tty: n_hdlc: get rid of racy n_hdlc.tbuf (CVE-2017-2636)',
  summary:
    'flush_tx_queue() and n_hdlc_send_frames() race on n_hdlc.tbuf, so a transmit buffer is freed twice ' +
    '(double free / use-after-free in the N_HDLC line discipline).',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf', 'bug', 'list-corruption'],
    anyFunction: ['n_hdlc_send_frames', 'flush_tx_queue', 'n_hdlc_release', 'n_hdlc_tty_close'],
  },
  affected: [{ line: 'upstream', fixed: '4.11' }],
  fixedIn: ['upstream 4.11 (commit 82f2341c94d2)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=82f2341c94d270421f383641b7cd670e474db56b (tty: n_hdlc: get rid of racy n_hdlc.tbuf)',
    'CVE-2017-2636',
  ],
  workarounds: ['Blacklist the n_hdlc module (install n_hdlc /bin/true) until upgraded.'],
};
