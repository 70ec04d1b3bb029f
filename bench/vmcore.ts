// bench/vmcore: `ktriage dmesg` against `makedumpfile --dump-dmesg` in one run on the same dumps:
// the lab's dumps (lzo/zlib kdump, filtered ELF, QEMU ELF) and two large ones built here from the lab's
// stack-protector memory image: a 16 GiB sparse ELF (QEMU's segments at their physical addresses, the
// rest a hole) and a kdump file whose bitmaps describe 16 GiB (the same stored pages, zlib).
// Prints wall ms (median of runs, with Node's start-up, and net of a bare `node -e 0`), the ratio to
// makedumpfile, pages and bytes read, and peak RSS. Usage: npm run bench -- vmcore [--runs N]
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { measure, repoRoot, sharedDir, type Measurement } from './util.js';
import { readVmcore } from '../src/readers/vmcore/index.js';
import { CachedFile } from '../src/readers/vmcore/file.js';
import { parseElfCore } from '../src/readers/vmcore/elf.js';
import { hasCommand, readKdumpPages, tempDir, unzstd, writeKdump } from '../src/readers/vmcore/testkit.js';

const GiB = 1024 ** 3;

interface Case {
  name: string;
  file: string;
  oracle: Buffer | null;
}

function median(ms: number[]): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function summary(all: Measurement[]): { wallMs: number; minMs: number; rssKb: number | null; last: Measurement } {
  const rss = all.map((m) => m.maxRssKb).filter((v): v is number => v !== null);
  const ms = all.map((m) => m.wallMs);
  return { wallMs: median(ms), minMs: Math.min(...ms), rssKb: rss.length ? Math.max(...rss) : null, last: all[all.length - 1]! };
}

// Peak RSS comes from GNU time (/usr/bin/time) for every command, Node included: a Node process's own
// getrusage() maxrss would include the bench process it was forked from (Linux keeps the high-water
// mark across exec), so the preloaded hook of util.ts is not used here.
function timed(cmd: string, args: string[]): Measurement {
  return measure(cmd, args);
}

/** A sparse ELF core of `total` bytes of RAM: the source's PT_LOADs copied at their physical addresses. */
function sparseElf(src: string, dst: string, total: number): void {
  const f = new CachedFile(src);
  const core = parseElfCore(f);
  const notes = Buffer.concat(core.notes.map((n) => f.read(n.offset, n.size)));
  const top = core.loads.reduce((m, s) => Math.max(m, s.paddr + s.memsz), 0);
  const loads = [...core.loads.map((s) => ({ paddr: s.paddr, size: s.filesz, src: s.offset })), { paddr: top, size: total - top, src: -1 }];
  const phoff = 64;
  const noteOff = phoff + (loads.length + 1) * 56;
  let off = Math.ceil((noteOff + notes.length) / 4096) * 4096;
  const fd = openSync(dst, 'w');
  const eh = Buffer.alloc(64);
  eh.write('\x7fELF', 0, 'latin1');
  eh[4] = 2;
  eh[5] = 1;
  eh[6] = 1;
  eh.writeUInt16LE(4, 16);
  eh.writeUInt16LE(62, 18);
  eh.writeUInt32LE(1, 20);
  eh.writeBigUInt64LE(BigInt(phoff), 32);
  eh.writeUInt16LE(64, 52);
  eh.writeUInt16LE(56, 54);
  eh.writeUInt16LE(loads.length + 1, 56);
  writeSync(fd, eh, 0, 64, 0);
  const ph = Buffer.alloc((loads.length + 1) * 56);
  ph.writeUInt32LE(4, 0);
  ph.writeBigUInt64LE(BigInt(noteOff), 8);
  ph.writeBigUInt64LE(BigInt(notes.length), 32);
  ph.writeBigUInt64LE(BigInt(notes.length), 40);
  writeSync(fd, notes, 0, notes.length, noteOff);
  const chunk = Buffer.alloc(8 << 20);
  loads.forEach((l, i) => {
    const o = (i + 1) * 56;
    ph.writeUInt32LE(1, o);
    ph.writeUInt32LE(7, o + 4);
    ph.writeBigUInt64LE(BigInt(off), o + 8);
    ph.writeBigUInt64LE(BigInt(l.paddr), o + 24);
    ph.writeBigUInt64LE(BigInt(l.size), o + 32);
    ph.writeBigUInt64LE(BigInt(l.size), o + 40);
    ph.writeBigUInt64LE(4096n, o + 48);
    if (l.src >= 0) {
      const sfd = openSync(src, 'r');
      for (let done = 0; done < l.size; ) {
        const n = readSync(sfd, chunk, 0, Math.min(chunk.length, l.size - done), l.src + done);
        if (n <= 0) break;
        writeSync(fd, chunk, 0, n, off + done);
        done += n;
      }
      closeSync(sfd);
    }
    off += l.size;
  });
  writeSync(fd, ph, 0, ph.length, phoff);
  ftruncateSync(fd, off);
  closeSync(fd);
  f.close();
}

