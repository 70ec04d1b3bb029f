// `npm run bench -- vmcore-full [--runs N] [--mode auto|analyze|job] [--only SCENARIO[,SCENARIO...]]`: the whole triage of
// each stored lab dump in one run, three ways, each configuration run N times (median reported):
//  - ktriage without any debuginfo, ONE process doing the full job: `ktriage analyze VMCORE` once analyze
//    reads the dump's own objects (tasks, every backtrace, modules, syscall table; detected automatically from
//    its JSON report, or forced with --mode analyze); until then bench/vmcore-job.ts, the same work through
//    the library in one process (analyze, then readKernelObjects + readBacktraces). Cold (KTRIAGE_NO_CACHE=1)
//    and warm (the symbol cache of symcache.ts filled by a first run, in a private cache directory);
//  - crash 8.0.2 with the debug vmlinux (`crash -s VMLINUX VMCORE`: sys, bt -a, log, mod, ps, sys -c);
//  - drgn with the debug vmlinux running the lab's tools/drgn-triage.py.
// Wall and peak RSS of every command come from GNU time (/usr/bin/time), never from a Node process's own
// getrusage (Linux keeps the maxrss high-water mark across exec, so a child of this big bench process would
// report the bench's). ktriage's phases (time, page lookups, pages decoded, bytes read) come from its
// KTRIAGE_PROFILE=1 line (src/readers/vmcore/profile.ts), of the median run.
// crash, python3-drgn and linux-image-6.1.0-56-amd64-dbg are Debian packages: the bench installs them with
// apt-get when missing (never in CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { repoRoot, sharedDir } from './util.js';
import { hasCommand, tempDir, unzstd } from '../src/readers/vmcore/testkit.js';
import { parseProfile, type PhaseStat } from '../src/readers/vmcore/profile.js';
import { analyzeHasDumpFacts } from './vmcore-facts.js';

const VMLINUX = '/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64';
const PHASES = ['startup', 'open', 'printk', 'summary', 'kallsyms', 'btf', 'modules', 'tasks', 'syscalls', 'strings', 'unwind', 'other', 'diagnosis'];

interface Run {
  wallMs: number;
  rssKb: number | null;
  status: number | null;
  phases: PhaseStat[] | null;
  stdout: string;
}

