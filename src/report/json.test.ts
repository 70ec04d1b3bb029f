import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { renderJson, safeJsonStringify } from './json.js';
import { REPORT_SCHEMA, schemaJson } from './schema.js';
import { render } from './index.js';
import { sampleReport } from '../../test/fixtures/reports/softlockup-rcu-module.js';
import { hostileReport, ATTACKS } from '../../test/fixtures/reports/hostile.js';
import { repoRoot } from '../../test/paths.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(REPORT_SCHEMA);
const errors = () => ajv.errorsText(validate.errors);

test('docs/report.schema.json is the schema the code uses', () => {
  assert.equal(readFileSync(join(repoRoot(), 'docs', 'report.schema.json'), 'utf8'), schemaJson());
});

test('the sample and hostile reports, rendered as JSON, validate against the schema', () => {
  for (const r of [sampleReport(), hostileReport()]) {
    for (const pretty of [true, false]) {
      const j = JSON.parse(renderJson(r, { pretty }));
      assert.ok(validate(j), errors());
    }
  }
});

test('broken reports do not validate', () => {
  const cases: [string, (j: any) => void][] = [
    ['missing diagnosis', (j) => delete j.diagnosis],
    ['unknown kind', (j) => { j.crash.kind = 'explosion'; }],
    ['string pid', (j) => { j.crash.task.pid = '112'; }],
    ['confidence', (j) => { j.diagnosis.rootCause.confidence = 'certain'; }],
    ['consequence without rule', (j) => delete j.diagnosis.consequences[0].rule],
    ['consequence event without task', (j) => delete j.diagnosis.consequences[0].event.task],
    ['extra top-level field', (j) => { j.extra = 1; }],
    ['wrong schema version', (j) => { j.schemaVersion = '0.9'; }],
    ['kernel.taint not an object', (j) => { j.kernel.taint = 'G OE'; }],
    ['frame reliable as string', (j) => { j.events[0].frames[0].reliable = 'yes'; }],
  ];
  for (const [name, breakIt] of cases) {
    const j = JSON.parse(renderJson(sampleReport()));
    breakIt(j);
    assert.equal(validate(j), false, name);
  }
});

test('the JSON is the report object itself, with the documented fields', () => {
  const r = sampleReport();
  const j = JSON.parse(render(r, 'json'));
  assert.deepEqual(j, JSON.parse(JSON.stringify(r)));
  assert.deepEqual(j.kernel.taint.raw, 'G           OE');
  assert.deepEqual(
    { release: j.kernel.release, version: j.kernel.version, hostname: j.kernel.hostname },
    { release: '6.1.0-56-amd64', version: 'Debian 6.1.192-2', hostname: null },
  );
  assert.deepEqual(j.crash, { index: 0, title: 'INFO: rcu detected stall in ktl_filter_lookup', kind: 'rcu-stall', type: 'HANG', corrupted: false, task: { pid: 112, comm: 'pktfilterd' }, cpu: 1 });
  const rc = j.diagnosis.rootCause;
  assert.deepEqual([rc.kind, rc.function, rc.module, rc.confidence], ['soft-lockup', 'ktl_filter_lookup', 'ktl_spinrcu', 'high']);
  assert.deepEqual(j.diagnosis.consequences.map((c: any) => [c.event.kind, c.event.task.comm, c.event.task.pid, c.event.time.uptime, c.rule]), [
    ['rcu-stall', 'pktfilterd', 112, 38.91172, 'lockup-blocks-rcu'],
    ['hung-task', 'ruleupdate', 114, 83.380012, 'hung-task'],
  ]);
});

test('key order is stable: schema order whatever order the object was built in', () => {
  const r = sampleReport();
  const shuffled = JSON.parse(JSON.stringify(r), function (this: unknown, _k, v) {
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).reverse());
    return v;
  });
  // free-form maps (registers, details, finding data) keep their own order: put the originals back
  shuffled.events.forEach((e: any, i: number) => { e.registers = r.events[i]!.registers; e.details = r.events[i]!.details; });
  shuffled.diagnosis.findings.forEach((f: any, i: number) => { f.data = r.diagnosis.findings[i]!.data; });
  shuffled.incidents.forEach((inc: any, j: number) => {
    inc.events.forEach((e: any, i: number) => { e.registers = r.incidents[j]!.events[i]!.registers; e.details = r.incidents[j]!.events[i]!.details; });
    inc.diagnosis.findings.forEach((f: any, i: number) => { f.data = r.incidents[j]!.diagnosis.findings[i]!.data; });
  });
  const a = renderJson(r);
  assert.equal(renderJson(shuffled), a);
  assert.deepEqual(Object.keys(JSON.parse(a)).slice(0, 5), ['schemaVersion', 'tool', 'sources', 'kernel', 'modules']);
  assert.deepEqual(Object.keys(JSON.parse(a).crash), ['index', 'title', 'kind', 'type', 'corrupted', 'task', 'cpu']);
  // free-form maps keep their own order (registers as printed)
  assert.deepEqual(Object.keys(JSON.parse(a).events[0].registers).slice(0, 3), ['RSP', 'EFLAGS', 'RAX']);
  assert.equal(renderJson(r, { pretty: false }).split('\n').length, 2);
});

test('hostile strings: escaped for every consumer, and read back exactly', () => {
  const r = hostileReport();
  const text = renderJson(r);
  // no raw control, format (bidi, zero-width, tag), separator or surrogate code point: only \u escapes
  assert.doesNotMatch(text.replace(/\n/g, ''), /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
  assert.ok(text.includes('\\u202e'));
  assert.ok(text.includes('\\u2028'));
  assert.ok(text.includes('\\u0000'));
  assert.ok(text.includes('\\ud800'));
  assert.ok(text.includes('\\u009b'));
  assert.ok(text.includes('\\udb40\\udc41'));
  const back = JSON.parse(text);
  assert.equal(back.kernel.release, `6.1.0${ATTACKS.csi}`);
  assert.equal(back.modules[1].name, ATTACKS.bidi);
  assert.equal(back.events[0].task.comm, ATTACKS.osc8);
  assert.equal(back.kernel.hardware.length, 10 * 1024);
});

test('safeJsonStringify never loops on cycles beyond the depth limit and keeps bigint as text', () => {
  assert.equal(safeJsonStringify({ a: 1n }), '{"a":"1"}');
  const r = sampleReport();
  const deep: Record<string, unknown> = {};
  let cur = deep;
  for (let i = 0; i < 1000; i++) { const n = {}; cur.x = n; cur = n as Record<string, unknown>; }
  r.diagnosis.findings[0]!.data = deep;
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  r.diagnosis.findings[1]!.data = cyc;
  const j = JSON.parse(renderJson(r));
  assert.ok(validate(j), errors());
});
