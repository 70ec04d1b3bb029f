// The diagnosis: run the rules, order the events by time and cause, pick the root cause, link the other
// events to it as consequences (each with the rule that links them), name the culprit, attach known issues
// and turn findings into recommendations.

import type {
  Consequence, CrashEvent, Culprit, Diagnosis, EventKind, EventRef, Evidence, Finding, Frame, KnownIssueMatch, RootCause,
} from '../model/types.js';
import { runRules, type RuleOptions } from '../rules/index.js';
import { type Draft, headerEvidence, frameEvidence, derived, stacksOf, type StackView } from '../analysis/evidence.js';
import { baseName, isMachinery, moduleFlags, pickCulprit, thirdPartyModules, type CulpritPick } from '../analysis/frames.js';
import { moduleHolding } from '../analysis/dump.js';
import { recommend } from './recommend.js';
import { nextSteps } from './next-steps.js';
import { KNOWN_ISSUES } from '../knowledge/issues/index.js';

export { runRules } from '../rules/index.js';

/** Event kinds that are faults in their own right (as opposed to symptoms such as hung tasks). */
const FAULTS = new Set<EventKind>([
  'null-deref', 'paging-request', 'gpf', 'bug', 'stack-protector', 'kasan', 'kfence', 'ubsan', 'kmsan', 'list-corruption',
  'double-fault', 'stack-overflow', 'divide-error', 'invalid-opcode', 'oops', 'mce', 'sysrq', 'oom', 'lockdep',
]);
const LOCKUPS = new Set<EventKind>(['soft-lockup', 'hard-lockup', 'rcu-stall']);
/** Page-fault handling of a user access: an allocation under it is for user memory. */
const USER_FAULT = /^(handle_mm_fault|__handle_mm_fault|do_user_addr_fault|do_anonymous_page|do_page_fault|__do_page_fault|exc_page_fault|handle_pte_fault|do_fault|do_read_fault|do_cow_fault|do_shared_fault|filemap_fault|do_translation_fault|do_mem_abort|el0_da|el0_sync)$/;
/** Panics about the configuration or user space: the root filesystem, init. */
const CONFIG_PANIC = /VFS: Unable to mount root|Attempted to kill init|No working init found|Requested init \S+ failed|No init found|Unable to mount root fs/;

function ref(ev: CrashEvent): EventRef {
  return { index: ev.index, kind: ev.kind, title: ev.title, task: ev.task, time: ev.time };
}

function byTime(a: CrashEvent, b: CrashEvent): number {
  if (a.boot !== b.boot) return a.boot - b.boot;
  if (a.time.uptime !== null && b.time.uptime !== null && a.time.uptime !== b.time.uptime) return a.time.uptime - b.time.uptime;
  if (a.time.uptime === null && b.time.uptime === null && a.time.wallclock && b.time.wallclock && a.time.wallclock !== b.time.wallclock) {
    return a.time.wallclock < b.time.wallclock ? -1 : 1;
  }
  return a.index - b.index;
}

function findingsOf(findings: Finding[], id: string): Finding[] {
  return findings.filter((f) => f.id === id);
}

/** The boot the diagnosis is about: the one with the panicked event, else the first boot with an event. */
function crashBoot(events: CrashEvent[]): number | null {
  const p = events.find((e) => e.panicked);
  if (p) return p.boot;
  return events.length > 0 ? Math.min(...events.map((e) => e.boot)) : null;
}

/** Picks the root event: the spinner behind RCU-blocked tasks, else the earliest fault, else the earliest event. */
function pickRootEvent(events: CrashEvent[], findings: Finding[]): { ev: CrashEvent; why: string } | null {
  const boot = crashBoot(events);
  let inBoot = events.filter((e) => e.boot === boot).sort(byTime);
  if (inBoot.length === 0) return null;
  // Nothing printed after the panic caused it.
  const p = inBoot.findIndex((e) => e.panicked);
  if (p >= 0) inBoot = inBoot.slice(0, p + 1);
  const lbr = findingsOf(findings, 'lockup-blocks-rcu')[0];
  const firstFault = inBoot.find((e) => FAULTS.has(e.kind));
  const firstLockup = inBoot.find((e) => LOCKUPS.has(e.kind));
  if (lbr) {
    const locker = events.find((e) => e.index === lbr.data.locker);
    if (locker && (!firstFault || byTime(locker, firstFault) <= 0)) return { ev: locker, why: 'lockup-blocks-rcu' };
  }
  if (firstFault && (!firstLockup || byTime(firstFault, firstLockup) <= 0)) return { ev: firstFault, why: 'first fault' };
  if (firstLockup) {
    // Prefer the soft/hard lockup over the RCU stall that reports the same CPU.
    const same = inBoot.find((e) => (e.kind === 'soft-lockup' || e.kind === 'hard-lockup') && (e.cpu === firstLockup.cpu || e.task.pid === firstLockup.task.pid));
    return { ev: same ?? firstLockup, why: 'first lockup' };
  }
  const nonWarn = inBoot.find((e) => e.kind !== 'warning' && e.kind !== 'unknown');
  return { ev: nonWarn ?? inBoot[0]!, why: 'first event' };
}

