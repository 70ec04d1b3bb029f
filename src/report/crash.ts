// Text and JSON shaped like crash 8's `ps`, `mod` (+ `mod -t`), `sys`, `sys -c` and `rd`/`rd -a`, for the
// vmcore verbs (src/cli/ps.ts, mod.ts, sys.ts, syscalls.ts, rd.ts). Column widths and number formats follow
// crash's own printf formats (task.c show_ps_data(), kernel.c do_module_cmd() and dump_sys_call_table(),
// memory.c display_memory()). What crash cannot show is added visibly: hidden modules, the owner of each
// system call entry; what we cannot compute without debuginfo is printed as `-` and null in JSON.
// Every string that came from the dump goes through escapeTerminal() here (text); JSON keeps it exact.
import { escapeTerminal } from '../util/escape.js';
import type { KernelTask } from '../readers/vmcore/tasks.js';
import type { CpuTasks } from '../readers/vmcore/percpu.js';
import type { KernelModule } from '../readers/vmcore/modules.js';
import type { SyscallSlot } from '../readers/vmcore/syscalls.js';
import type { TaskMemoryResult } from '../readers/vmcore/taskmem.js';
import type { AsciiRead, WordRead } from '../readers/vmcore/memread.js';
import { memorySize, printf1, type SysInfo } from '../readers/vmcore/sysinfo.js';
import type { Dump } from '../readers/vmcore/dump.js';
import type { KernelObjects } from '../readers/vmcore/objects.js';
import { DUMP_DH_COMPRESSED_INCOMPLETE } from '../readers/vmcore/kdump.js';

const e = escapeTerminal;

export function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

/** crash's mkstring(): CENTER (odd remainder to the right with LJUST, to the left with RJUST), LJUST, RJUST. */
export function mkstring(s: string, size: number, how: 'center-l' | 'center-r' | 'left' | 'right'): string {
  if (s.length >= size) return s;
  const extra = size - s.length;
  if (how === 'left') return s + ' '.repeat(extra);
  if (how === 'right') return ' '.repeat(extra) + s;
  const half = Math.floor(extra / 2);
  const left = extra % 2 && how === 'center-r' ? half + 1 : half;
  return ' '.repeat(left) + s + ' '.repeat(extra - left);
}

// ---- ps ----

export interface PsRow {
  active: boolean;
  pid: number;
  ppid: number | null;
  cpu: number | null;
  task: bigint;
  /** crash's two-letter state (RU IN UN ID ...), the kernel's ps letter and the raw state. */
  st: string;
  state: string;
  rawState: number;
  /** %MEM as crash prints it ("0.0"); null when it cannot be computed. */
  pctMem: string | null;
  /** KiB; null when unknown. */
  vsz: bigint | null;
  rss: bigint | null;
  /** KiB of rss that are shmem pages (crash 8.0.2 does not count them). */
  shmem: bigint | null;
  comm: string;
  kernelThread: boolean;
  foundBy: KernelTask['foundBy'];
}

/**
 * One row per task in crash's order (pid, then CPU for the idle tasks). Kernel threads print 0.0/0/0 as in
 * crash; a user task's VSZ/RSS come from its mm (null when the layout or the mm could not be read), %MEM
 * needs the page count crash divides by (`high_memory`).
 */
export function psRows(tasks: KernelTask[], mem: TaskMemoryResult | null, totalPages: bigint | null, pageSize: number): PsRow[] {
  const kb = BigInt(pageSize) / 1024n;
  return tasks.map((t) => {
    const m = mem?.byTask.get(t.address) ?? null;
    let vsz: bigint | null = null;
    let rss: bigint | null = null;
    let shmem: bigint | null = null;
    let pct: string | null = null;
    if (m) {
      vsz = m.totalVm * kb;
      rss = m.rss * kb;
      shmem = m.shmem * kb;
      if (t.kernelThread && m.rss === 0n) pct = '0.0';
      else if (totalPages !== null && totalPages > 0n) pct = printf1(Number(m.rss * 100n) / Number(totalPages));
    } else if (t.kernelThread) {
      vsz = 0n;
      rss = 0n;
      shmem = 0n;
      pct = '0.0';
    }
    return {
      active: t.active, pid: t.pid, ppid: t.ppid, cpu: t.cpu, task: t.address, st: t.crashState, state: t.state, rawState: t.rawState,
      pctMem: pct, vsz, rss, shmem, comm: t.comm, kernelThread: t.kernelThread, foundBy: t.foundBy,
    };
  });
}

