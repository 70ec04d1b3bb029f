import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, MAX_DETAILED_EVENTS } from './analyze.js';
import { repoRoot } from '../test/paths.js';

// Hand-made input: a flood of WARNING reports in the format of the 6.1 kernel's __warn() (as in the lab
// logs), then the lab oops (test/fixtures/logs/lab-oops-null-module.console.log) moved to 100 s, then the
// panic line 6.1's oops_end() prints (format of the lab's panic lines and their end marker).
function ts(t: number): string {
  return `[${t.toFixed(6).padStart(12)}]`;
}

function floodThenOops(warnings: number, panicLine: boolean): string {
  const out: string[] = [];
  for (let k = 0; k < warnings; k++) {
    const t = ts(10 + k / 100);
    out.push(`${t} ------------[ cut here ]------------`, `${t} WARNING: CPU: 0 PID: 1 at net/core/dev.c:${k} dev_watchdog+0x1/0x2`,
      `${t} Modules linked in: e1000`, `${t} CPU: 0 PID: 1 Comm: swapper Not tainted 6.1.0 #1`, `${t} RIP: 0010:dev_watchdog+0x1/0x2`,
      `${t} ---[ end trace 0000000000000000 ]---`);
  }
  const lab = readFileSync(join(repoRoot(), 'test', 'fixtures', 'logs', 'lab-oops-null-module.console.log'), 'latin1').split('\n');
  const from = lab.findIndex((l) => l.includes('BUG: kernel NULL'));
  const to = lab.findIndex((l, i) => i > from && l.includes('Linux version'));
  out.push(...lab.slice(from, to).map((l) => l.replace(/^\[\s*\d+\.\d+\]/, ts(100))));
  if (panicLine) {
    out.push(`${ts(100.5)} Kernel panic - not syncing: Fatal exception`,
      `${ts(100.5)} Kernel Offset: 0xda00000 from 0xffffffff81000000 (relocation range: 0xffffffff80000000-0xffffffffbfffffff)`,
      `${ts(100.5)} ---[ end Kernel panic - not syncing: Fatal exception ]---`);
  } else {
    out.push(...lab.slice(to).filter((l) => l !== '')); // the capture kernel boots: oops=panic, no panic line
  }
  return out.join('\n') + '\n';
}

for (const panicLine of [true, false]) {
  test(`past ${MAX_DETAILED_EVENTS} warnings, the fatal oops ${panicLine ? 'and its panic line' : '(kdump, no panic line)'} is the root cause`, () => {
    const r = analyze([{ name: 'flood.log', data: Buffer.from(floodThenOops(1200, panicLine), 'latin1') }]);
    assert.equal(r.events.length, MAX_DETAILED_EVENTS + 1);
    const ev = r.events.at(-1)!;
    assert.equal(ev.kind, 'null-deref');
    assert.equal(ev.panicked, true);
    assert.equal(ev.source.startLine, 1200 * 6 + 1);
    assert.deepEqual(r.panic, panicLine
      ? { message: 'Kernel panic - not syncing: Fatal exception', task: { pid: null, comm: null }, cpu: null }
      : { message: null, task: { pid: 111, comm: 'sessiond' }, cpu: 1 });
    assert.equal(r.eventsOmitted.count, 200);
    assert.equal(r.crash?.kind, 'warning', 'the primary crash is still the first event (DECISIONS.md 1)');
    const rc = r.diagnosis.rootCause;
    assert.deepEqual(rc && { kind: rc.kind, function: rc.function, module: rc.module }, { kind: 'null-deref', function: 'ktl_null_process', module: 'ktl_null' });
    assert.equal(rc?.event?.index, ev.index);
  });
}

// ---- A dump read alone stands on its own (issue 15 item 5): the lab's kdump file, read where it is ----

const LAB_KDUMP = join(repoRoot(), '..', 'shared', 'lab', 'out', 'stack-protector-module', 'vmcore');
const SKIP_SHARED_DUMP = existsSync(LAB_KDUMP) ? false : 'the lab dump (../shared) is missing';

test('a vmcore alone: dump facts filled, evidence cites the line of `ktriage dmesg` it rests on', { skip: SKIP_SHARED_DUMP }, async () => {
  const { readVmcore } = await import('./readers/vmcore/index.js');
  const { renderText } = await import('./report/index.js');
  const r = analyze([LAB_KDUMP]);
  const v = r.dump?.vmcore;
  assert.ok(v);
  assert.equal(v.format, 'kdump');
  assert.equal(v.release, '6.1.0-56-amd64');
  assert.match(v.buildId ?? '', /^[0-9a-f]{40}$/);
  assert.equal(v.panicCpu, 0);
  assert.match(v.registers.RIP ?? v.registers.rip ?? '', /^[0-9a-f]{16}$/);
  assert.equal(v.truncation, null);
  assert.ok((v.logRecords ?? 0) > 100);
  assert.equal(r.diagnosis.rootCause?.function, 'ktl_parse_header');
  const log = readVmcore(LAB_KDUMP).log.split('\n');
  const evs = r.diagnosis.findings.flatMap((f) => f.evidence).filter((e) => e.line !== null);
  assert.ok(evs.length > 0);
  for (const e of evs) {
    assert.equal(e.source, `${LAB_KDUMP} (ktriage dmesg)`);
    assert.ok(log[e.line! - 1]!.includes(e.text.replace(/…$/, '')), `${e.line}: ${e.text}`);
  }
  assert.match(renderText(r), /^ {2}Panic CPU {4}0 \(.*\), RIP [0-9a-f]{16}$/m);
});

test('a truncated vmcore names its truncation and is never "no crash found"; taint unknown, not "not tainted"', { skip: SKIP_SHARED_DUMP }, async () => {
  const { renderText, renderJson } = await import('./report/index.js');
  const { mkdtempSync, rmSync, openSync, readSync, closeSync, writeFileSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'kt-trunc-'));
  try {
    const n = Math.floor(statSync(LAB_KDUMP).size / 2);
    const buf = Buffer.alloc(n);
    const fd = openSync(LAB_KDUMP, 'r');
    try { readSync(fd, buf, 0, n, 0); } finally { closeSync(fd); }
    const cut = join(dir, 'vmcore');
    writeFileSync(cut, buf);
    const r = analyze([cut]);
    assert.match(r.gaps[0]!.what, /^file ends at 8\.1 MB of 16\.2 MB: [\d,]+ of [\d,]+ dumped pages missing$/);
    assert.equal(r.dump?.vmcore?.truncation?.fileBytes, n);
    assert.equal(r.diagnosis.rootCause, null);
    const text = renderText(r);
    assert.match(text, /^VERDICT: a crash whose report could not be read: root cause unknown$/m);
    assert.doesNotMatch(text, /no crash found|not tainted/);
    assert.match(text, /^ {2}Taint {8}unknown/m);
    assert.match(text, /^ {2}Truncated {4}the file ends at 8\.1 MB of 16\.2 MB/m);
    assert.ok(JSON.parse(renderJson(r)).dump.vmcore.truncation.pagesMissing > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