function consequenceRule(root: CrashEvent, ev: CrashEvent, findings: Finding[]): { rule: string; explanation: string } | null {
  const lbr = findingsOf(findings, 'lockup-blocks-rcu')[0];
  if (lbr) {
    const stalls = lbr.data.stalls as number[];
    const waiters = lbr.data.waiters as { event: number; waitsIn: string }[];
    if (lbr.data.locker === root.index) {
      if (stalls.includes(ev.index)) return { rule: 'lockup-blocks-rcu', explanation: `RCU reports the same CPU ${ev.cpu ?? '?'} spin that the ${root.kind} reports` };
      const w = waiters.find((x) => x.event === ev.index);
      if (w) return { rule: 'lockup-blocks-rcu', explanation: `${ev.task.comm ?? '?'}:${ev.task.pid ?? '?'} waits in ${w.waitsIn}() for an RCU grace period that the spinning CPU ${root.cpu ?? '?'} prevents from ending${ev.panicked ? '; the hung-task detector then panicked the kernel' : ''}` };
    }
  }
  if (ev.boot !== root.boot || byTime(ev, root) < 0) return null;
  if (root.panicked) {
    return { rule: 'after-panic', explanation: `printed after the ${root.kind} had already panicked the kernel (other CPUs stopping, or the panic path itself)` };
  }
  if ((ev.kind === 'rcu-stall' || ev.kind === 'soft-lockup') && (ev.cpu === root.cpu || ev.task.pid === root.task.pid) && LOCKUPS.has(root.kind)) {
    return { rule: 'same-cpu-lockup', explanation: `the same CPU ${ev.cpu ?? '?'} is still stuck in the code of the root cause` };
  }
  if (ev.kind === 'hung-task' || ev.kind === 'soft-lockup' || ev.kind === 'rcu-stall' || ev.kind === 'hard-lockup') {
    return { rule: 'after-fault', explanation: `${ev.kind} after the ${root.kind}: the task that died or spun may hold locks or block grace periods that ${ev.task.comm ?? 'this task'} needs` };
  }
  if (FAULTS.has(ev.kind) || ev.kind === 'warning') {
    return { rule: 'follow-on-oops', explanation: `reported after the ${root.kind} in the same boot: the kernel was already damaged (taint D), follow-on reports are usually consequences` };
  }
  return null;
}

function stackFor(stacks: StackView[], ev: CrashEvent | null): StackView | null {
  return ev ? stacks.find((s) => s.event === ev) ?? null : null;
}

/** Culprit of a dump-only crash (no log events): the panicking task's backtrace. */
function pickFromBacktrace(draft: Draft, tp: Set<string>, preferred: Set<string>): (CulpritPick & { stack: StackView }) | null {
  const stacks = stacksOf(draft).filter((s) => s.bt);
  for (const s of stacks) {
    const frames = s.frames.filter((f) => f.reliable && f.function);
    const pref = frames.find((f) => preferred.has(baseName(f.function!)));
    if (pref) return { function: pref.function, module: pref.module, frame: pref, why: 'frame', stack: s };
    const ex = s.bt!.exceptions.find((e) => e.rip.function && !e.userMode);
    if (ex && ex.rip.function && !isMachinery(ex.rip.function)) {
      const f: Frame = { ...ex.rip, reliable: true, context: 'exception', raw: `[exception RIP: ${ex.rip.function}${ex.rip.offset !== null ? '+' + ex.rip.offset : ''}]` };
      return { function: f.function, module: f.module, frame: f, why: 'rip', stack: s };
    }
    const meaningful = frames.filter((f) => !isMachinery(f.function));
    const third = meaningful.find((f) => f.module && tp.has(f.module));
    const pick = third ?? meaningful[0];
    if (pick) return { function: pick.function, module: pick.module, frame: pick, why: third ? 'third-party' : 'frame', stack: s };
  }
  return null;
}

