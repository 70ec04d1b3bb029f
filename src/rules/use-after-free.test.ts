import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_SHARED, draftOf, draftOfCorpus, fixture, runRule } from './testkit.js';

const lab = (s: string) => draftOf(fixture('logs', `lab-${s}.console.log`));

test('use-after-free: silent on the lab list-corruption log', () => {
  assert.deepEqual(runRule('use-after-free', lab('list-corruption')), []);
});

test('use-after-free: syzkaller corpus 130 (KASAN use-after-free Read in aead_recvmsg)', { skip: SKIP_SHARED }, () => {
  const f = runRule('use-after-free', draftOfCorpus('130')!);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.data.function, 'aead_recvmsg');
});
