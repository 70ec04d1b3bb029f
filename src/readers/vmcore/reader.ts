// Public API of the native vmcore reader: readVmcore() for `ktriage analyze`, and the pieces `ktriage
// dmesg` / `ktriage info` print. Works from the dump alone (VMCOREINFO), without the debug vmlinux.
import { phase } from './profile.js';
import type { Gap } from '../../model/types.js';
import { type PageCounts, type Truncation, describeTruncation } from './memory.js';
import { type CpuState } from './notes.js';
import { KdumpMemory } from './kdump.js';
import { Dump, type DumpFormat } from './dump.js';
import { type KernelLog, type LogRecord, type PrintkGeneration, readKernelLog } from './printk.js';
import { type FormatOptions, formatLog } from './format.js';

export interface VmcoreSummary {
  file: string;
  format: DumpFormat;
  /** Human description: `kdump-compressed v6`, `ELF64 core with QEMU CPU notes`, ... */
  variant: string;
  /** Page codecs seen (kdump), `none` for stored pages; ELF cores are uncompressed. */
  compression: string[];
  arch: string;
  pageSize: number;
  /** Filled by `ktriage info` (needs a pass over the page descriptors). */
  pages: PageCounts | null;
  dumpLevel: number | null;
  release: string | null;
  version: string | null;
  hostname: string | null;
  machine: string | null;
  /** CRASHTIME as ISO 8601 (UTC). */
  crashTime: string | null;
  kernelOffset: string | null;
  buildId: string | null;
  nrCpus: number | null;
  cpus: CpuState[];
  /** CPU registers QEMU saved (QEMU dumps only). */
  qemuCpus: CpuState[];
  panicCpu: number | null;
  /** How the panic CPU was found. */
  panicCpuReason: string | null;
  printk: PrintkGeneration | null;
  records: number | null;
}

export interface VmcoreResult {
  info: VmcoreSummary;
  /** The file ends before the pages it describes (a copy cut short), null when whole. */
  truncation: Truncation | null;
  /** The kernel log exactly as `makedumpfile --dump-dmesg` prints it. */
  log: string;
  logBytes: Buffer;
  records: LogRecord[];
  cpus: { cpu: number; pid: number; registers: Record<string, string> }[];
  gaps: Gap[];
  stats: { bytesRead: number; pagesRead: number; walks: number };
}

export interface ReadOptions extends FormatOptions {
  /** Count dumpable/excluded/zero pages (reads every page descriptor). */
  countPages?: boolean;
  /** Only the log: skip the utsname read and the panic-CPU search (ktriage dmesg). */
  logOnly?: boolean;
  onProgress?: (what: string, done: number, total: number) => void;
  /** Called with the open dump before it is closed (analyze reads the kernel objects from it). */
  withDump?: (dump: Dump, info: VmcoreSummary) => void;
}

function utsname(dump: Dump): { release: string; version: string; nodename: string; machine: string } | null {
  const vi = dump.vmcoreinfo;
  const sym = vi.symbols.get('init_uts_ns') ?? vi.symbols.get('system_utsname');
  if (sym === undefined || !dump.translator) return null;
  const off = vi.symbols.has('init_uts_ns') ? (vi.offsets.get('uts_namespace.name') ?? 4) : 0;
  try {
    const r = dump.readVirt(sym + BigInt(off), 65 * 6);
    if (r.bad.length) return null;
    const f = (i: number): string => {
      const b = r.data.subarray(65 * i, 65 * i + 65);
      const z = b.indexOf(0);
      return b.subarray(0, z < 0 ? 65 : z).toString('latin1');
    };
    return { nodename: f(1), release: f(2), version: f(3), machine: f(4) };
  } catch {
    return null;
  }
}

function findPanicCpu(cpus: CpuState[], records: LogRecord[]): { cpu: number | null; reason: string | null } {
  // The last "CPU: N PID: M" line of the log belongs to the report that ended the kernel.
  for (let i = records.length - 1; i >= 0 && i >= records.length - 2000; i--) {
    const m = /^CPU: (\d+) PID: (\d+)/.exec(records[i]!.text.toString('latin1'));
    if (m) {
      const cpu = Number(m[1]);
      if (cpu < cpus.length || cpus.length === 0) return { cpu, reason: `last "CPU: ${m[1]} PID: ${m[2]}" line of the log` };
    }
  }
  const busy = cpus.filter((c) => c.pid > 0);
  if (busy.length === 1) return { cpu: busy[0]!.cpu, reason: 'only CPU note with a task' };
  return { cpu: null, reason: null };
}

