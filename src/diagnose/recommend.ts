// Recommendations, each tied to the findings it follows from: upgrade to the fixed kernel, remove or update
// a third-party module with its vendor, capture settings, incident response for a rootkit.

import type { Culprit, Finding, KnownIssueMatch, Recommendation, RootCause } from '../model/types.js';
import type { Draft } from './evidence.js';
import type { Setting } from '../rules/capture-settings.js';
import { isHiddenModule } from '../analysis/dump.js';

export function recommend(
  draft: Draft, findings: Finding[], known: KnownIssueMatch[], root: RootCause | null, culprit: Culprit | null,
): Recommendation[] {
  const out: Recommendation[] = [];
  const add = (id: string, priority: number, text: string, because: string[]) => {
    if (!out.some((r) => r.id === id)) out.push({ id, priority, text, because });
  };
  const has = (id: string) => findings.some((f) => f.id === id);
  const release = draft.kernel.release ?? 'this kernel';

  if (has('rootkit-suspected') || root?.kind === 'rootkit') {
    add('incident-response', 1,
      'Treat this as a security incident: isolate the machine from the network (do not just reboot it), preserve the vmcore, ' +
      'the crash session and the disks as evidence, and check the rest of the fleet for the same signs (sys -c hooked entries, ' +
      'the same strings, identical panics); rotate credentials used on affected hosts and reinstall them from trusted media.',
      ['rootkit-suspected', ...(has('syscall-table-hooked') ? ['syscall-table-hooked'] : []), ...(has('unknown-code-address') ? ['unknown-code-address'] : [])]);
  } else if (has('syscall-table-hooked')) {
    add('syscall-hooks', 1, 'Identify the code behind the hooked system call entries (security agents hook them too) and treat unknown hooks as a compromise.', ['syscall-table-hooked']);
  }

  // Third-party module at fault (or on the crash path).
  const tpOnStack = findings.filter((f) => f.id === 'third-party-module' && f.data.onStack === true);
  for (const f of tpOnStack) {
    const mod = f.data.module as string;
    // A module that hid itself from the module list is no vendor's product to report: incident response covers it.
    if (isHiddenModule(draft, mod)) continue;
    const atFault = culprit?.module === mod || root?.module === mod;
    add(`module-${mod}`, atFault ? 1 : 2,
      `${atFault ? 'Remove' : 'Consider removing'} or update the third-party module ${mod} (${(f.data.flags as string) || 'third-party'}) and contact its vendor with this report; ` +
      `reproduce without it before blaming the kernel.`, ['third-party-module']);
  }

  for (const k of known) {
    if (k.affected === 'no') continue;
    const fixed = k.fixedIn[0];
    if (k.source === 'cve') {
      // A CVE record: upgrade to the first fixed version on this kernel's branch, the fix commit as reference.
      if (k.confidence === 'low') continue;
      add(`upgrade-${k.id}`, k.confidence === 'high' ? 1 : 2,
        (k.affected === 'yes' && fixed
          ? `Upgrade the kernel to ${fixed} or later (${release}: ${k.status})`
          : `Check whether ${release} carries the fix (${k.status})`) +
        `: ${k.id} "${k.title}"${k.fixCommit ? `, fix commit ${k.fixCommit.slice(0, 12)} (https://git.kernel.org/stable/c/${k.fixCommit})` : ''}.` +
        (k.confidence === 'medium' ? ' The match is of medium confidence: compare the record\'s report with this crash first.' : ''),
        ['known-issue']);
      continue;
    }
    add(`upgrade-${k.id}`, 1,
      `Upgrade the kernel${fixed ? ` to ${fixed} or later` : ' to the latest errata of its distribution line'} (${release} ${k.affected === 'yes' ? 'is affected' : 'may be affected'} by "${k.title}").` +
      (k.workarounds.length > 0 ? ` Until then: ${k.workarounds.join(' ')}` : ''), ['known-issue']);
  }

  const sp = findings.find((f) => f.id === 'stack-protector');
  if (sp && sp.data.coreKernel === true && !known.some((k) => k.affected !== 'no')) {
    add('vendor-case', 2, `Stack corruption in the core-kernel function ${sp.data.function as string}: update to the latest kernel errata of your distribution and open a case with the vendor, attaching the vmcore.`, ['stack-protector']);
  }

  if (has('wrong-object-type') && !known.some((k) => k.affected !== 'no')) {
    add('report-upstream', 2, 'An object is used as the wrong type: report the backtrace and the struct facts to the subsystem maintainers or the distribution vendor; check for a newer kernel with a fix.', ['wrong-object-type']);
  }

  if (has('unreliable-backtrace')) {
    add('verify-stack', 3, 'Do not trust the printed call chain: check it against the raw stack (crash `bt -f`, `rd -s` on the stack pages) before drawing conclusions from it.', ['unreliable-backtrace']);
  }

  const oom = findings.find((f) => f.id === 'oom');
  if (oom) {
    const big = oom.data.largest as { name: string; pid: number } | null;
    add('oom', 2, `${big ? `Limit or fix the memory use of ${big.name} (pid ${big.pid}), e.g. with a cgroup memory limit (MemoryMax=)` : 'Find the memory consumer and limit it with a cgroup'}; ` +
      `${oom.data.panicOnOom ? 'vm.panic_on_oom=1 makes every OOM a crash: keep it only if a reboot is preferred over killing a task.' : 'add swap or memory if the workload really needs it.'}`, ['oom']);
  }

  if (has('hardware-error')) {
    add('hardware', 1, 'Run the hardware vendor\'s diagnostics (memory test, BMC/IPMI event log, mcelog/rasdaemon), and replace the failing part before trusting software conclusions.', ['hardware-error']);
  }

  if (has('hung-task') && root?.kind === 'hung-task' && !(culprit?.thirdParty)) {
    add('lock-holder', 2, 'Find the holder of the lock the task waits for: the next time, take `echo w > /proc/sysrq-trigger` (blocked tasks) or a vmcore and run `foreach bt` to see who owns it.', ['hung-task']);
  }

  if (has('sysrq-crash')) {
    add('sysrq', 3, 'The crash was forced through sysrq: find who or what wrote to /proc/sysrq-trigger (or pressed SysRq+C) and whether it was intended.', ['sysrq-crash']);
  }

  const cap = findings.find((f) => f.id === 'capture-settings');
  if (cap) {
    const settings = cap.data.settings as Setting[];
    add('capture-settings', 2, `So that the next event leaves a vmcore, set ${settings.map((s) => `${s.name}=${s.value}`).join(', ')} ` +
      '(sysctl.d for kernel.*, the boot command line for nmi_watchdog, and the kdump service).', ['capture-settings']);
  }

  return out.sort((a, b) => a.priority - b.priority);
}