export const PS_HEADER = '      PID    PPID  CPU       TASK        ST  %MEM      VSZ      RSS  COMM';

export function formatPsRow(r: PsRow): string {
  const num = (v: number | bigint | null, w: number): string => (v === null ? '-' : String(v)).padStart(w);
  const pct = r.pctMem === null ? '   -' : r.pctMem;
  const comm = r.kernelThread ? `[${e(r.comm)}]` : e(r.comm);
  return `${r.active ? '> ' : '  '}${num(r.pid, 7)} ${num(r.ppid, 7)} ${num(r.cpu, 3)}  ${hex16(r.task)} ${r.st.padStart(3)}${r.st.length > 3 ? ' ' : '  '}${pct.length === 3 ? mkstring(pct, 4, 'center-r') : pct} ${num(r.vsz, 8)} ${num(r.rss, 8)}  ${comm}`;
}

export function formatPs(rows: PsRow[]): string {
  return [PS_HEADER, ...rows.map(formatPsRow)].join('\n') + '\n';
}

export function psJson(rows: PsRow[]): object[] {
  return rows.map((r) => ({
    pid: r.pid, ppid: r.ppid, cpu: r.cpu, task: hex16(r.task), st: r.st, state: r.state, rawState: r.rawState, active: r.active,
    pctMem: r.pctMem === null ? null : Number(r.pctMem), vsz: r.vsz === null ? null : Number(r.vsz), rss: r.rss === null ? null : Number(r.rss), rssShmem: r.shmem === null ? null : Number(r.shmem),
    comm: r.comm, kernelThread: r.kernelThread, foundBy: r.foundBy,
  }));
}

/** Each CPU's current, runqueue-curr and idle task; `switching` when current and rq->curr differ. */
export function cpusJson(cpus: CpuTasks[]): object[] {
  const h = (v: bigint | null): string | null => (v === null ? null : hex16(v));
  return cpus.map((c) => ({ cpu: c.cpu, current: h(c.current), rqCurr: h(c.rqCurr), idle: h(c.idle), switching: c.current !== null && c.rqCurr !== null && c.current !== c.rqCurr }));
}

// ---- mod ----

/** Modules in crash's order (by base address), hidden ones among them. */
export function sortModules(mods: KernelModule[]): KernelModule[] {
  return [...mods].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
}

function modName(m: KernelModule): string {
  return m.name === null ? '(unknown)' : e(m.name);
}

function hiddenNote(m: KernelModule): string {
  return `  [HIDDEN: not on the modules list; in ${m.foundIn.join(', ')}${m.allocatedBy ? `, allocated by ${e(m.allocatedBy)}` : ''}]`;
}

export function formatMod(mods: KernelModule[]): string {
  const ms = sortModules(mods);
  const nameW = Math.max(4, ...ms.map((m) => modName(m).length));
  const sizeW = Math.max(4, ...ms.map((m) => String(m.size).length));
  const out = [`${mkstring('MODULE', 16, 'center-l')}  ${mkstring('NAME', nameW, 'left')}  ${mkstring('BASE', 16, 'center-l')}  ${mkstring('SIZE', sizeW, 'right')}  OBJECT FILE`];
  for (const m of ms) {
    const addr = m.address === null ? mkstring('-', 16, 'right') : hex16(m.address);
    const kallsyms = m.symbols.length ? '  [CONFIG_KALLSYMS]' : '';
    out.push(`${addr}  ${mkstring(modName(m), nameW, 'left')}  ${hex16(m.base)}  ${mkstring(String(m.size), sizeW, 'right')}  (not loaded)${kallsyms}${m.hidden ? hiddenNote(m) : ''}`);
  }
  return out.join('\n') + '\n';
}

/** crash's `mod -t`: the modules with taint flags, or "no tainted modules" (hidden ones marked). */
export function formatModTaints(mods: KernelModule[]): string {
  const ms = sortModules(mods).filter((m) => m.taints);
  if (!ms.length) return 'no tainted modules\n';
  const w = Math.max(4, ...ms.map((m) => modName(m).length));
  return [`${mkstring('NAME', w, 'left')}  TAINTS`, ...ms.map((m) => `${mkstring(modName(m), w, 'left')}  ${e(m.taints!)}${m.hidden ? '  [HIDDEN]' : ''}`)].join('\n') + '\n';
}

