import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nft-verdict-double-free',
  title: 'netfilter: nf_tables: reject QUEUE/DROP verdict parameters (CVE-2024-1086)',
  summary:
    'nft_verdict_init() accepts positive drop errors in a verdict, so nf_hook_slow() treats an NF_DROP that ' +
    'resembles NF_ACCEPT as accepted after freeing the skb: a double free, used for local privilege escalation.',
  match: {
    // A double free of the skb: a KASAN/SLUB/list report with the free path and nf_hook_slow on the stack.
    kinds: ['kasan', 'kfence', 'bug', 'list-corruption'],
    anyFunction: ['kfree_skb', 'kfree_skb_reason', '__kfree_skb', 'kfree_skbmem', 'skb_release_data'],
    stack: ['nf_hook_slow'],
  },
  affected: [{ line: 'upstream', introduced: '3.15', fixed: '6.8' }],
  fixedIn: ['upstream 6.8 (commit f342de4e2f33), backported to the stable series'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=f342de4e2f33e0e39165d8639387aa6c19dff660 (netfilter: nf_tables: reject QUEUE/DROP verdict parameters)',
    'CVE-2024-1086',
  ],
  workarounds: [
    'Block unprivileged user namespaces (kernel.unprivileged_userns_clone=0 or user.max_user_namespaces=0) or blacklist nf_tables if unused, until upgraded.',
  ],
};