function ensureTools(): string | null {
  if (hasCommand('crash') && hasCommand('drgn') && existsSync(VMLINUX)) return null;
  const r = spawnSync('apt-get', ['install', '-y', 'crash', 'python3-drgn', 'linux-image-6.1.0-56-amd64-dbg'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0 ? null : 'apt-get install crash python3-drgn linux-image-6.1.0-56-amd64-dbg failed';
}

function timed(cmd: string, args: string[], env: Record<string, string> = {}): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'KTRIAGE_MAXRSS_KB=%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = /KTRIAGE_MAXRSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { wallMs, rssKb: m ? Number(m[1]) : null, status: r.status, phases: parseProfile(r.stderr ?? '')?.phases ?? null, stdout: r.stdout ?? '' };
}

function median(runs: Run[]): Run {
  const s = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const m = s[Math.floor(s.length / 2)]!;
  // Peak RSS: the median of the runs too (it varies little).
  const rss = runs.map((r) => r.rssKb).filter((v): v is number => v !== null).sort((a, b) => a - b);
  return { ...m, rssKb: rss.length ? rss[Math.floor(rss.length / 2)]! : null };
}

/** Bundles the one-process driver like the CLI (esbuild), so both pay the same start-up. */
async function bundleJob(): Promise<string> {
  const { build } = await import('esbuild');
  const out = join(repoRoot(), 'dist', 'bench', 'vmcore-job.mjs');
  await build({
    entryPoints: [join(repoRoot(), 'bench', 'vmcore-job.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    logLevel: 'warning', define: { KTRIAGE_BUNDLED: 'true' }, banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

const s2 = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb: number | null): string => (kb ? `${(kb / 1024).toFixed(0)} MB` : '?');
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');

export async function benchVmcoreFull(args: string[]): Promise<string> {
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const runs = Math.max(1, Number(opt('--runs')) || 3);
  const only = opt('--only');
  let mode = opt('--mode') ?? 'auto';
  const lab = join(sharedDir(), 'lab', 'out');
  if (!existsSync(lab)) return `bench/vmcore-full: the lab (${lab}) is missing`;
  const err = ensureTools();
  const cli = join(repoRoot(), 'dist', 'ktriage.mjs');
  const job = await bundleJob();
  const cmds = join(tempDir(), 'crash-cmds');
  writeFileSync(cmds, 'sys\nbt -a\nlog\nmod\nps\nsys -c\nquit\n');
  const drgnScript = join(lab, '..', 'tools', 'drgn-triage.py');
  const load0 = loadavg();
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const scenarios = ['oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module', 'sysrq-c'].filter((s) => !only || only.split(',').includes(s));
  const files = scenarios.map((s) => ({ s, z: join(lab, s, 'vmcore.zst') })).filter((x) => existsSync(x.z)).map((x) => ({ s: x.s, file: unzstd(x.z) }));
  if (mode === 'auto' && files.length) {
    const probe = timed(process.execPath, [cli, 'analyze', '--json', files[0]!.file], { KTRIAGE_NO_CACHE: '1' });
    mode = analyzeHasDumpFacts(probe.stdout) ? 'analyze' : 'job';
  }
  const ktArgs = (file: string): string[] => (mode === 'analyze' ? [cli, 'analyze', file] : [job, file]);
  const cacheHome = mkdtempSync(join(tmpdir(), 'ktriage-bench-cache-'));
  const rows: string[] = [
    '| dump | ktriage cold wall / RSS | ktriage warm wall / RSS | crash wall / RSS | drgn wall / RSS | cold/drgn wall, RSS | warm/drgn wall, RSS | cold/crash wall, RSS |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const phaseCols: { name: string; cold: PhaseStat[] | null; warm: PhaseStat[] | null; cold0: Run; warm0: Run }[] = [];
  const repeat = (f: () => Run): Run => median(Array.from({ length: runs }, f));
  try {
    for (const { s, file } of files) {
      const cold = repeat(() => timed(process.execPath, ktArgs(file), { KTRIAGE_NO_CACHE: '1', KTRIAGE_PROFILE: '1' }));
      const env = { XDG_CACHE_HOME: cacheHome, KTRIAGE_PROFILE: '1' };
      timed(process.execPath, ktArgs(file), env); // fills the cache
      const warm = repeat(() => timed(process.execPath, ktArgs(file), env));
      const cr = err ? null : repeat(() => timed('crash', ['-s', '-i', cmds, VMLINUX, file]));
      const dr = err ? null : repeat(() => timed('drgn', ['-q', '-c', file, '-s', VMLINUX, drgnScript]));
      const f = (m: Run | null): string => (m ? `${s2(m.wallMs)} / ${mb(m.rssKb)}` : 'n/a');
      const both = (a: Run, b: Run | null): string => `${ratio(a.wallMs, b?.wallMs)}, ${ratio(a.rssKb, b?.rssKb)}`;
      rows.push(`| ${s} | ${f(cold)} | ${f(warm)} | ${f(cr)} | ${f(dr)} | ${both(cold, dr)} | ${both(warm, dr)} | ${both(cold, cr)} |`);
      phaseCols.push({ name: s, cold: cold.phases, warm: warm.phases, cold0: cold, warm0: warm });
    }
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
  // One table of phases: per dump, cold and warm cells of `ms / pages decoded (lookups) / KB read`.
  const cell = (ps: PhaseStat[] | null, name: string): string => {
    const p = ps?.find((x) => x.phase === name);
    return p ? `${p.ms.toFixed(0)} ms / ${p.pagesDecoded} (${p.pageGets}) p / ${(p.bytesRead / 1024).toFixed(0)} KB` : '-';
  };
  const ph = [
    `| phase | ${phaseCols.map((c) => `${c.name} cold | warm`).join(' | ')} |`,
    `|---|${phaseCols.map(() => '---|---').join('|')}|`,
    ...PHASES.map((n) => `| ${n} | ${phaseCols.map((c) => `${cell(c.cold, n)} | ${cell(c.warm, n)}`).join(' | ')} |`),
  ];
  const tot = (r: Run): string => {
    const ps = r.phases ?? [];
    const sum = (k: 'pagesDecoded' | 'pageGets' | 'bytesRead'): number => ps.reduce((t, p) => t + p[k], 0);
    return `${s2(r.wallMs)}, ${mb(r.rssKb)} peak, ${sum('pagesDecoded')} pages decoded (${sum('pageGets')} lookups), ${(sum('bytesRead') / 1048576).toFixed(1)} MB read`;
  };
  ph.push(`| total | ${phaseCols.map((c) => `${tot(c.cold0)} | ${tot(c.warm0)}`).join(' | ')} |`);
  const load1 = loadavg();
  return [
    `vmcore-full ${started} UTC: median of ${runs} runs; ktriage = ${mode === 'analyze' ? '`ktriage analyze VMCORE`' : 'bench/vmcore-job.ts (one process: analyze, then objects and every backtrace)'}; ` +
      `load average ${load0.map((v) => v.toFixed(2)).join(' ')} at start, ${load1.map((v) => v.toFixed(2)).join(' ')} at end${err ? `; ${err}` : ''}`,
    ...rows, '', 'ktriage phases (median run; pages decoded (page lookups), file bytes read):', ...ph,
  ].join('\n');
}
