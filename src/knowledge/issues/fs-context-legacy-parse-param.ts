import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'fs-context-legacy-parse-param',
  title: 'vfs: fs_context: fix up param length parsing in legacy_parse_param (CVE-2022-0185)',
  summary:
    'The unsigned "PAGE_SIZE - 2 - size" check in legacy_parse_param() underflows, so fsconfig() can write past ' +
    'the legacy mount-options page: a heap overflow reachable from an unprivileged user namespace.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf', 'list-corruption', 'bug'],
    anyFunction: ['legacy_parse_param'],
  },
  affected: [{ line: 'upstream', introduced: '5.1', fixed: '5.17' }],
  fixedIn: ['upstream 5.17 (commit 722d94847de2), backported to the stable series'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=722d94847de29310e8aa03fcbdb41fc92c521756 (vfs: fs_context: fix up param length parsing in legacy_parse_param)',
    'CVE-2022-0185',
  ],
  workarounds: ['Set user.max_user_namespaces=0 until upgraded.'],
};
