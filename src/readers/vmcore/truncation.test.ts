// A dump cut short (a copy that stopped, a full disk) names its truncation: lab dumps read where they are,
// cut into a temporary file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, readSync, closeSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readVmcore } from './index.js';
import { tempDir, unzstd } from './testkit.js';
import { LAB, SKIP_SHARED } from '../../rules/testkit.js';

function cut(src: string, fraction: number, name: string): string {
  const size = statSync(src).size;
  const n = Math.floor(size * fraction);
  const buf = Buffer.alloc(n);
  const fd = openSync(src, 'r');
  try { readSync(fd, buf, 0, n, 0); } finally { closeSync(fd); }
  const out = join(tempDir(), name);
  writeFileSync(out, buf);
  return out;
}

const KDUMP = join(LAB, 'stack-protector-module', 'vmcore');
const ELF = join(LAB, 'stack-protector-module', 'vmcore.elf.zst');

test('kdump cut short: the gap says where the file ends, of how much, and how many pages are missing', { skip: SKIP_SHARED || (!existsSync(KDUMP) && 'no lab kdump') }, () => {
  const whole = readVmcore(KDUMP);
  assert.equal(whole.truncation, null);
  const size = statSync(KDUMP).size;
  const half = readVmcore(cut(KDUMP, 0.5, 'half.kdump'));
  assert.ok(half.truncation);
  assert.equal(half.truncation.expectedBytes, size, 'the last page ends where the whole file ends');
  assert.equal(half.truncation.fileBytes, Math.floor(size * 0.5));
  const four = readVmcore(cut(KDUMP, 0.8, 'four-fifths.kdump'));
  assert.ok(four.truncation);
  assert.equal(four.truncation.pagesTotal, half.truncation.pagesTotal);
  assert.ok(four.truncation.pagesMissing > 0 && four.truncation.pagesMissing < half.truncation.pagesMissing);
  assert.match(half.gaps[0]!.what, /^file ends at \d+\.\d MB of \d+\.\d MB: [\d,]+ of [\d,]+ dumped pages missing$/);
});

test('ELF core cut short: segment bytes past the end are counted as missing pages', { skip: SKIP_SHARED || (!existsSync(ELF) && 'no lab ELF dump') }, () => {
  const elf = unzstd(ELF);
  assert.equal(readVmcore(elf).truncation, null);
  const r = readVmcore(cut(elf, 0.9, 'cut.elf'));
  assert.ok(r.truncation);
  assert.equal(r.truncation.expectedBytes, statSync(elf).size);
  assert.equal(r.truncation.pagesMissing, Math.ceil((statSync(elf).size - Math.floor(statSync(elf).size * 0.9)) / 4096));
  assert.match(r.gaps[0]!.what, /^file ends at .* dumped pages missing$/);
});
