// The rule registry, in run order: later rules see earlier findings (ctx.prior).
import type { Finding } from '../model/types.js';
import { stacksOf, type Draft } from '../analysis/evidence.js';
import { thirdPartyModules } from '../analysis/frames.js';
import type { Rule, RuleContext, RuleOptions } from './types.js';
import { rule as thirdPartyModule } from './third-party-module.js';
import { rule as stackProtector } from './stack-protector.js';
import { rule as impossibleCallChain } from './impossible-call-chain.js';
import { rule as unreliableBacktrace } from './unreliable-backtrace.js';
import { rule as unknownCodeAddress } from './unknown-code-address.js';
import { rule as syscallTableHooked } from './syscall-table-hooked.js';
import { rule as hiddenModule } from './hidden-module.js';
import { rule as rootkitSuspected } from './rootkit-suspected.js';
import { rule as wrongObjectType } from './wrong-object-type.js';
import { rule as softLockup } from './soft-lockup.js';
import { rule as rcuStall } from './rcu-stall.js';
import { rule as lockupBlocksRcu } from './lockup-blocks-rcu.js';
import { rule as hungTask } from './hung-task.js';
import { rule as nullDeref } from './null-deref.js';
import { rule as bugOn } from './bug-on.js';
import { rule as listCorruption } from './list-corruption.js';
import { rule as useAfterFree } from './use-after-free.js';
import { rule as warnPanic } from './warn-panic.js';
import { rule as sysrqCrash } from './sysrq-crash.js';
import { rule as oom } from './oom.js';
import { rule as hardwareError } from './hardware-error.js';
import { rule as knownIssue } from './known-issue.js';
import { rule as captureSettings } from './capture-settings.js';
import { rule as rootFsMissing } from './root-fs-missing.js';
import { rule as hardLockup } from './hard-lockup.js';
import { rule as badPageState } from './bad-page-state.js';

export type { Rule, RuleContext, RuleOptions } from './types.js';

export const RULES: readonly Rule[] = [
  thirdPartyModule, stackProtector, impossibleCallChain, unreliableBacktrace, unknownCodeAddress, syscallTableHooked,
  hiddenModule, rootkitSuspected, wrongObjectType, softLockup, hardLockup, rcuStall, lockupBlocksRcu, hungTask, nullDeref, bugOn, listCorruption,
  useAfterFree, warnPanic, sysrqCrash, oom, hardwareError, rootFsMissing, badPageState, knownIssue, captureSettings,
];

/** Runs every rule in order; a rule that throws on hostile input is reported as a finding, not propagated. */
export function runRules(draft: Draft, rules: readonly Rule[] = RULES, opts: RuleOptions = {}): Finding[] {
  const ctx: RuleContext = { draft, thirdParty: thirdPartyModules(draft), stacks: stacksOf(draft), prior: [], cve: opts.cve ?? null };
  for (const r of rules) {
    try {
      ctx.prior.push(...r.run(ctx));
    } catch (err) {
      ctx.prior.push({
        id: 'rule-error', severity: 'info', summary: `rule ${r.id} failed: ${(err as Error).message}`.slice(0, 300),
        evidence: [], events: [], data: { rule: r.id },
      });
    }
  }
  return ctx.prior;
}

/** A context for running one rule alone (tests): earlier rules of the registry run first. */
export function contextFor(draft: Draft, upTo: string, opts: RuleOptions = {}): RuleContext {
  const ctx: RuleContext = { draft, thirdParty: thirdPartyModules(draft), stacks: stacksOf(draft), prior: [], cve: opts.cve ?? null };
  for (const r of RULES) {
    if (r.id === upTo) break;
    ctx.prior.push(...r.run(ctx));
  }
  return ctx;
}
