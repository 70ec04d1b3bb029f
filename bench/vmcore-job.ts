// The whole triage of one dump in ONE process, for bench/vmcore-full.ts while `ktriage analyze VMCORE` does
// not yet read the dump's own objects: `analyze` (log, diagnosis), then in the same process kallsyms, BTF,
// modules, tasks, syscall table and the backtraces of every on-CPU task and of the blocked (D) ones. When
// the report already holds dump facts (analyze reads them itself), the second part is skipped, so this
// never does the work twice. Run with KTRIAGE_PROFILE=1 for the per-phase line. Prints a one-line summary.
import { analyze } from '../src/analyze.js';
import { Dump } from '../src/readers/vmcore/dump.js';
import { readKernelObjects } from '../src/readers/vmcore/objects.js';
import { readBacktraces } from '../src/readers/vmcore/backtraces.js';
import { phase } from '../src/readers/vmcore/profile.js';
import { analyzeHasDumpFacts } from './vmcore-facts.js';

const MAX_BLOCKED = 64;

function objectsAndStacks(file: string): string {
  const d = new Dump(file);
  try {
    const objs = readKernelObjects(d);
    const active = objs.tasks.filter((t) => t.active);
    const blocked = objs.tasks.filter((t) => !t.active && t.state === 'D').slice(0, MAX_BLOCKED);
    const bt = readBacktraces(d, objs, [...active, ...blocked]);
    const frames = bt.traces.reduce((n, t) => n + t.result.frames.length, 0);
    return `${objs.tasks.length} tasks, ${objs.modules.length} modules (${objs.modules.filter((m) => m.hidden).length} hidden), ${objs.syscalls.length} syscalls, ${bt.traces.length} stacks / ${frames} frames`;
  } finally {
    d.close();
  }
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node dist/bench/vmcore-job.js VMCORE');
  process.exit(2);
}
// analyze first (log, and the dump facts once analyze reads them); then, only when its report has none,
// the objects and stacks from a second open of the dump in this same process.
const report = analyze([file]);
const json = JSON.stringify(report);
phase('diagnosis');
const facts = analyzeHasDumpFacts(json);
const rest = facts ? 'dump facts read by analyze' : objectsAndStacks(file);
console.log(`${rest}; root cause: ${report.diagnosis?.rootCause?.kind ?? '-'}`);
