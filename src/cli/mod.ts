// `ktriage mod [-t] VMCORE` (--json): loaded modules shaped like crash's `mod` (and `mod -t`), with the
// modules hidden from the list (found in mod_tree or vmap_area_list) among them and marked.
import { formatMod, formatModTaints, modJson } from '../report/crash.js';
import type { CommandIO } from './dmesg.js';
import { answer, runObjectsVerb, SOURCE_HELP, SOURCE_USAGE } from './vmcore-verb.js';

export const USAGE = `usage: ktriage mod [--json] ${SOURCE_USAGE} [-t] VMCORE

The loaded modules of a vmcore, as crash's \`mod\` prints them (MODULE NAME BASE SIZE OBJECT FILE),
read without debuginfo: the \`modules\` list, plus every module still in the module latch tree
(mod_tree) or in vmap_area_list (allocated by load_module) but not on the list: those are HIDDEN
(a rootkit's list_del) and marked so; crash cannot see them. No object file is loaded: "(not
loaded)", as crash says without one; [CONFIG_KALLSYMS] when the module's own symbol table is there.
  -t       crash's \`mod -t\`: the modules with taint flags (NAME TAINTS), or "no tainted modules"
  --json   {"modules": [{module, name, base, size, textSize, objectFile: null, state, taints, hidden,
           foundIn, allocatedBy, symbols, numSymtab}], "gaps": [...]}
${SOURCE_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runObjectsVerb(args, io, { verb: 'mod', usage: USAGE, options: { taints: { type: 'boolean', short: 't' } } }, { modules: true }, (a, _dump, objs) =>
    answer(io, a, objs.gaps, () => ({ modules: modJson(objs.modules) }), () => (a.values.taints ? formatModTaints(objs.modules) : formatMod(objs.modules))));
}
