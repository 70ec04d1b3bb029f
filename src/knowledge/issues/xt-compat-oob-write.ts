import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'xt-compat-oob-write',
  title: 'netfilter: x_tables: fix compat match/target pad out-of-bound write (CVE-2021-22555)',
  summary:
    'xt_compat_match/target_from_user() zero the padding up to the next rule without checking the end of the ' +
    'ruleset blob: a heap out-of-bounds write through 32-bit compat setsockopt (IPT_SO_SET_REPLACE).',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf', 'bug'],
    anyFunction: ['xt_compat_target_from_user', 'xt_compat_match_from_user', 'compat_do_replace', 'translate_compat_table'],
  },
  affected: [
    { line: 'upstream', series: '4.4', fixed: '4.4.267' },
    { line: 'upstream', series: '4.9', fixed: '4.9.267' },
    { line: 'upstream', series: '4.14', fixed: '4.14.231' },
    { line: 'upstream', series: '4.19', fixed: '4.19.188' },
    { line: 'upstream', series: '5.4', fixed: '5.4.113' },
    { line: 'upstream', series: '5.10', fixed: '5.10.31' },
    { line: 'upstream', introduced: '2.6.19', fixed: '5.12' },
  ],
  fixedIn: ['4.4.267', '4.9.267', '4.14.231', '4.19.188', '5.4.113', '5.10.31', 'upstream 5.12 (commit b29c457a6511)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=b29c457a6511435960115c0f548c4360d5f4801d (netfilter: x_tables: fix compat match/target pad out-of-bound write)',
    'CVE-2021-22555',
  ],
  workarounds: ['Disable unprivileged user namespaces until upgraded.'],
};