export async function benchVmcore(args: string[]): Promise<string> {
  const ri = args.indexOf('--runs');
  const nRuns = ri >= 0 ? Math.max(1, Number(args[ri + 1]) || 5) : 5;
  const lab = join(sharedDir(), 'lab', 'out');
  if (!existsSync(lab)) return `bench/vmcore: the lab (${lab}) is missing: nothing to measure`;
  const cli = join(repoRoot(), 'dist', 'ktriage.mjs'); // the bundled CLI (package.json bin)
  const directCli = join(repoRoot(), 'dist', 'src', 'cli', 'dmesg.js');
  const haveMdf = hasCommand('makedumpfile');
  const cases: Case[] = [];
  const oracle = (s: string): Buffer => readFileSync(join(lab, s, 'dmesg.txt'));
  for (const s of ['sysrq-c', 'oops-null-module', 'rootkit-hidden-module', 'softlockup-rcu-module']) {
    const z = join(lab, s, 'vmcore.zst');
    if (existsSync(z)) cases.push({ name: `${s} (kdump lzo)`, file: unzstd(z), oracle: oracle(s) });
  }
  const sp = join(lab, 'stack-protector-module');
  let qemuElf: string | null = null;
  if (existsSync(join(sp, 'vmcore'))) cases.push({ name: 'stack-protector (kdump zlib)', file: join(sp, 'vmcore'), oracle: oracle('stack-protector-module') });
  if (existsSync(join(sp, 'vmcore.elf.zst'))) cases.push({ name: 'stack-protector (ELF -E)', file: unzstd(join(sp, 'vmcore.elf.zst')), oracle: oracle('stack-protector-module') });
  if (existsSync(join(sp, 'vmcore-qemu.elf.zst'))) {
    qemuElf = unzstd(join(sp, 'vmcore-qemu.elf.zst'), true);
    cases.push({ name: 'stack-protector (QEMU ELF)', file: qemuElf, oracle: oracle('stack-protector-module') });
  }
  const large: Case[] = [];
  if (qemuElf) {
    const f = join(tempDir(), 'large-16g.elf');
    sparseElf(qemuElf, f, 16 * GiB);
    large.push({ name: '16 GiB sparse ELF', file: f, oracle: oracle('stack-protector-module') });
  }
  if (existsSync(join(sp, 'vmcore'))) {
    const { spec, excluded } = readKdumpPages(join(sp, 'vmcore'));
    const f = join(tempDir(), 'large-16g.kdump');
    writeKdump(f, { ...spec, excluded, maxPfn: (16 * GiB) / 4096, codec: 'zlib' });
    large.push({ name: '16 GiB kdump (zlib)', file: f, oracle: oracle('stack-protector-module') });
  }

  const lines: string[] = [];
  const node0Cmd = (): Measurement => timed(process.execPath, ['-e', '0']);
  const load0 = loadavg()[0]!;
  // The machine may be shared: each case interleaves its runs with `node -e 0` and makedumpfile runs, so
  // that "net" compares processes started under the same load.
  const node0All: number[] = [];
  lines.push(`bench/vmcore: median of ${nRuns} interleaved runs (best in brackets); ${cpus().length} CPUs, load average ${load0.toFixed(1)} at start`);
  lines.push(`makedumpfile: ${haveMdf ? spawnSync('makedumpfile', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] : 'not installed (apt-get install makedumpfile)'}`);
  lines.push('');
  lines.push(`${'dump'.padEnd(34)} ${'size'.padStart(9)} ${'node0'.padStart(9)} ${'kt ms'.padStart(9)} ${'net ms'.padStart(8)} ${'direct'.padStart(9)} ${'d.net'.padStart(8)} ${'mdf ms'.padStart(7)} ${'net/mdf'.padStart(8)} ${'d.n/mdf'.padStart(8)} ${'pages'.padStart(6)} ${'read'.padStart(8)} ${'kt RSS'.padStart(7)} ${'mdf RSS'.padStart(8)}  same`);
  const goals: string[] = [];
  for (const c of [...cases, ...large]) {
    const size = statSync(c.file).size;
    const out = join(tempDir(), 'mdf-dmesg.txt');
    const all = { node0: [] as Measurement[], kt: [] as Measurement[], direct: [] as Measurement[], mdf: [] as Measurement[] };
    for (let i = 0; i < nRuns; i++) {
      all.node0.push(node0Cmd());
      all.kt.push(timed(process.execPath, [cli, 'dmesg', c.file]));
      all.direct.push(timed(process.execPath, [directCli, c.file]));
      if (haveMdf) {
        rmSync(out, { force: true }); // makedumpfile refuses to overwrite its output file
        all.mdf.push(timed('makedumpfile', ['--dump-dmesg', c.file, out]));
      }
    }
    const node0 = summary(all.node0);
    node0All.push(...all.node0.map((m) => m.wallMs));
    const kt = summary(all.kt);
    const direct = summary(all.direct);
    const same = kt.last.status === 0 && c.oracle ? kt.last.stdout === c.oracle.toString('latin1') : null;
    let mdf: { wallMs: number; rssKb: number | null } | null = null;
    let mdfSame: boolean | null = null;
    if (haveMdf) {
      const m = summary(all.mdf);
      if (m.last.status === 0 && existsSync(out)) {
        mdf = m;
        mdfSame = c.oracle ? readFileSync(out).equals(c.oracle) : null;
      }
    }
    const st = readVmcore(c.file).stats;
    const net = Math.max(0, kt.wallMs - node0.wallMs);
    const netBest = Math.max(0, kt.minMs - node0.minMs);
    const dNet = Math.max(0, direct.wallMs - node0.wallMs);
    const dNetBest = Math.max(0, direct.minMs - node0.minMs);
    const dRatio = mdf ? dNet / Math.max(0.001, mdf.wallMs) : null;
    const ratio = mdf ? net / Math.max(0.001, mdf.wallMs) : null;
    const mb = (kb: number | null): string => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)}M`);
    const sz = size >= GiB ? `${(size / GiB).toFixed(1)}G` : `${(size / 2 ** 20).toFixed(1)}M`;
    lines.push(
      `${c.name.padEnd(34)} ${sz.padStart(9)} ${(node0.wallMs.toFixed(0) + `[${node0.minMs.toFixed(0)}]`).padStart(9)} ${(kt.wallMs.toFixed(0) + `[${kt.minMs.toFixed(0)}]`).padStart(9)} ${(net.toFixed(0) + `[${netBest.toFixed(0)}]`).padStart(8)} ${(direct.wallMs.toFixed(0) + `[${direct.minMs.toFixed(0)}]`).padStart(9)} ${(dNet.toFixed(0) + `[${dNetBest.toFixed(0)}]`).padStart(8)} ${(mdf ? mdf.wallMs.toFixed(1) : haveMdf ? 'fails' : 'n/a').padStart(7)} ${(ratio === null ? '-' : ratio.toFixed(1) + 'x').padStart(8)} ${(dRatio === null ? '-' : dRatio.toFixed(1) + 'x').padStart(8)} ${String(st.pagesRead).padStart(6)} ${((st.bytesRead / 2 ** 20).toFixed(1) + 'M').padStart(8)} ${mb(kt.rssKb).padStart(7)} ${mb(mdf?.rssKb ?? null).padStart(8)}  ${same ? 'yes' : 'NO'}${mdfSame === false ? ' (mdf differs)' : ''}`,
    );
    if (cases.includes(c) && kt.minMs > 150) goals.push(`${c.name}: best ${kt.minMs.toFixed(0)} ms > 150 ms with start-up (direct ${direct.minMs.toFixed(0)} ms)`);
    if (large.includes(c) && ratio !== null && ratio > 2) goals.push(`${c.name}: ${ratio.toFixed(1)}x makedumpfile net of start-up (goal 2x)`);
    if (!same) goals.push(`${c.name}: output differs from dmesg.txt`);
  }
  lines.push('');
  lines.push(`node -e 0 over all runs: median ${median(node0All).toFixed(0)} ms, best ${Math.min(...node0All).toFixed(0)} ms; load average ${loadavg()[0]!.toFixed(1)} at the end`);
  lines.push('columns: node0 = node -e 0 in the same rounds, kt = node dist/ktriage.mjs dmesg (the bundled CLI) (wall with start-up), net = kt minus node0 (medians; best minus best in brackets), direct = node dist/src/cli/dmesg.js (the same command without the rest of the CLI loaded), mdf = makedumpfile --dump-dmesg, pages/read = pages decoded and file bytes read by ktriage (in-process), peak RSS (GNU time)');
  lines.push(goals.length ? `goals missed: ${goals.join('; ')}` : 'goals met: <= 150 ms on the lab dumps with start-up, <= 2x makedumpfile net on the large dumps, same output');
  const text = lines.join('\n');
  const dir = join(repoRoot(), 'bench', 'out');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vmcore.txt'), text + '\n');
  return text;
}
