import type { KnownIssue } from '../types.js';

export const issue: KnownIssue = {
  id: 'openvswitch-reserve-sfa-size',
  title: 'openvswitch: fix OOB access in reserve_sfa_size() (CVE-2022-2639)',
  summary:
    'With enough actions in a new flow, reserve_sfa_size() computes the next offset from a stale size and ' +
    'copies actions past the end of the allocation: out-of-bounds write in the openvswitch module.',
  match: {
    kinds: ['kasan', 'paging-request', 'gpf'],
    anyFunction: ['reserve_sfa_size', '__ovs_nla_copy_actions', 'ovs_nla_copy_actions'],
    modules: ['openvswitch'],
  },
  affected: [{ line: 'upstream', introduced: '3.13', fixed: '5.18' }],
  fixedIn: ['upstream 5.18 (commit cefa91b2332d)'],
  references: [
    'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id=cefa91b2332d7009bc0be5d951d6cbbf349f90f8 (openvswitch: fix OOB access in reserve_sfa_size())',
    'CVE-2022-2639',
  ],
  workarounds: ['Unload openvswitch where unused; disable unprivileged user namespaces until upgraded.'],
};
