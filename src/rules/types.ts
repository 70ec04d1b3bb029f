// Rule contract: one detector per file (src/rules/<id>.ts), each returning findings with their evidence.

import type { Evidence, Finding, Severity } from '../model/types.js';
import type { Draft, StackView } from '../analysis/evidence.js';
import type { ThirdPartyModule } from '../analysis/modules.js';
import type { CveIndex } from '../knowledge/cve/index-file.js';

export interface RuleContext {
  draft: Draft;
  /** Third-party modules by name, with the basis of that judgement (src/analysis/modules.ts). */
  thirdParty: Map<string, ThirdPartyModule>;
  /** Every stack of the input: events' call traces, then the dump's backtraces. */
  stacks: StackView[];
  /** Findings of the rules that ran before this one (rules run in registry order). */
  prior: Finding[];
  /** The local CVE index (`ktriage kb update`), when one was given to the analysis. */
  cve?: CveIndex | null;
}

/** What the analysis brings to the rules besides the draft. */
export interface RuleOptions {
  cve?: CveIndex | null;
}

export interface Rule {
  id: string;
  run(ctx: RuleContext): Finding[];
}

/** Bound on findings one rule may return (hostile inputs with thousands of events). */
export const MAX_FINDINGS_PER_RULE = 50;

export function finding(
  id: string, severity: Severity, summary: string, evidence: Evidence[], events: number[] = [],
  data: Record<string, unknown> = {},
): Finding {
  const seen = new Set<string>();
  const ev = evidence.filter((e) => {
    const k = `${e.source}\u0000${e.line}\u0000${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { id, severity, summary, evidence: ev.slice(0, 40), events: [...new Set(events)].slice(0, 200), data };
}

export function priorOf(ctx: RuleContext, id: string): Finding[] {
  return ctx.prior.filter((f) => f.id === id);
}

/** The file name of a crash session / vmcore source, for evidence from dump facts without a line. */
export function dumpSourceName(draft: Draft): string {
  const s = draft.sources.find((x) => /crash|kdump|elf|flattened|vmcore/i.test(x.format));
  return s?.file ?? 'vmcore';
}
