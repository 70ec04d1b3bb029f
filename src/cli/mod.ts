// `ktriage mod [-t] VMCORE` (--json): loaded modules shaped like crash's `mod` (and `mod -t`), with the
// modules hidden from the list (found in mod_tree or vmap_area_list) among them and marked.
import { formatMod, formatModTaints, modJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { gapList, objectsOrFail, openDump, parseVerbArgs, reportGaps } from './vmcore-verb.js';

export const USAGE = `usage: ktriage mod [--json] [-t] VMCORE

The loaded modules of a vmcore, as crash's \`mod\` prints them (MODULE NAME BASE SIZE OBJECT FILE),
read without debuginfo: the \`modules\` list, plus every module still in the module latch tree
(mod_tree) or in vmap_area_list (allocated by load_module) but not on the list: those are HIDDEN
(a rootkit's list_del) and marked so; crash cannot see them. No object file is loaded: "(not
loaded)", as crash says without one; [CONFIG_KALLSYMS] when the module's own symbol table is there.
  -t       crash's \`mod -t\`: the modules with taint flags (NAME TAINTS), or "no tainted modules"
  --json   {"modules": [{module, name, base, size, textSize, objectFile: null, state, taints, hidden,
           foundIn, allocatedBy, symbols, numSymtab}], "gaps": [...]}
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const p = parseVerbArgs(args, io, USAGE, { taints: { type: 'boolean', short: 't' } });
  if (typeof p === 'number') return p;
  if (p.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (p.positionals.length !== 1) {
    io.stderr.write(`ktriage: mod needs exactly one VMCORE (${USAGE.split('\n')[0]})\n`);
    return 2;
  }
  const file = p.positionals[0]!;
  const dump = openDump(file, io);
  if (typeof dump === 'number') return dump;
  try {
    const objs = objectsOrFail(dump, file, io, { modules: true });
    if (typeof objs === 'number') return objs;
    if (p.values.json) {
      io.stdout.write(JSON.stringify({ modules: modJson(objs.modules), gaps: gapList(objs.gaps) }) + '\n');
      return objs.gaps.length ? 1 : 0;
    }
    io.stdout.write(p.values.taints ? formatModTaints(objs.modules) : formatMod(objs.modules));
    return reportGaps(io, file, objs.gaps);
  } finally {
    dump.close();
  }
}
