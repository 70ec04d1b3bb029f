// bench/kb: `ktriage kb update` on the CVE snapshot (time, peak RSS, index size) against `tar xzf` of the same
// tarball in the same run (the least any reader of it must do), then what the index costs `analyze`: the lab
// console logs and a 10,000-event log, with and without the index (the whole command, which loads it, and
// in-process with the index loaded once), interleaved runs, medians; and the index's load time alone.
// Usage: npm run bench -- kb [--runs N]
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { repoRoot, sharedDir, measure, type Measurement } from './util.js';
import { analyze } from '../src/analyze.js';
import { loadIndex } from '../src/knowledge/cve/index-file.js';

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]!; };
const rss = (m: Measurement) => (m.maxRssKb == null ? 'n/a' : `${(m.maxRssKb / 1024).toFixed(0)} MB`);

export async function benchKb(args: string[]): Promise<string> {
  const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
  const shared = sharedDir();
  const tarball = join(shared, 'kb', 'kernel-cna-vulns-2026-06-01.tar.gz');
  if (!existsSync(tarball)) return `bench/kb: ${tarball} missing`;
  const bin = join(repoRoot(), 'dist', 'ktriage.mjs'); // the bundled CLI (package.json bin)
  const tmp = mkdtempSync(join(tmpdir(), 'ktriage-bench-kb-'));
  const out: string[] = [`bench/kb: ${runs} interleaved runs, medians (best in brackets); 2 CPUs, load average ${loadavg()[0]!.toFixed(1)} at start`];
  try {
    const kb = join(tmp, 'kb');
    const upd: Measurement[] = [];
    const tar: Measurement[] = [];
    for (let i = 0; i < runs; i++) {
      const x = join(tmp, `x${i}`);
      tar.push(measure('sh', ['-c', `mkdir -p ${x} && tar xzf ${tarball} -C ${x}`]));
      rmSync(x, { recursive: true, force: true });
      upd.push(measure(process.execPath, [bin, 'kb', 'update', '--from', tarball, '--kb', kb], { node: true }));
    }
    const size = statSync(join(kb, 'cve-index.jsonl')).size;
    const um = median(upd.map((m) => m.wallMs));
    const tm = median(tar.map((m) => m.wallMs));
    out.push(`kb update (${(statSync(tarball).size / 1e6).toFixed(1)} MB tarball, 12,024 records)`);
    out.push(`  ktriage kb update      ${um.toFixed(0).padStart(6)} ms [${Math.min(...upd.map((m) => m.wallMs)).toFixed(0)}]  peak RSS ${rss(upd[upd.length - 1]!)}  index ${(size / 1e6).toFixed(1)} MB`);
    out.push(`  tar xzf (reference)    ${tm.toFixed(0).padStart(6)} ms [${Math.min(...tar.map((m) => m.wallMs)).toFixed(0)}]  peak RSS ${rss(tar[tar.length - 1]!)}`);
    out.push(`  ratio kb update / tar xzf: ${(um / tm).toFixed(2)}x`);
    out.push(`  ${upd[upd.length - 1]!.stdout.trim().split('\n')[0]}`);

    // analyze with the index: whole command (start-up included) and in-process.
    const lab = join(shared, 'lab', 'out');
    const logs = existsSync(lab) ? readdirSync(lab).map((n) => join(lab, n, 'console.log')).filter(existsSync) : [join(repoRoot(), 'samples', 'oops-null-module.console.log')];
    out.push(`analyze on ${logs.length} lab console logs, with the index (--kb) and without (--no-kb)`);
    out.push('  log                               cli no-kb   cli kb   extra   in-process no-kb  loaded index  extra');
    const index = loadIndex(kb)!;
    for (const log of logs) {
      const a: number[] = [];
      const b: number[] = [];
      const ia: number[] = [];
      const ib: number[] = [];
      for (let i = 0; i < Math.max(5, runs); i++) {
        a.push(measure(process.execPath, [bin, 'analyze', '--json', '--no-kb', log]).wallMs);
        b.push(measure(process.execPath, [bin, 'analyze', '--json', '--kb', kb, log]).wallMs);
        let t = performance.now(); analyze([log]); ia.push(performance.now() - t);
        t = performance.now(); analyze([log], { kb: index }); ib.push(performance.now() - t);
      }
      const name = log.split('/').slice(-2, -1)[0] ?? log;
      out.push(`  ${name.padEnd(32)} ${median(a).toFixed(0).padStart(7)} ${median(b).toFixed(0).padStart(8)} ${(median(b) - median(a)).toFixed(0).padStart(7)}   ${median(ia).toFixed(1).padStart(14)} ${median(ib).toFixed(1).padStart(13)} ${(median(ib) - median(ia)).toFixed(1).padStart(6)}`);
    }
    // Index load alone (what every analyze with --kb pays once).
    const loads: number[] = [];
    for (let i = 0; i < 7; i++) { const t = performance.now(); loadIndex(kb); loads.push(performance.now() - t); }
    out.push(`  loading the index (lookup line): median ${median(loads).toFixed(1)} ms`);

    // A 10,000-event log: the lab logs repeated, time stamps moved on so that no report repeats.
    const base = logs.map((l) => readFileSync(l, 'latin1')).join('\n');
    const parts: string[] = [];
    let events = 0;
    for (let k = 0; events < 10000; k++) {
      parts.push(base.replace(/^\[\s*(\d+)\.(\d+)\]/gm, (_m, s: string, f: string) => `[${String(Number(s) + 10000 * (k + 1)).padStart(5)}.${f}]`));
      events += analyze([{ name: 'x', data: base }]).events.length;
    }
    const big = join(tmp, 'events-10k.log');
    writeFileSync(big, parts.join('\n'));
    const ea: number[] = [];
    const eb: number[] = [];
    let reads = 0;
    for (let i = 0; i < 3; i++) {
      let t = performance.now(); const r = analyze([big]); ea.push(performance.now() - t);
      const before = index.reads;
      t = performance.now(); analyze([big], { kb: index }); eb.push(performance.now() - t);
      reads = index.reads - before;
      if (i === 0) out.push(`10,000-event log (${(statSync(big).size / 1e6).toFixed(0)} MB, ${r.events.length + r.eventsOmitted.count} events)`);
    }
    out.push(`  analyze in-process: no index ${median(ea).toFixed(0)} ms, with the loaded index ${median(eb).toFixed(0)} ms (extra ${(median(eb) - median(ea)).toFixed(0)} ms); records read per run: ${reads}`);
    out.push(`load average ${loadavg()[0]!.toFixed(1)} at the end`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out.join('\n');
}