function kindFromPanic(msg: string): EventKind {
  if (/stack-protector/.test(msg)) return 'stack-protector';
  if (/NULL pointer dereference/.test(msg)) return 'null-deref';
  if (/unable to handle (kernel )?paging request|unable to handle page fault/.test(msg)) return 'paging-request';
  if (/general protection fault/.test(msg)) return 'gpf';
  if (/kernel BUG at/.test(msg)) return 'bug';
  if (/soft lockup/.test(msg)) return 'soft-lockup';
  if (/hung_task/.test(msg)) return 'hung-task';
  if (/Out of memory/.test(msg)) return 'oom';
  if (/sysrq/.test(msg)) return 'sysrq';
  return 'panic';
}

function culpritFunctionsOfIssues(matches: KnownIssueMatch[]): Set<string> {
  const out = new Set<string>();
  for (const m of matches) {
    if (m.affected === 'no') continue;
    const issue = KNOWN_ISSUES.find((i) => i.id === m.id);
    if (issue?.culprit) out.add(issue.culprit);
  }
  return out;
}

/** Diagnoses a draft report; never throws (an internal failure is reported as a finding). */
export function diagnose(draft: Draft, opts: RuleOptions = {}): Diagnosis {
  try {
    return diagnoseUnsafe(draft, opts);
  } catch (err) {
    let findings: Finding[] = [];
    try { findings = runRules(draft, undefined, opts); } catch { /* keep the error finding alone */ }
    findings.push({ id: 'diagnosis-error', severity: 'info', summary: `diagnosis failed: ${(err as Error).message}`.slice(0, 300), evidence: [], events: [], data: {} });
    return { rootCause: null, consequences: [], culprit: null, findings, knownIssues: [], recommendations: [] };
  }
}

