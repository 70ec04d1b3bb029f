// capture-settings: what to set so that the next event leaves a vmcore instead of a hung machine or a bare
// log: kdump, kernel.softlockup_panic, kernel.hung_task_panic, hardlockup_panic/nmi_watchdog, panic_on_oops,
// kernel.panic=10. Only settings that are not evidently set already (a panic they caused, `Kdump: loaded`,
// a dump in the input) are proposed.

import type { Evidence } from '../model/types.js';
import { eventLineMatching, headerEvidence } from '../analysis/evidence.js';
import { finding, type Rule } from './types.js';

export interface Setting { name: string; value: string; why: string }

export const rule: Rule = {
  id: 'capture-settings',
  run(ctx) {
    const d = ctx.draft;
    const evs = d.events;
    const panicMsg = d.panic?.message ?? '';
    const settings: Setting[] = [];
    const evidence: Evidence[] = [];
    const kdumpLoaded = evs.some((e) => e.lines.some((l) => /\bKdump: loaded\b/.test(l))) || d.dump !== null ||
      d.sources.some((s) => /kdump|elf|flattened|crash-session/i.test(s.format));
    const soft = evs.filter((e) => e.kind === 'soft-lockup');
    const hung = evs.filter((e) => e.kind === 'hung-task');
    const rcu = evs.filter((e) => e.kind === 'rcu-stall');
    const hard = evs.filter((e) => e.kind === 'hard-lockup');
    const oopses = evs.filter((e) => ['oops', 'null-deref', 'paging-request', 'gpf', 'bug', 'list-corruption', 'invalid-opcode', 'divide-error'].includes(e.kind));
    if (soft.length > 0 && !soft.some((e) => e.panicked) && !/softlockup: hung tasks/.test(panicMsg)) {
      settings.push({ name: 'kernel.softlockup_panic', value: '1', why: 'a soft lockup was reported but did not panic, so no vmcore of the spinning CPU was taken' });
      evidence.push(headerEvidence(soft[0]!));
    }
    if (hung.length > 0 && !hung.some((e) => e.panicked) && !/hung_task: blocked tasks/.test(panicMsg)) {
      settings.push({ name: 'kernel.hung_task_panic', value: '1', why: 'tasks hung without a panic: the next hang should leave a vmcore showing the lock holder' });
      evidence.push(headerEvidence(hung[0]!));
    }
    if (rcu.length > 0 && !rcu.some((e) => e.panicked)) {
      settings.push({ name: 'kernel.panic_on_rcu_stall', value: '1', why: 'an RCU stall was reported without a panic (kernel 4.11 and later)' });
      evidence.push(headerEvidence(rcu[0]!));
    }
    if (hard.length > 0 && !hard.some((e) => e.panicked)) {
      settings.push({ name: 'kernel.hardlockup_panic', value: '1', why: 'a hard lockup was reported without a panic' });
    }
    // No advice to turn on a watchdog the log says cannot run (a VM without a perf NMI, ...).
    if (soft.length + hung.length + rcu.length + hard.length > 0 && !d.kernel.nmiWatchdog) {
      settings.push({ name: 'nmi_watchdog', value: '1', why: 'the NMI watchdog detects CPUs stuck with interrupts off (boot parameter nmi_watchdog=1 or kernel.nmi_watchdog=1)' });
    }
    if (oopses.length > 0 && !oopses.some((e) => e.panicked)) {
      settings.push({ name: 'kernel.panic_on_oops', value: '1', why: 'an oops killed a task but the kernel kept running in a damaged state' });
      evidence.push(headerEvidence(oopses[0]!));
    }
    if (!kdumpLoaded && evs.length > 0) {
      settings.push({ name: 'kdump', value: 'enabled (crashkernel= reserved, kdump service active)', why: 'no sign of a loaded capture kernel: without kdump a panic leaves only the log' });
      evidence.push(eventLineMatching(evs[0]!, (l) => /^CPU: \d+ PID:/.test(l)));
    }
    if (settings.length > 0 && settings.some((s) => s.name !== 'kdump' && s.name !== 'nmi_watchdog')) {
      settings.push({ name: 'kernel.panic', value: '10', why: 'reboot 10 seconds after a panic (once kdump has saved the vmcore) instead of hanging' });
    }
    if (settings.length === 0) return [];
    const summary = `To capture the next event as a vmcore, set: ${settings.map((s) => `${s.name}=${s.value}`).join(', ')}`;
    return [finding('capture-settings', 'info', summary, evidence, [], { settings, kdumpLoaded })];
  },
};
