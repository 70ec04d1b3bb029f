// `ktriage info VMCORE`: what a vmcore holds: format, compression, page counts, release, crash time,
// CPUs and the panic CPU's registers (from its NT_PRSTATUS note).
import { type VmcoreResult } from '../readers/vmcore/index.js';
import { escapeTerminal } from '../util/escape.js';
import { readDumpFile, type CommandIO } from './dmesg.js';
import { parseVerbArgs } from './vmcore-verb.js';

/** `ktriage info --help` (src/cli/main.ts prints it for every command). */
export const USAGE = `usage: ktriage info [--json] VMCORE

What a vmcore holds: format, compression, page counts, release, build id, crash time, CPUs and the
panic CPU's registers.
  --json   the same as a JSON object
`;

const n = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toLocaleString('en-US'));

const REG_ROWS = [
  ['rip', 'rsp', 'eflags'],
  ['rax', 'rbx', 'rcx'],
  ['rdx', 'rsi', 'rdi'],
  ['rbp', 'r8', 'r9'],
  ['r10', 'r11', 'r12'],
  ['r13', 'r14', 'r15'],
  ['orig_rax', 'cs', 'ss'],
];

export function formatInfo(r: VmcoreResult): string {
  const i = r.info;
  const e = (s: string | null): string => (s === null ? '-' : escapeTerminal(s));
  const lines: string[] = [];
  const p = i.pages;
  lines.push(`file:         ${e(i.file)}`);
  lines.push(`format:       ${i.variant}${i.dumpLevel !== null ? `, dump level ${i.dumpLevel}` : ''}`);
  lines.push(`compression:  ${i.compression.length ? i.compression.join(', ') : '-'}`);
  lines.push(`arch:         ${e(i.arch)}, page size ${i.pageSize}`);
  if (p) {
    lines.push(`pages:        ${n(p.total)} RAM, ${n(p.dumpable)} dumpable, ${n(p.excluded)} excluded, ${n(p.zero)} zero`);
  }
  lines.push(`release:      ${e(i.release)}`);
  lines.push(`version:      ${e(i.version)}`);
  lines.push(`hostname:     ${e(i.hostname)}`);
  lines.push(`crash time:   ${i.crashTime ?? '-'}`);
  lines.push(`KASLR offset: ${i.kernelOffset ? '0x' + i.kernelOffset : '-'}`);
  lines.push(`build id:     ${i.buildId ?? '-'}`);
  lines.push(`printk:       ${i.printk ?? '-'}${i.records !== null ? `, ${n(i.records)} records` : ''}`);
  const qemu = i.qemuCpus.length > 0;
  const notes = i.cpus.map((c) => (qemu ? `cpu ${c.cpu}` : `cpu ${c.cpu} pid ${c.pid}`)).join(', ');
  lines.push(`CPUs:         ${n(i.nrCpus)}${i.cpus.length ? ` (${i.cpus.length} CPU notes: ${notes}${qemu ? '; QEMU puts the vCPU number, not a pid, in them' : ''})` : ''}`);
  if (i.panicCpu !== null) {
    const cpu = i.cpus.find((c) => c.cpu === i.panicCpu) ?? i.qemuCpus.find((c) => c.cpu === i.panicCpu);
    lines.push(`panic CPU:    ${i.panicCpu}${cpu && i.cpus.includes(cpu) && !qemu ? ` (pid ${cpu.pid})` : ''}, from the ${i.panicCpuReason}`);
    if (cpu) {
      for (const row of REG_ROWS) {
        const cells = row.filter((k) => cpu.registers[k] !== undefined).map((k) => `${k.toUpperCase().padStart(8)}: ${cpu.registers[k]}`);
        if (cells.length) lines.push('  ' + cells.join('  '));
      }
    }
  } else lines.push('panic CPU:    -');
  for (const g of r.gaps) lines.push(`gap:          ${e(g.what)}`);
  return lines.join('\n') + '\n';
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const a = parseVerbArgs(args, io, { verb: 'info', usage: USAGE, sources: false });
  if (typeof a === 'number') return a;
  const r = readDumpFile(a.file, io, { countPages: true });
  if (typeof r === 'number') return r;
  if (a.values.json) {
    const { info, gaps, stats } = r;
    io.stdout.write(JSON.stringify({ ...info, gaps, stats }, null, 2) + '\n');
  } else io.stdout.write(formatInfo(r));
  return r.gaps.length ? 1 : 0;
}
