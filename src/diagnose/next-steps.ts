// Next steps (issue 15): an engineer's next hour, filled in from the report. Per kind, the `crash` commands
// with this crash's addresses and pids, faddr2line/gdb for the culprit with the debug package of this
// distribution and release, how to find a module's vendor, and what more ktriage itself can read. Each
// step says which finding (or event) it rests on; commands are only given where the report has what
// they need.

import type { CrashEvent, Culprit, Finding, Recommendation, RootCause } from '../model/types.js';
import type { Draft } from './evidence.js';
import { isHiddenModule } from '../analysis/dump.js';

type Distro = 'debian' | 'ubuntu' | 'rhel' | 'suse' | null;

/** The distribution a kernel comes from, by its release and version strings. */
export function distroOf(release: string | null, version: string | null): Distro {
  const v = version ?? '';
  const r = release ?? '';
  if (/Ubuntu/i.test(v) || /-(?:generic|lowlatency|aws|azure|gcp|kvm|oracle|raspi)$/.test(r)) return 'ubuntu';
  if (/Debian/i.test(v) || /-(?:amd64|arm64|686-pae|686|armmp|cloud-amd64|rt-amd64)$/.test(r)) return 'debian';
  if (/\.(?:el\d+|fc\d+|amzn\d|oe\d+|an\d+)/.test(r)) return 'rhel';
  if (/-default$/.test(r) || /SUSE/i.test(v)) return 'suse';
  return null;
}

/** The debug vmlinux of this kernel, and the package that ships it. */
export function debugInfo(release: string | null, version: string | null): { vmlinux: string; pkg: string; install: string } {
  const rel = release ?? '$(uname -r)';
  switch (distroOf(release, version)) {
    case 'debian':
      return { vmlinux: `/usr/lib/debug/boot/vmlinux-${rel}`, pkg: `linux-image-${rel}-dbg`, install: `apt install linux-image-${rel}-dbg` };
    case 'ubuntu':
      return { vmlinux: `/usr/lib/debug/boot/vmlinux-${rel}`, pkg: `linux-image-unsigned-${rel}-dbgsym`, install: `apt install linux-image-unsigned-${rel}-dbgsym  # from ddebs.ubuntu.com` };
    case 'rhel':
      return { vmlinux: `/usr/lib/debug/lib/modules/${rel}/vmlinux`, pkg: `kernel-debuginfo-${rel}`, install: `dnf debuginfo-install kernel-${rel}  # yum: debuginfo-install` };
    case 'suse':
      return { vmlinux: `/usr/lib/debug/boot/vmlinux-${rel}.debug`, pkg: 'kernel-default-debuginfo', install: `zypper install kernel-default-debuginfo  # version ${rel}` };
    default:
      return { vmlinux: `/usr/lib/debug/boot/vmlinux-${rel}`, pkg: `the kernel's debug package (Debian/Ubuntu linux-image-${rel}-dbg/-dbgsym, RHEL kernel-debuginfo-${rel})`, install: '' };
  }
}

/**
 * A value from the crash as it may stand in a shell command: names, releases and addresses of the usual
 * shape, else a placeholder (a hostile release like `$(rm -rf ~)` must not become a command to paste).
 */
function safe(v: string | null | undefined, placeholder: string): string {
  return v && /^[\w.+~:@-]{1,128}$/.test(v) ? v : placeholder;
}

const hexOff = (n: number | null | undefined): string => (n == null ? '' : `+0x${n.toString(16)}`);

/** Kernel addresses a report names (fault address, list pointers ...), from its first lines. */
function addressesOf(ev: CrashEvent): string[] {
  const out = new Set<string>();
  const fa = ev.details.faultAddress;
  if (typeof fa === 'string' && /^(?:0x)?ffff[0-9a-f]{12}$/i.test(fa)) out.add(fa.replace(/^0x/i, '').toLowerCase());
  for (const l of ev.lines.slice(0, 6)) for (const m of l.matchAll(/\b(ffff[0-9a-f]{12})\b/gi)) out.add(m[1]!.toLowerCase());
  return [...out].slice(0, 4);
}

