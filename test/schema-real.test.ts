// Real pipeline output must follow the published JSON schema (docs/report.schema.json): every lab
// artifact (console log, vmcore-dmesg, crash session), the investigation inputs and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { analyze, type AnalyzeInput } from '../src/analyze.js';
import { render } from '../src/report/index.js';
import { REPORT_SCHEMA } from '../src/report/schema.js';
import { LAB_OUT, repoRoot } from './paths.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(REPORT_SCHEMA);

function check(name: string, inputs: AnalyzeInput[]): void {
  const json = JSON.parse(render(analyze(inputs), 'json'));
  assert.ok(validate(json), `${name}: ${ajv.errorsText(validate.errors)}`);
}

test('investigation inputs give schema-valid JSON', () => {
  const dir = join(repoRoot(), 'test', 'fixtures', 'investigations');
  const files = readdirSync(dir).filter((f) => !f.endsWith('.md'));
  assert.ok(files.length >= 4);
  for (const f of files) check(f, [join(dir, f)]);
});

test('bad input gives schema-valid JSON', () => {
  check('empty', [{ name: 'empty', data: Buffer.alloc(0) }]);
  check('garbage', [{ name: 'garbage', data: Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 0x1b, 0x5b, 0x32, 0x4a, 10]) }]);
  check('missing', [join(repoRoot(), 'does-not-exist.log')]);
});

const scenarios = existsSync(LAB_OUT) ? readdirSync(LAB_OUT).sort() : [];
for (const s of scenarios) {
  test(`lab ${s}: console, dmesg and crash session give schema-valid JSON`, () => {
    for (const f of ['console.log', 'dmesg.txt', 'crash-session.txt']) {
      const p = join(LAB_OUT, s, f);
      if (existsSync(p)) check(`${s}/${f}`, [p]);
    }
    check(`${s} merged`, [join(LAB_OUT, s, 'console.log'), join(LAB_OUT, s, 'crash-session.txt')]);
  });
}