export function modJson(mods: KernelModule[]): object[] {
  return sortModules(mods).map((m) => ({
    module: m.address === null ? null : hex16(m.address), name: m.name, base: hex16(m.base), size: m.size, textSize: m.textSize,
    objectFile: null, state: m.state, taints: m.taints, hidden: m.hidden, foundIn: m.foundIn, allocatedBy: m.allocatedBy ?? null,
    symbols: m.symbols.length, numSymtab: m.numSymtab,
  }));
}

// ---- sys -c ----

export const SYSCALL_HEADER = 'NUM  SYSTEM CALL                OWNER';

function ownerText(s: SyscallSlot): string {
  if (s.inCoreText) return 'core kernel text';
  if (s.owner === 'none') return 'HOOKED: no kernel text or module owns it';
  return `HOOKED: ${s.hiddenOwner ? 'hidden module' : 'module'} ${e(s.owner ?? '?')}`;
}

/**
 * `sys -c` without file and line numbers: each entry's symbol (crash's `%-26s`, or crash's "invalid
 * sys_call_table entry: ADDR" when no symbol owns the target), then its owner instead of the source line.
 */
export function formatSyscalls(slots: SyscallSlot[]): string {
  const out = [SYSCALL_HEADER];
  for (const s of slots) {
    const name = s.symbol === null ? `invalid sys_call_table entry: ${s.target.toString(16)} ` : `${e(s.symbol).padEnd(26)} `;
    out.push(`${String(s.number).padStart(3)}  ${name}${s.symbol === null ? ' ' : ''}${ownerText(s)}`);
  }
  return out.join('\n') + '\n';
}

export function syscallsJson(slots: SyscallSlot[]): object[] {
  return slots.map((s) => ({
    number: s.number, slot: hex16(s.slot), target: hex16(s.target), symbol: s.symbol, inCoreText: s.inCoreText,
    owner: s.inCoreText ? 'core' : s.owner, hiddenOwner: s.hiddenOwner, hooked: !s.inCoreText,
  }));
}

// ---- sys ----

