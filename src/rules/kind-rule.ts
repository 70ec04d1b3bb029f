// Shared shape of the per-kind detectors (soft-lockup, rcu-stall, null-deref, bug-on, ...): one finding per
// event of the kind, naming the culprit (first meaningful frame, third-party code outranking core code).

import type { CrashEvent, Evidence, Finding, Severity } from '../model/types.js';
import { eventLineMatching, headerEvidence } from '../analysis/evidence.js';
import { isMachinery, pickCulprit } from '../analysis/frames.js';
import { finding, MAX_FINDINGS_PER_RULE, type Rule, type RuleContext } from './types.js';

export interface KindRuleSpec {
  id: string;
  matches(ev: CrashEvent): boolean;
  severity(ev: CrashEvent): Severity;
  /** Summary text; `where` is `func [module]` or null. */
  describe(ev: CrashEvent, where: string | null, ctx: RuleContext): string;
  /** Extra evidence lines of the event (predicates on its lines). */
  extraLines?: ((line: string) => boolean)[];
  data?(ev: CrashEvent): Record<string, unknown>;
}

export function kindRule(spec: KindRuleSpec): Rule {
  return {
    id: spec.id,
    run(ctx) {
      const out: Finding[] = [];
      const tp = new Set(ctx.thirdParty.keys());
      for (const ev of ctx.draft.events) {
        if (!spec.matches(ev)) continue;
        if (out.length >= MAX_FINDINGS_PER_RULE) break;
        const pick = pickCulprit(ev, tp);
        const evidence: Evidence[] = [headerEvidence(ev)];
        for (const p of spec.extraLines ?? []) {
          const e = eventLineMatching(ev, p);
          if (!evidence.some((x) => x.line === e.line)) evidence.push(e);
        }
        if (pick?.frame) {
          const e = eventLineMatching(ev, (l) => l.includes(pick.frame!.raw.trim()));
          if (!evidence.some((x) => x.line === e.line)) evidence.push(e);
        }
        let where = pick?.function ? `${pick.function}${pick.module ? ` [${pick.module}]` : ''}` : null;
        // With the culprit taken from the RIP, its caller is the first named frame of the trace.
        const caller = pick?.why === 'rip' ? ev.frames.find((f) => f.function && f.function !== pick.function && !isMachinery(f.function)) ?? null : null;
        if (where && caller) where += ` (called from ${caller.function}${caller.module ? ` [${caller.module}]` : ''}${caller.reliable ? '' : ', an unreliable "?" frame'})`;
        out.push(finding(spec.id, spec.severity(ev), spec.describe(ev, where, ctx), evidence, [ev.index], {
          function: pick?.function ?? null, module: pick?.module ?? null, thirdParty: pick?.module ? tp.has(pick.module) : false,
          caller: caller ? { function: caller.function, module: caller.module, reliable: caller.reliable } : null,
          ...(spec.data ? spec.data(ev) : {}),
        }));
      }
      return out;
    },
  };
}

export function who(ev: CrashEvent): string {
  return `${ev.task.comm ?? '?'}:${ev.task.pid ?? '?'}`;
}
