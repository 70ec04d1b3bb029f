// End to end over the lab: each scenario's console log (and its vmcore-dmesg) through `analyze()` must give
// the events, panic, taint and root cause of its hand-written truth.json (../shared/lab/out/*/truth.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { LAB_OUT, needShared } from './paths.js';

interface Truth {
  events: { kind: string; line: string; task: { comm: string; pid: number }; cpu: number | null }[];
  panic: { message: string | null; task: { comm: string; pid: number }; cpu: number | null };
  root_cause: { kind: string; function: string | null; module: string | null };
  findings?: string[];
  tainted: string | null;
}

const scenarios = existsSync(LAB_OUT) ? readdirSync(LAB_OUT).filter((s) => existsSync(join(LAB_OUT, s, 'truth.json'))).sort() : [];

test('lab scenarios are present', { skip: needShared(LAB_OUT) }, () => {
  assert.equal(scenarios.length, 9);
});

for (const s of scenarios) {
  const truth = JSON.parse(readFileSync(join(LAB_OUT, s, 'truth.json'), 'utf8')) as Truth;
  for (const file of ['console.log', 'dmesg.txt']) {
    test(`lab ${s}/${file}: events, panic, taint`, () => {
      const r = analyze([join(LAB_OUT, s, file)]);
      const firstBoot = r.events.filter((e) => e.boot === 0);
      assert.deepEqual(
        firstBoot.map((e) => ({ kind: e.kind, line: e.header, task: e.task, cpu: e.cpu })),
        truth.events.map((e) => ({ kind: e.kind, line: e.line, task: { pid: e.task.pid, comm: e.task.comm }, cpu: e.cpu })),
      );
      assert.deepEqual(r.panic, { message: truth.panic.message, task: { pid: truth.panic.task.pid, comm: truth.panic.task.comm }, cpu: truth.panic.cpu });
      assert.equal(r.kernel.taint?.raw.replace(/\s+/g, ' ') ?? null, truth.tainted);
      assert.equal(r.crash?.kind, truth.events[0]!.kind);
    });
    test(`lab ${s}/${file}: root cause`, () => {
      const r = analyze([join(LAB_OUT, s, file)]);
      const rc = r.diagnosis.rootCause;
      assert.ok(rc, 'a root cause');
      if (truth.root_cause.kind !== 'rootkit') {
        const want = truth.root_cause;
        assert.deepEqual({ kind: rc.kind, function: rc.function, module: rc.module }, { kind: want.kind, function: want.function, module: want.module });
      }
    });
  }
  // The rootkit is only visible with the crash session beside the console (DECISIONS.md 4).
  if (truth.root_cause.kind === 'rootkit') {
    test(`lab ${s}: console + crash session give the rootkit`, () => {
      const r = analyze([join(LAB_OUT, s, 'console.log'), join(LAB_OUT, s, 'crash-session.txt')]);
      const rc = r.diagnosis.rootCause;
      assert.equal(rc?.kind, 'rootkit');
      const ids = new Set(r.diagnosis.findings.map((f) => f.id));
      for (const id of truth.findings ?? []) assert.ok(ids.has(id), `finding ${id}`);
    });
  }
}