export interface SysView {
  kernel: string;
  tainted: boolean;
  dumpfile: string;
  /** `[PARTIAL DUMP]`, `[INCOMPLETE]` ... */
  dumpFlags: string[];
  cpus: number | null;
  offline: number | null;
  date: Date | null;
  uptime: string | null;
  loadAverage: string | null;
  tasks: number | null;
  nodename: string | null;
  release: string | null;
  version: string | null;
  machine: string | null;
  mhz: number | null;
  memory: string | null;
  panic: string | null;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime("%a %b %e %T %Z %Y") in UTC, as crash prints DATE on a UTC host. */
export function crashDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** crash's convert_time(): `00:00:14`, `2 days, 01:02:03`. */
export function crashUptime(seconds: bigint): string {
  const days = seconds / 86400n;
  let t = seconds % 86400n;
  const h = t / 3600n;
  t %= 3600n;
  const p = (v: bigint): string => v.toString().padStart(2, '0');
  return `${days ? `${days} days, ` : ''}${p(h)}:${p(t / 60n)}:${p(t % 60n)}`;
}

export function formatSys(v: SysView): string {
  const d = (s: string | null): string => (s === null ? '-' : e(s));
  const lines = [
    `      KERNEL: ${v.kernel}${v.tainted ? '  [TAINTED]' : ''}`,
    `    DUMPFILE: ${e(v.dumpfile)}${v.dumpFlags.length ? ' ' + v.dumpFlags.map((f) => ` [${f}]`).join('') : ''}`,
    `        CPUS: ${v.cpus ?? '-'}${v.offline ? ` [OFFLINE: ${v.offline}]` : ''}`,
    `        DATE: ${v.date ? crashDate(v.date) : '-'}`,
    `      UPTIME: ${d(v.uptime)}`,
    `LOAD AVERAGE: ${d(v.loadAverage)}`,
    `       TASKS: ${v.tasks ?? '-'}`,
    `    NODENAME: ${d(v.nodename)}`,
    `     RELEASE: ${d(v.release)}`,
    `     VERSION: ${d(v.version)}`,
    `     MACHINE: ${d(v.machine)}  (${v.mhz ? `${v.mhz} Mhz` : 'unknown Mhz'})`,
    `      MEMORY: ${d(v.memory)}`,
    `       PANIC: ${v.panic === null ? '""' : `"${e(v.panic)}"${v.panic.includes('Oops: ') ? ' (check log for details)' : ''}`}`,
  ];
  return lines.join('\n') + '\n';
}

export function sysJson(v: SysView): object {
  return { ...v, date: v.date ? v.date.toISOString() : null };
}

// ---- rd ----

/** crash's default `rd`: two 64-bit words a line, then their bytes as ASCII ('.' for unprintable). */
export function formatRdWords(r: WordRead): string {
  const out: string[] = [];
  for (let i = 0; i < r.words.length; i += 2) {
    const pair = r.words.slice(i, i + 2);
    const addr = r.address + BigInt(i * 8);
    const cells = pair.map((w) => (w === null ? '?'.repeat(16) : hex16(w)));
    let ascii = '';
    for (const w of pair) {
      for (let b = 0; b < 8; b++) {
        if (w === null) ascii += '?';
        else {
          const c = Number((w >> BigInt(b * 8)) & 0xffn);
          ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
        }
      }
    }
    // hex columns end at crash's ASCII_START_64 (37 + 16), then two blanks.
    const body = `${hex16(addr)}:  ${cells.map((c) => c + ' ').join('')}`;
    out.push(`${body.padEnd(53)}  ${e(ascii)}`);
  }
  return out.join('\n') + '\n';
}

export function formatRdAscii(r: AsciiRead): string {
  // crash ends the output with a newline unless every byte was unreadable (memory.c: `lost != count`).
  if (!r.lines.length) return r.gaps.reduce((n, g) => n + g.length, 0) >= r.scanned ? '' : '\n';
  return r.lines.map((l) => `${hex16(l.address)}:  ${e(l.text)}`).join('\n') + '\n';
}

/** The facts `sys` prints, from the dump, its kernel objects and the log's panic line. */
export function buildSysView(a: {
  file: string;
  dump: Dump;
  objs: KernelObjects;
  info: SysInfo | null;
  panic: string | null;
}): SysView {
  const { dump, objs, info } = a;
  const k = dump.kdump;
  const flags: string[] = [];
  if (k && (k.sub.dumpLevel ?? 0) > 0) flags.push('PARTIAL DUMP');
  if (k && k.status & DUMP_DH_COMPRESSED_INCOMPLETE) flags.push('INCOMPLETE');
  const ct = info?.xtimeSec != null ? Number(info.xtimeSec) : (dump.vmcoreinfo.crashTime ?? (k && k.timestamp.sec > 0 ? k.timestamp.sec : null));
  const st = objs.stats;
  let uptime: string | null = null;
  if (info?.uptimeSeconds != null) uptime = crashUptime(info.uptimeSeconds);
  else if (st?.uptimeNs != null) uptime = crashUptime(st.uptimeNs / 1_000_000_000n);
  const present = info?.cpusPresent ?? (objs.nrCpus || null);
  const online = info?.cpusOnline ?? null;
  const pages = st?.presentPages ?? st?.totalRamPages ?? null;
  return {
    kernel: '(none: symbols and types from the dump itself)',
    tainted: Boolean(objs.taint && objs.taint.mask !== 0n),
    dumpfile: a.file,
    dumpFlags: flags,
    cpus: present,
    offline: present !== null && online !== null && present > online ? present - online : null,
    date: ct !== null ? new Date(ct * 1000) : null,
    uptime,
    loadAverage: st?.loadAverage ? st.loadAverage.join(', ') : null,
    tasks: objs.tasks.length || null,
    nodename: objs.uts?.nodename ?? null,
    release: objs.uts?.release ?? dump.vmcoreinfo.osrelease ?? null,
    version: objs.uts?.version ?? null,
    machine: objs.uts?.machine ?? dump.arch,
    mhz: info?.mhz ?? null,
    memory: pages !== null ? memorySize(pages, dump.mem.pageSize) : null,
    panic: a.panic,
  };
}
