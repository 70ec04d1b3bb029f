import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOf, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('list-corruption: LIST_POISON1 in ktl_item_release [ktl_list]', () => {
  const f = runRule('list-corruption', lab('list-corruption'));
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.data.function, f[0]!.data.module], ['ktl_item_release', 'ktl_list']);
  assert.match(f[0]!.summary, /already deleted/);
});
