// known-issue: the crash matches an entry of the known-issue base (src/knowledge/issues/): same kind,
// functions on the stack in order, modules, struct facts; with whether this kernel is below the fix.

import { matchKnownIssues } from '../knowledge/match.js';
import { finding, type Rule } from './types.js';

export const rule: Rule = {
  id: 'known-issue',
  run(ctx) {
    return matchKnownIssues(ctx.draft).slice(0, 10).map((m) => finding('known-issue',
      m.affected === 'yes' ? 'high' : m.affected === 'unknown' ? 'medium' : 'low',
      `Matches known issue "${m.title}"${m.affected === 'yes' ? '; this kernel is below the fix' : m.affected === 'no' ? '; this kernel already has the fix, so it is probably a different bug with the same signature' : ''}${m.fixedIn[0] ? ` (fixed in ${m.fixedIn[0]})` : ''}`,
      m.evidence, [], { match: m }));
  },
};
