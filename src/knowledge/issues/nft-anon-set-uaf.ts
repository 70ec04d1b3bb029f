import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nft-anon-set-uaf',
  title: 'netfilter: nf_tables: deactivate anonymous set from preparation phase (CVE-2023-32233)',
  summary:
    'A deleted anonymous set stays active in the next generation, so a batch can still delete its elements after ' +
    'the set is freed: KASAN use-after-free in the nf_tables set element deletion path.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf'],
    anyFunction: ['nf_tables_delsetelem', 'nft_setelem_data_deactivate', 'nf_tables_del_setelem', 'nft_data_release'],
  },
  affected: [{ line: 'upstream', fixed: '6.4' }],
  fixedIn: ['upstream 6.4 (commit c1592a89942e)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=c1592a89942e9678f7d9c8030efa777c0d57edab (netfilter: nf_tables: deactivate anonymous set from preparation phase)',
    'CVE-2023-32233',
  ],
  workarounds: ['Disable unprivileged user namespaces or unload nf_tables where unused, until upgraded.'],
};
