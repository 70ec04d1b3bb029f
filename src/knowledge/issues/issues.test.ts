import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../rules/testkit.js';
import { KNOWN_ISSUES } from './index.js';
import { EVENT_KINDS } from '../../model/types.js';

test('known-issue base: at least 17 entries, one data module per issue, all registered', () => {
  assert.ok(KNOWN_ISSUES.length >= 17);
  const files = readdirSync(join(ROOT, 'src', 'knowledge', 'issues')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
  assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), KNOWN_ISSUES.map((i) => i.id).sort());
});

test('known-issue base: every entry is specific, cited and well-formed', () => {
  const kinds = new Set<string>(EVENT_KINDS);
  for (const i of KNOWN_ISSUES) {
    const m = i.match;
    assert.ok(m.anyFunction || m.stack || m.header || m.structs, `${i.id}: needs a specific condition`);
    for (const k of m.kinds ?? []) assert.ok(kinds.has(k), `${i.id}: unknown kind ${k}`);
    if (m.header) assert.doesNotThrow(() => new RegExp(m.header!));
    assert.ok(i.references.length > 0, `${i.id}: no reference`);
    for (const r of i.references) {
      assert.ok(/^(https?:\/\/\S+|CVE-\d{4}-\d{4,})/.test(r), `${i.id}: reference ${r}`);
      // Upstream commits are cited by their full 40-hex id.
      const c = /[?&]id=([0-9a-f]+)/.exec(r);
      if (c) assert.equal(c[1]!.length, 40, `${i.id}: commit id ${c[1]}`);
    }
    for (const a of i.affected) assert.ok(a.line.length > 0);
  }
});
