// The options that give a vmcore verb what its dump lacks: `--system-map FILE` / `--kallsyms FILE` (symbols
// for kernels whose VMCOREINFO has no kallsyms) and `--btf FILE` (a copy of /sys/kernel/btf/vmlinux).
import type { KernelSources } from '../readers/vmcore/symbol-files.js';

export const SOURCE_OPTIONS = {
  'system-map': { type: 'string' },
  kallsyms: { type: 'string' },
  btf: { type: 'string' },
} as const;

export const SOURCE_USAGE = '[--system-map FILE | --kallsyms FILE] [--btf FILE]';

export const SOURCE_HELP =
  '  --system-map FILE  symbols from a System.map (for kernels whose VMCOREINFO has no kallsyms), moved by the KASLR offset\n' +
  '  --kallsyms FILE    symbols from a copy of /proc/kallsyms (taken as root)\n' +
  '  --btf FILE         types from a copy of /sys/kernel/btf/vmlinux, for dumps without BTF\n';

/** The sources named by the parsed options; an error line when both symbol files are given. */
export function sourcesFrom(v: { 'system-map'?: string; kallsyms?: string; btf?: string }): KernelSources | string {
  if (v['system-map'] !== undefined && v.kallsyms !== undefined) return 'give --system-map or --kallsyms, not both';
  const s: KernelSources = {};
  if (v['system-map'] !== undefined) s.systemMap = v['system-map'];
  if (v.kallsyms !== undefined) s.kallsyms = v.kallsyms;
  if (v.btf !== undefined) s.btf = v.btf;
  return s;
}