export function summarize(dump: Dump, log: KernelLog | null, light = false): VmcoreSummary {
  const vi = dump.vmcoreinfo;
  const k = dump.kdump;
  const uts = light ? null : utsname(dump);
  const cpus = dump.notes.prstatus;
  const pc = light ? { cpu: null, reason: null } : findPanicCpu(cpus, log?.records ?? []);
  let variant: string;
  if (dump.format === 'elf') variant = dump.notes.qemuCpus.length ? 'ELF64 core with QEMU CPU notes' : 'ELF64 core';
  else variant = `${dump.format === 'flattened' ? 'flattened ' : ''}kdump-compressed v${k?.headerVersion}`;
  const nodename = uts?.nodename ?? k?.utsname.nodename ?? null;
  return {
    file: dump.path,
    format: dump.format,
    variant,
    compression: dump.mem instanceof KdumpMemory ? dump.mem.codecs : ['none'],
    arch: dump.arch,
    pageSize: dump.mem.pageSize,
    pages: null,
    dumpLevel: k?.sub.dumpLevel ?? null,
    release: vi.osrelease ?? uts?.release ?? (k?.utsname.release || null),
    version: uts?.version ?? (k?.utsname.version || null),
    hostname: nodename && nodename !== '(none)' ? nodename : null,
    machine: uts?.machine ?? (k?.utsname.machine || null),
    crashTime: vi.crashTime !== null ? new Date(vi.crashTime * 1000).toISOString() : null,
    kernelOffset: vi.kernelOffset !== null ? vi.kernelOffset.toString(16) : null,
    buildId: vi.buildId,
    nrCpus: k?.nrCpus ?? (cpus.length || dump.notes.qemuCpus.length || null),
    cpus,
    qemuCpus: dump.notes.qemuCpus,
    panicCpu: pc.cpu,
    panicCpuReason: pc.reason,
    printk: log?.generation ?? null,
    records: log ? (log.plain ? null : log.records.length) : null,
  };
}

/** Reads a vmcore's kernel log and facts. Throws one clear Error when nothing can be read. */
export function readVmcore(path: string, opts: ReadOptions = {}): VmcoreResult {
  const dump = new Dump(path, { onProgress: opts.onProgress ? (d, t) => opts.onProgress!('indexing flattened records', d, t) : undefined });
  try {
    const gaps: Gap[] = dump.warnings.map((w) => ({ source: path, what: w }));
    let log: KernelLog | null = null;
    try {
      log = readKernelLog(dump);
      for (const g of log.gaps) gaps.push({ source: path, what: g.what });
      phase('printk');
    } catch (err) {
      gaps.push({ source: path, what: (err as Error).message });
    }
    const info = summarize(dump, log, Boolean(opts.logOnly));
    let truncation: Truncation | null = null;
    try {
      truncation = dump.truncation();
    } catch (err) {
      gaps.push({ source: path, what: `cannot tell whether the file is complete: ${(err as Error).message}` });
    }
    if (truncation) gaps.unshift({ source: path, what: describeTruncation(truncation) });
    phase('summary');
    if (opts.countPages) {
      info.pages = dump.mem.countPages(opts.onProgress ? (d, t) => opts.onProgress!('counting pages', d, t) : undefined);
      if (dump.mem instanceof KdumpMemory) info.compression = dump.mem.codecs;
    }
    const logBytes = log ? formatLog(log, opts) : Buffer.alloc(0);
    opts.withDump?.(dump, info);
    return {
      info,
      truncation,
      log: logBytes.toString('latin1'),
      logBytes,
      records: log?.records ?? [],
      cpus: info.cpus.map((c) => ({ cpu: c.cpu, pid: c.pid, registers: c.registers })),
      gaps,
      stats: { bytesRead: dump.bytesRead, pagesRead: dump.mem.pagesRead, walks: dump.translator?.walks ?? 0 },
    };
  } finally {
    dump.close();
  }
}
