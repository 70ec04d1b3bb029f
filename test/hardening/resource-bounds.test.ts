// Resource bounds (issue 5): the CLI on the worst inputs, under a V8 heap limit, with its peak RSS
// measured by bench/rss-hook.cjs (process.resourceUsage().maxRSS at exit) and its wall time. Budgets
// (docs/reliability.md): heap limit 256 MiB, peak RSS <= 400 MiB, and per input a wall-time budget;
// exit codes 0, 1 or 2 with at most one line on stderr besides the RSS line, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, repoRoot } from '../paths.js';
import { makeCorruptCorpus } from '../../scripts/make-corrupt-corpus.js';

const HEAP_MB = 256;
const RSS_BUDGET_KB = 400 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'ktriage-bounds-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Run { status: number | null; rssKb: number; ms: number; stderr: string; stdoutBytes: number }

function run(args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--require', join(repoRoot(), 'bench', 'rss-hook.cjs'), CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  const m = /KTRIAGE_MAXRSS_KB=(\d+)/.exec(r.stderr);
  return { status: r.status, rssKb: m ? Number(m[1]) : Infinity, ms, stderr: r.stderr.replace(/\n?KTRIAGE_MAXRSS_KB=\d+\n?/, '').trim(), stdoutBytes: r.stdout.length };
}

function within(r: Run, what: string, budgetMs: number): void {
  assert.ok(r.status === 0 || r.status === 1 || r.status === 2, `${what}: exit ${r.status}: ${r.stderr.slice(0, 500)}`);
  assert.ok(!/\n/.test(r.stderr), `${what}: more than one line on stderr: ${r.stderr.slice(0, 500)}`);
  assert.ok(r.rssKb <= RSS_BUDGET_KB, `${what}: peak RSS ${r.rssKb} KiB over ${RSS_BUDGET_KB}`);
  assert.ok(r.ms <= budgetMs, `${what}: ${r.ms.toFixed(0)} ms over ${budgetMs}`);
}

/** 10,000 distinct oopses: the lab's oops-null-module report (60 lines from its BUG line) with new time stamps. */
function manyOopses(): string {
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'logs', 'lab-oops-null-module.console.log'), 'latin1').split('\n');
  const at = lines.findIndex((l) => l.includes('BUG: kernel NULL pointer dereference'));
  const block = lines.slice(at, at + 60).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, '')).filter((l) => !l.includes('Kernel panic'));
  const f = join(dir, 'oops-10000.log');
  const fd = openSync(f, 'w');
  try {
    for (let k = 0; k < 10_000; k++) {
      const ts = `[${String(100 + k).padStart(5, ' ')}.000000]`;
      writeSync(fd, block.map((l) => ts + l).join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  return f;
}

test('10,000 oopses: analyze --json streams them within the memory budget', () => {
  const f = manyOopses();
  const r = run(['analyze', '--json', f]);
  // Measured 2.3 s (docs/reliability.md); the budget leaves room for a loaded CI machine.
  within(r, '10,000 oopses', 30_000);
  assert.ok(r.stdoutBytes > 0);
});

/** Writes `n` blocks made by `block(k)` to a file of the temp dir. */
function writeBlocks(name: string, n: number, block: (k: number) => string): string {
  const f = join(dir, name);
  const fd = openSync(f, 'w');
  try {
    for (let k = 0; k < n; k++) writeSync(fd, block(k));
  } finally {
    closeSync(fd);
  }
  return f;
}

test('1,000 oopses spread over a 400 MB log: what is kept does not pin the chunks it was read from', () => {
  // Each kept line was a slice of a 4 MiB chunk: before ownCopy() this ran out of its 256 MiB heap.
  const lines = readFileSync(join(repoRoot(), 'test', 'fixtures', 'logs', 'lab-oops-null-module.console.log'), 'latin1').split('\n');
  const at = lines.findIndex((l) => l.includes('BUG: kernel NULL pointer dereference'));
  const oops = lines.slice(at, at + 60).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, '')).filter((l) => !l.includes('Kernel panic'));
  const f = writeBlocks('spread.log', 1000, (k) => {
    const ts = `[${String(100 + k).padStart(5, ' ')}.000000]`;
    const filler = `${ts} audit: type=1400 audit(0.0:1): apparmor="DENIED" operation="open" profile="x" name="/y" pid=1 comm="z"\n`;
    return oops.map((l) => ts + l).join('\n') + '\n' + filler.repeat(3300);
  });
  const r = run(['analyze', '--json', f]);
  within(r, 'spread oopses', 60_000);
  assert.equal(r.status, 0);
});

test('1,000 fat reports (400 MB of kept-looking lines): the memory budget keeps some and counts the rest', () => {
  const f = writeBlocks('fat.log', 1000, (k) => {
    const ts = `[${String(100 + k).padStart(5, ' ')}.000000]`;
    const out = [`${ts} BUG: kernel NULL pointer dereference, address: 0000000000000008`, `${ts} #PF: supervisor read access in kernel mode`, `${ts} Call Trace:`];
    for (let i = 0; i < 395; i++) out.push(`${ts}  f${k}_${i}${'x'.repeat(1000)}+0x1f/0x40 [mod${k}]`);
    return out.join('\n') + '\n';
  });
  for (const format of ['json', 'md', 'html', 'text']) {
    const r = run(['analyze', '--format', format, f]);
    within(r, `fat reports (${format})`, 60_000);
    assert.equal(r.status, 1, 'the memory budget is a named gap');
  }
  const small = run(['analyze', '--json', '--max-memory', '64M', f]);
  within(small, 'fat reports, --max-memory 64M', 60_000);
  assert.equal(small.status, 1);
});

test('a 10 MB line', () => {
  const f = join(dir, 'line-10mb.log');
  writeFileSync(f, '[    1.000000] BUG: ' + 'A'.repeat(10 << 20) + '\n[    1.000001] Kernel panic - not syncing: x\n');
  const r = run(['analyze', '--json', f]);
  within(r, '10 MB line', 20_000);
  assert.equal(r.status, 1, 'the cut line is a named gap');
});

const corpusDir = join(dir, 'corrupt');
const cases = makeCorruptCorpus(corpusDir, false);

test('a 2 TB sparse vmcore (kdump with a hole, ELF with a sparse segment): analyze and dmesg', () => {
  for (const c of cases.filter((x) => x.klass === 'sparse-2tb')) {
    within(run(['analyze', '--json', c.file]), `analyze ${c.name}`, 10_000);
    within(run(['dmesg', c.file]), `dmesg ${c.name}`, 10_000);
  }
});

test('every case of the corrupt corpus through the CLI (analyze, dmesg, info)', () => {
  for (const c of cases.filter((x) => x.klass !== 'sparse-2tb')) {
    const a = run(['analyze', '--json', c.file]);
    within(a, `analyze ${c.name}`, 10_000);
    // A damaged dump is never a clean analysis: exit 1 (gaps) or 2 (nothing read).
    // (An empty file is an empty log: nothing to report, exit 0.)
    if (c.expect !== 'ok' && c.name !== 'truncated-at-0') assert.notEqual(a.status, 0, `analyze ${c.name} exited 0`);
    within(run(['dmesg', c.file]), `dmesg ${c.name}`, 10_000);
    within(run(['info', c.file]), `info ${c.name}`, 10_000);
  }
});
