import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nft-newrule-error-path-uaf',
  title: 'netfilter: nf_tables: incorrect error path handling with NFT_MSG_NEWRULE (CVE-2023-3390)',
  summary:
    'The NFT_MSG_NEWRULE error path releases a rule that a later expression still references, giving a ' +
    'use-after-free in nf_tables rule handling.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf'],
    anyFunction: ['nf_tables_newrule', 'nf_tables_rule_release', 'nft_rule_expr_deactivate'],
  },
  affected: [{ line: 'upstream', fixed: '6.4' }],
  fixedIn: ['upstream 6.4 (commit 1240eb93f061)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=1240eb93f0616b21c675416516ff3d74798fdc97 (netfilter: nf_tables: incorrect error path handling with NFT_MSG_NEWRULE)',
    'CVE-2023-3390',
  ],
  workarounds: ['Disable unprivileged user namespaces until upgraded.'],
};
