// known-issue: the crash matches a known bug. First the hand-written issues (src/knowledge/issues/: same
// kind, functions on the stack in order, modules, struct facts); then, when the analysis has a CVE index
// (`ktriage kb update`), the CVE records whose pasted report has this crash's title or top frames
// (src/knowledge/cve/match.ts). A hand-written issue wins: a CVE it names is not listed again. Each match says
// whether this kernel is below the fix.

import type { KnownIssueMatch } from '../model/types.js';
import { matchKnownIssues } from '../knowledge/match.js';
import { matchCves } from '../knowledge/cve/match.js';
import { finding, type Rule } from './types.js';

function severity(m: KnownIssueMatch): 'high' | 'medium' | 'low' {
  if (m.affected === 'no') return 'low';
  if (m.confidence === 'high') return m.affected === 'yes' ? 'high' : 'medium';
  return m.confidence === 'medium' ? 'medium' : 'low';
}

export const rule: Rule = {
  id: 'known-issue',
  run(ctx) {
    const own = matchKnownIssues(ctx.draft).slice(0, 10);
    const named = own.flatMap((m) => [m.id, ...m.references, m.title].join(' ').match(/CVE-\d{4}-\d{4,}/g) ?? []);
    const cves = ctx.cve ? matchCves(ctx.draft, ctx.cve).filter((m) => !named.includes(m.id)) : [];
    return [...own, ...cves].map((m) => finding('known-issue', severity(m),
      m.source === 'cve'
        ? `Matches ${m.id} "${m.title}" (${m.confidence} confidence, by ${m.matchedBy.join(' and ')}): ${m.status}`
        : `Matches known issue "${m.title}"${m.affected === 'yes' ? '; this kernel is below the fix' : m.affected === 'no' ? '; this kernel already has the fix, so it is probably a different bug with the same signature' : ''}${m.fixedIn[0] ? ` (fixed in ${m.fixedIn[0]})` : ''}`,
      m.evidence, [], { match: m }));
  },
};