function diagnoseUnsafe(draft: Draft, opts: RuleOptions): Diagnosis {
  const findings = runRules(draft, undefined, opts);
  const knownIssues = findingsOf(findings, 'known-issue').map((f) => f.data.match as KnownIssueMatch);
  const tpMap = thirdPartyModules(draft);
  const tp = new Set(tpMap.keys());
  const stacks = stacksOf(draft);
  const unreliable = findingsOf(findings, 'unreliable-backtrace');
  const rootkit = findingsOf(findings, 'rootkit-suspected')[0] ?? null;
  const sp = findingsOf(findings, 'stack-protector')[0] ?? null;
  const hw = findingsOf(findings, 'hardware-error').find((f) => f.data.fatal === true) ?? null;
  const issueCulprits = culpritFunctionsOfIssues(knownIssues);

  const picked = pickRootEvent(draft.events, findings);
  const rootEv = picked?.ev ?? null;
  let rootCause: RootCause | null = null;
  let culprit: Culprit | null = null;

  const stackReliable = (ev: CrashEvent | null, pid?: number | null): boolean => !unreliable.some((u) => {
    const st = u.data.stack as { event?: number; pid?: number | null };
    // An event's stack is also judged by a crash `bt` of the same task (the event may be built from it).
    return ev ? st.event === ev.index || (st.event === undefined && st.pid != null && st.pid === ev.task.pid) : st.pid === pid;
  });

  // Culprit of the root event (stack-protector and hung-task have their own notion of it).
  let pick: CulpritPick | null = null;
  let pickStack: StackView | null = null;
  if (rootEv) {
    pickStack = stackFor(stacks, rootEv);
    if (rootEv.kind === 'stack-protector' && sp && sp.events.includes(rootEv.index)) {
      const fn = sp.data.function as string | null;
      const mod = sp.data.module as string | null;
      const frame = fn ? rootEv.frames.find((f) => f.function === fn && f.reliable) ?? rootEv.frames.find((f) => f.function === fn) ?? null : null;
      pick = { function: fn, module: mod, frame, why: 'frame' };
    } else if (rootEv.kind === 'hung-task') {
      const h = findingsOf(findings, 'hung-task').find((f) => f.events.includes(rootEv.index));
      pick = pickCulprit(rootEv, tp);
      if (h && pick) pick = { ...pick, function: (h.data.function as string | null) ?? pick.function };
    } else {
      pick = pickCulprit(rootEv, tp);
      const pref = rootEv.frames.find((f) => f.reliable && f.function && issueCulprits.has(baseName(f.function)));
      if (pref && !(pick?.module && tp.has(pick.module))) pick = { function: pref.function, module: pref.module, frame: pref, why: 'frame' };
    }
  } else if (draft.dump) {
    const p = pickFromBacktrace(draft, tp, issueCulprits);
    if (p) { pick = p; pickStack = p.stack; }
    if (sp) pick = { function: sp.data.function as string | null, module: sp.data.module as string | null, frame: pick?.frame ?? null, why: 'frame' };
  }

  const panicBt = stacks.find((s) => s.bt)?.bt ?? null;
  const reliableBt = rootEv ? stackReliable(rootEv) : pickStack?.bt ? stackReliable(null, pickStack.bt.pid) : panicBt ? stackReliable(null, panicBt.pid) : true;
  // A panic that reports configuration or user space (no root filesystem, init died): no kernel code is at fault.
  // Code no symbol names (a bare RIP, stack-protector's `corrupted in: ADDR`, a bare frame) whose address
  // lies in a module's memory by the dump facts (base, size; hidden modules too): that module.
  let owner: { name: string; hidden: boolean } | null = null;
  if (pick && !pick.function && !pick.module) {
    const spAddr = sp && (rootEv ? rootEv.kind === 'stack-protector' && sp.events.includes(rootEv.index) : true) ? sp.data.address as string | null : null;
    const addr = pick.frame?.address ?? spAddr ?? (pick.why === 'rip' ? rootEv?.rip?.address ?? null : null);
    owner = moduleHolding(draft, addr);
    if (owner && addr) {
      const at = (f: Frame) => !f.function && f.address?.toLowerCase() === addr.toLowerCase();
      const frame = pick.frame ?? rootEv?.frames.find((f) => at(f) && f.reliable) ?? pickStack?.frames.find((f) => at(f) && f.reliable) ?? null;
      pick = { ...pick, module: owner.name, frame: frame ? { ...frame, module: owner.name } : null };
    }
  }
  // Code no symbol names (a bare RIP) in a kernel tainted by a module that is no longer loaded: that module.
  if (pick && !pick.function && !pick.module && pick.why === 'rip') {
    const gone = [...tpMap.values()].find((m) => m.basis === 'unloaded');
    if (gone) pick = { ...pick, module: gone.name };
  }
  const configPanic = rootEv?.kind === 'panic' && CONFIG_PANIC.test(rootEv.header);
  if (configPanic) pick = null;
  // An OOM whose allocation serves a user page fault: user memory is the consumer, no kernel code is at
  // fault. A kernel allocation (fork's page tables, a driver's buffers) names its caller.
  if (rootEv?.kind === 'oom' && rootEv.frames.some((f) => f.function && USER_FAULT.test(baseName(f.function)))) pick = null;
  // A vmcore whose log could not be read says that a crash happened, not what it was.
  const dumpTells = draft.dump !== null && (draft.dump.backtraces.length > 0 || Object.keys(draft.dump.sys).length > 0);
  if (pick || rootEv || dumpTells) {
    const mod = pick?.module ?? null;
    const third = mod !== null && tp.has(mod);
    const reasonParts: string[] = [];
    if (!pick && rootEv?.kind === 'oom') reasonParts.push('the memory consumer is a user task, not kernel code');
    else if (configPanic) reasonParts.push('the panic reports the boot configuration or user space (root device, init), not kernel code');
    else if (!pick) reasonParts.push('no meaningful frame');
    else if (pick.why === 'rip') reasonParts.push('the faulting instruction (RIP) is in this function');
    else if (pick.why === 'third-party') reasonParts.push('first frame of a third-party module on the path (outranks core-kernel frames)');
    else if (pick.why === 'unreliable-frame') reasonParts.push('only unreliable (?) frames: first non-machinery one');
    else reasonParts.push('first meaningful frame past the lock/printk/panic/scheduler/entry machinery');
    if (rootEv?.kind === 'stack-protector') reasonParts.push('the function whose stack canary failed');
    if (rootEv?.kind === 'hung-task') reasonParts.push('where the task blocks');
    culprit = {
      function: pick?.function ?? null, module: mod, moduleFlags: mod ? moduleFlags(draft, mod) ?? '' : '', thirdParty: third,
      frame: pick?.frame ?? null, reason: reasonParts.join('; '), backtraceReliable: reliableBt,
    };
  }

  // Root cause.
  const evidence: Evidence[] = [];
  if (rootkit) {
    evidence.push(...rootkit.evidence.slice(0, 8));
    const conf = rootkit.data.confidence as 'high' | 'medium' | 'low';
    rootCause = {
      kind: 'rootkit', function: null, module: null,
      summary: `${rootkit.summary}${sp && sp.data.function === null ? ` The stack-protector panic at ${sp.data.address ? '0x' + sp.data.address : 'an unknown address'} is in that hidden code.` : ''}`,
      confidence: conf === 'low' ? 'medium' : conf, event: rootEv ? ref(rootEv) : null, evidence,
    };
    if (culprit && owner) culprit = { ...culprit, function: null, thirdParty: true, reason: owner.hidden ? `code of ${owner.name}, a module hidden from the module list (no symbol names it)` : `code of module ${owner.name} (no symbol names it)` };
    else if (culprit) culprit = { ...culprit, function: null, module: null, moduleFlags: null, thirdParty: true, reason: 'code hidden from the module list (no symbol, no module owns it)' };
  } else if (hw) {
    rootCause = {
      kind: 'hardware', function: null, module: null, summary: hw.summary, confidence: 'medium',
      event: rootEv ? ref(rootEv) : null, evidence: hw.evidence.slice(0, 8),
    };
    if (culprit) culprit = { ...culprit, function: null, module: null, moduleFlags: null, thirdParty: false, frame: null, reason: 'the hardware reported an uncorrected error' };
  } else if (rootEv || draft.panic?.message || dumpTells) {
    const kind: string = rootEv?.kind ?? kindFromPanic(draft.panic?.message ?? '');
    const kindFinding = rootEv ? findings.find((f) => f.events.includes(rootEv.index) && f.id !== 'third-party-module' && f.id !== 'unreliable-backtrace' && f.id !== 'lockup-blocks-rcu') : null;
    if (rootEv) evidence.push(headerEvidence(rootEv));
    else if (draft.panic?.message) evidence.push(derived(draft.panic.message));
    if (pick?.frame && rootEv) evidence.push(frameEvidence(rootEv, pick.frame));
    else if (pick?.frame && pickStack) evidence.push(pickStack.evidence(pick.frame));
    const where = pick?.function ? `${pick.function}${pick.module ? ` [${pick.module}]` : ''}` : null;
    let summary = kindFinding?.summary ?? (sp && kind === 'stack-protector' ? sp.summary : `${kind}${where ? ` in ${where}` : ''}`);
    const lbr = findingsOf(findings, 'lockup-blocks-rcu')[0];
    if (lbr && rootEv && lbr.data.locker === rootEv.index) summary += `. ${lbr.summary}`;
    if (pick?.module && tp.has(pick.module)) summary += `. The code at fault belongs to the third-party module ${pick.module} (${tpMap.get(pick.module)!.flags || 'third-party'})`;
    const wot = findingsOf(findings, 'wrong-object-type')[0];
    if (wot) { summary += `. ${wot.summary}`; evidence.push(...wot.evidence.slice(0, 3)); }
    const ki = knownIssues.find((k) => k.affected !== 'no');
    if (ki) { summary += `. Known issue: ${ki.title}${ki.fixedIn[0] ? ` (fixed in ${ki.fixedIn[0]})` : ''}`; evidence.push(...ki.evidence.slice(0, 2)); }
    if (kind === 'sysrq') summary = findingsOf(findings, 'sysrq-crash')[0]?.summary ?? summary;
    // High: a named function from the RIP or a trustworthy stack, for an event that is a fault, panicked the
    // machine or is linked to the other events; low: nothing to name.
    const fromRip = pick?.why === 'rip' || (rootEv?.kind === 'stack-protector' && !!pick?.function);
    const trusted = reliableBt || fromRip;
    const decisive = !!(rootEv?.panicked || picked?.why === 'lockup-blocks-rcu' || (rootEv && FAULTS.has(rootEv.kind)) || ki || (!rootEv && dumpTells));
    let confidence: RootCause['confidence'] = 'medium';
    if (kind === 'oom' || kind === 'sysrq') confidence = rootEv ? 'high' : 'medium';
    else if (!pick?.function) confidence = 'low';
    else if (trusted && decisive) confidence = 'high';
    rootCause = {
      kind, function: pick?.function ?? null, module: pick?.module ?? null, summary, confidence,
      event: rootEv ? ref(rootEv) : null, evidence,
    };
  }

  // Consequences: every other event of the crash boot, linked to the root by a rule.
  const consequences: Consequence[] = [];
  if (rootEv) {
    for (const ev of [...draft.events].sort(byTime)) {
      if (ev === rootEv) continue;
      const link = consequenceRule(rootEv, ev, findings);
      if (link) consequences.push({ event: ref(ev), rule: link.rule, explanation: link.explanation });
      if (consequences.length >= 200) break;
    }
  }

  const recommendations = [...recommend(draft, findings, knownIssues, rootCause, culprit), ...nextSteps(draft, findings, rootCause, culprit)];
  return { rootCause, consequences, culprit, findings, knownIssues, recommendations };
}
