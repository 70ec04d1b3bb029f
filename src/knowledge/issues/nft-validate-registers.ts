import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'nft-validate-registers',
  title: 'netfilter: nf_tables: validate registers coming from userspace (CVE-2022-1015)',
  summary:
    'nft_parse_register() does not bound register indexes from userspace, so expressions load and store out of ' +
    'the register array on the kernel stack (out-of-bounds access in nft_do_chain).',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf', 'stack-protector'],
    anyFunction: ['nft_parse_register_load', 'nft_parse_register_store', 'nft_validate_register_store', 'nft_parse_register'],
  },
  affected: [{ line: 'upstream', fixed: '5.17' }],
  fixedIn: ['upstream 5.17 (commit 6e1acfa387b9)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=6e1acfa387b9ff82cfc7db8cc3b6959221a95851 (netfilter: nf_tables: validate registers coming from userspace.)',
    'CVE-2022-1015',
  ],
  workarounds: ['Disable unprivileged user namespaces until upgraded.'],
};
