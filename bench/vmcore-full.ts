// `npm run bench -- vmcore-full`: the whole triage of each stored lab dump in one run, three ways:
// ktriage without any debuginfo (`analyze VMCORE`, then `bt -a VMCORE`: log, kallsyms, BTF, tasks, modules,
// every on-CPU backtrace), crash 8.0.2 with the debug vmlinux (sys, bt -a, log, mod, ps, sys -c), and drgn
// with the debug vmlinux (the lab's tools/drgn-triage.py). Also, in process, pages read and time per phase
// of ktriage's reading. crash, python3-drgn and linux-image-6.1.0-56-amd64-dbg are Debian packages: the
// bench installs them with apt-get when missing (never in CI).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure, repoRoot, sharedDir } from './util.js';
import { hasCommand, tempDir, unzstd } from '../src/readers/vmcore/testkit.js';
import { Dump } from '../src/readers/vmcore/dump.js';
import { readKallsyms } from '../src/readers/vmcore/kallsyms.js';
import { readKernelObjects } from '../src/readers/vmcore/objects.js';
import { readBacktraces } from '../src/readers/vmcore/backtraces.js';

const VMLINUX = '/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64';

function ensureTools(): string | null {
  if (hasCommand('crash') && hasCommand('drgn') && existsSync(VMLINUX)) return null;
  const r = spawnSync('apt-get', ['install', '-y', 'crash', 'python3-drgn', 'linux-image-6.1.0-56-amd64-dbg'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0 ? null : 'apt-get install crash python3-drgn linux-image-6.1.0-56-amd64-dbg failed';
}

function phases(file: string): string {
  const t: string[] = [];
  const d = new Dump(file);
  try {
    let last = process.hrtime.bigint();
    let pages = 0;
    const mark = (name: string): void => {
      const now = process.hrtime.bigint();
      t.push(`${name} ${(Number(now - last) / 1e6).toFixed(0)} ms/${d.pages.pagesRead - pages} p`);
      last = now;
      pages = d.pages.pagesRead;
    };
    const ks = readKallsyms(d);
    mark('kallsyms');
    const objs = readKernelObjects(d, {}, ks.table ?? undefined);
    mark('btf+objects');
    readBacktraces(d, objs);
    mark('bt -a');
    t.push(`total ${d.pages.pagesRead} pages, ${(d.bytesRead / 1048576).toFixed(1)} MB read`);
  } finally {
    d.close();
  }
  return t.join(', ');
}

export async function benchVmcoreFull(args: string[]): Promise<string> {
  const ri = args.indexOf('--runs');
  const runs = ri >= 0 ? Math.max(1, Number(args[ri + 1]) || 3) : 3;
  const lab = join(sharedDir(), 'lab', 'out');
  if (!existsSync(lab)) return `bench/vmcore-full: the lab (${lab}) is missing`;
  const err = ensureTools();
  const cli = join(repoRoot(), 'dist', 'ktriage.mjs');
  const cmds = join(tempDir(), 'crash-cmds');
  writeFileSync(cmds, 'sys\nbt -a\nlog\nmod\nps\nsys -c\nquit\n');
  const drgnScript = join(lab, '..', 'tools', 'drgn-triage.py');
  const rows: string[] = [
    `| dump | ktriage (no debuginfo) wall / peak RSS | crash wall / RSS | drgn wall / RSS | ktriage/drgn wall | ktriage/drgn RSS |`,
    '|---|---|---|---|---|---|',
  ];
  const detail: string[] = [];
  const best = (f: () => { wallMs: number; maxRssKb: number | null }): { wallMs: number; maxRssKb: number | null } => {
    let b = f();
    for (let i = 1; i < runs; i++) {
      const m = f();
      if (m.wallMs < b.wallMs) b = m;
    }
    return b;
  };
  for (const s of ['oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module', 'sysrq-c']) {
    const z = join(lab, s, 'vmcore.zst');
    if (!existsSync(z)) continue;
    const file = unzstd(z);
    const kt = best(() => {
      const a = measure(process.execPath, [cli, 'analyze', file], { node: true });
      const b = measure(process.execPath, [cli, 'bt', '-a', file], { node: true });
      return { wallMs: a.wallMs + b.wallMs, maxRssKb: Math.max(a.maxRssKb ?? 0, b.maxRssKb ?? 0) || null };
    });
    const cr = err ? null : best(() => measure('crash', ['-s', '-i', cmds, VMLINUX, file]));
    const dr = err ? null : best(() => measure('drgn', ['-q', '-c', file, '-s', VMLINUX, drgnScript]));
    const f = (m: { wallMs: number; maxRssKb: number | null } | null): string => (m ? `${(m.wallMs / 1000).toFixed(2)} s / ${m.maxRssKb ? (m.maxRssKb / 1024).toFixed(0) : '?'} MB` : 'n/a');
    const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
    rows.push(`| ${s} | ${f(kt)} | ${f(cr)} | ${f(dr)} | ${ratio(kt.wallMs, dr?.wallMs)} | ${ratio(kt.maxRssKb, dr?.maxRssKb)} |`);
    detail.push(`${s}: ${phases(file)}`);
  }
  return [`vmcore-full (best of ${runs}${err ? `; ${err}` : ''})`, ...rows, '', 'ktriage phases (in process):', ...detail].join('\n');
}
