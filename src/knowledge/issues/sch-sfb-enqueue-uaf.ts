import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'sch-sfb-enqueue-uaf',
  title: "sch_sfb: Don't assume the skb is still around after enqueueing to child",
  summary:
    'sfb_enqueue() reads the skb control block after handing the skb to the child qdisc, which may already have ' +
    'freed it: use-after-free in the SFB queueing discipline.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf'],
    anyFunction: ['sfb_enqueue'],
  },
  affected: [{ line: 'upstream', fixed: '6.0' }],
  fixedIn: ['upstream 6.0 (commit 9efd23297cca)'],
  references: [
    "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=9efd23297cca530bb35e1848665805d3fcdd7889 (sch_sfb: Don't assume the skb is still around after enqueueing to child)",
  ],
  workarounds: ['Replace the sfb qdisc (tc qdisc replace ... fq_codel) until upgraded.'],
};