export function nextSteps(draft: Draft, findings: Finding[], root: RootCause | null, culprit: Culprit | null): Recommendation[] {
  const out: Recommendation[] = [];
  const ev = root?.event ? draft.events.find((e) => e.index === root.event!.index) ?? null : draft.events.find((e) => e.panicked) ?? draft.events[0] ?? null;
  if (!ev && !draft.dump) return out;
  const k = { ...draft.kernel, release: draft.kernel.release ? safe(draft.kernel.release, '<RELEASE>') : null };
  const di = debugInfo(k.release, k.version);
  const kind = root?.kind ?? ev?.kind ?? 'panic';
  const rootFinding = findings.find((f) => ev && f.events.includes(ev.index) && f.id !== 'third-party-module' && f.id !== 'capture-settings')?.id;
  const because = (extra: string[] = []): string[] => [...new Set([...(rootFinding ? [rootFinding] : [`event #${ev?.index ?? 0} ${kind}`]), ...extra])];
  const vmcoreName = draft.dump?.vmcore?.file ?? draft.sources.find((s) => /kdump|ELF|flattened|elf/i.test(s.format))?.file ?? null;
  const dumpPath = vmcoreName ?? (distroOf(k.release, k.version) === 'rhel' ? '/var/crash/*/vmcore' : '/var/crash/*/dump.*');
  const pid = draft.panic?.task.pid ?? ev?.task.pid ?? null;
  const crashPid = ev?.task.pid ?? pid;

  // 1. crash on the vmcore, with this crash's addresses and pids.
  const cmds: string[] = [`crash ${di.vmlinux} ${dumpPath}`, 'sys', 'log | tail -200'];
  if (crashPid !== null) cmds.push(`bt -FF ${crashPid}`);
  const rip = ev?.rip;
  if (rip?.address && /^ffff[0-9a-f]{12}$/.test(rip.address)) cmds.push(`dis -rl ${rip.address}`);
  else if (rip?.function) cmds.push(`dis -rl ${safe(rip.function, '<FUNCTION>')}${hexOff(rip.offset)}`);
  else if (culprit?.frame?.address && /^[0-9a-f]{1,16}$/.test(culprit.frame.address)) cmds.push(`dis -rl ${culprit.frame.address}`);
  const extra: string[] = [];
  if (kind === 'hung-task') {
    cmds.push('foreach UN bt');
    if (ev?.task.pid != null) cmds.push(`bt -f ${ev.task.pid}    # the mutex address is an argument of __mutex_lock's frame`, 'struct mutex.owner <ADDR>    # owner & ~7 is the task_struct of the holder; then: bt <that task>');
  }
  if (kind === 'soft-lockup' || kind === 'hard-lockup' || kind === 'rcu-stall') cmds.push('bt -a', 'runq');
  if (kind === 'oom') cmds.push('kmem -i', 'ps -G');
  if (ev && ['list-corruption', 'kasan', 'kfence', 'paging-request', 'gpf', 'null-deref', 'bug'].includes(ev.kind)) {
    // A heap address: its slab object; a text or module address (static data): its words.
    for (const a of addressesOf(ev)) cmds.push(a.startsWith('ffffffff') ? `rd ${a} 4    # ${ev.kind === 'list-corruption' ? 'the list entry: next, prev' : 'static data of the kernel or a module'}` : `kmem -S ${a}`);
  }
  const hidden = findings.some((f) => ['rootkit-suspected', 'syscall-table-hooked', 'unknown-code-address'].includes(f.id));
  if (hidden) {
    cmds.push('sys -c', 'mod');
    const uc = findings.find((f) => f.id === 'unknown-code-address');
    const addrs = ((uc?.data.addresses as string[] | undefined) ?? []).slice(0, 3);
    for (const a of addrs) if (/^[0-9a-f]{1,16}$/.test(a)) cmds.push(`sym ${a}`, `rd -a ${a} 64`);
    extra.push(...findings.filter((f) => ['rootkit-suspected', 'syscall-table-hooked', 'unknown-code-address'].includes(f.id)).map((f) => f.id));
  }
  cmds.push('mod -t');
  const haveSession = !!draft.dump && (draft.dump.backtraces.length > 0 || Object.keys(draft.dump.sys).length > 0);
  out.push({
    id: 'next-crash', priority: 3,
    text: `${vmcoreName ? `Open the vmcore in crash` : 'Find the vmcore kdump saved and open it in crash'} (needs ${di.pkg}): ` +
      `${kind === 'hung-task' ? 'who holds the lock the task waits for, and what it waits for in turn' : kind === 'soft-lockup' ? 'what the spinning CPU runs and what the others wait for' : 'the code at the faulting address and the full stack of the crashing task'}` +
      `${haveSession ? ' (the saved session already has part of this)' : ''}.`,
    because: because(extra), commands: cmds,
  });

  // 2. The culprit's source line.
  const fn = culprit?.function ? safe(culprit.function, '<FUNCTION>') : null;
  const frame = culprit?.frame ?? null;
  if (fn && (culprit?.module || k.release)) {
    const loc = `${fn}${hexOff(frame?.offset)}${frame?.size != null ? `/0x${frame.size.toString(16)}` : ''}`;
    const obj = culprit?.module ? `$(modinfo -n ${safe(culprit.module, '<MODULE>')})` : di.vmlinux;
    const c: string[] = [];
    if (di.install && !culprit?.module) c.push(di.install);
    if (frame?.offset != null) {
      c.push(`./scripts/faddr2line ${obj} ${loc}    # from the kernel source tree of ${k.release ?? 'this kernel'}`);
      c.push(`gdb -batch -ex 'list *(${fn}+0x${frame.offset.toString(16)})' ${obj}`);
    } else if (frame?.address && /^[0-9a-f]{1,16}$/.test(frame.address)) {
      c.push(`dis -l ${frame.address}    # in crash: the source line of ${fn} at this address`);
    } else c.push(`gdb -batch -ex 'list ${fn}' ${obj}`);
    out.push({
      id: 'next-source', priority: 3,
      text: `Find the source line of ${fn}${culprit?.module ? ` in the module ${culprit.module} (its .ko needs debug info: ask its builder for it)` : ` (the debug vmlinux is in ${di.pkg})`}.`,
      because: because(), commands: c,
    });
  }

  // 3. Whose module it is.
  if (culprit?.module && culprit.thirdParty && !isHiddenModule(draft, culprit.module)) {
    const m = safe(culprit.module, '<MODULE>');
    const owner = distroOf(k.release, k.version) === 'rhel' || distroOf(k.release, k.version) === 'suse' ? `rpm -qf $(modinfo -n ${m})` : `dpkg -S $(modinfo -n ${m})`;
    out.push({
      id: 'next-vendor', priority: 3,
      text: `Find who ships the module ${m} and which version is loaded, for the vendor case (run on the machine, or on the vmcore: crash's \`mod -t\`).`,
      because: ['third-party-module'], commands: [`modinfo ${m}`, owner, `cat /sys/module/${m}/taint`],
    });
  }

  // 4. What more ktriage can read.
  const inputs = draft.sources.map((s) => s.file);
  if (!vmcoreName) {
    out.push({
      id: 'next-ktriage', priority: 4,
      text: 'Give ktriage the vmcore too: it reads the dump without the debug vmlinux (registers, the log, module list) and checks it against the log.',
      because: because(), commands: [`ktriage analyze ${[...inputs, dumpPath].map(shq).join(' ')}`],
    });
  } else if (!haveSession) {
    out.push({
      id: 'next-ktriage', priority: 4,
      text: `With ${di.pkg} installed, ktriage runs crash on the dump itself and reads its answers (backtraces of every task, the syscall table, the module list).`,
      because: because(), commands: [`ktriage analyze --debuginfo /usr/lib/debug ${inputs.map(shq).join(' ')}`],
    });
  }
  return out;
}

/** A file name quoted for a shell command line (only when it needs it). */
function shq(s: string): string {
  return /^[\w./*+:@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
