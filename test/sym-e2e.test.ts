// `ktriage sym` on a lab dump: the first frame of crash's `bt` (debug vmlinux) by address and by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzstd } from '../src/readers/vmcore/testkit.js';
import { CLI, LAB_OUT, needShared } from './paths.js';

const src = join(LAB_OUT, 'sysrq-c', 'vmcore.zst');
test('ktriage sym: a bt frame address gives crash\'s name, the name gives its address; --json; unknown names exit 1', { skip: needShared(src) }, () => {
  const dump = unzstd(src);
  const m = /#0 \[[0-9a-f]+\] (\S+) at ([0-9a-f]{16})/.exec(readFileSync(join(LAB_OUT, 'sysrq-c', 'crash-bt.txt'), 'utf8'))!;
  const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'sym', ...a, dump], { encoding: 'utf8' });
  const byAddr = run(m[2]!);
  assert.equal(byAddr.status, 0);
  assert.match(byAddr.stdout, new RegExp(`^${m[2]} \\(T\\) ${m[1]}\\+0x[0-9a-f]+/0x[0-9a-f]+\\n$`));
  const byName = run(m[1]!);
  const addr = BigInt('0x' + byName.stdout.split(' ')[0]);
  const off = BigInt('0x' + /\+0x([0-9a-f]+)/.exec(byAddr.stdout)![1]);
  assert.equal(addr + off, BigInt('0x' + m[2]));
  const j = JSON.parse(run('--json', m[2]!).stdout);
  assert.equal(j.encoding, 'absolute-percpu');
  assert.equal(j.symbols[0].name, m[1]);
  assert.equal(run('no_such_symbol_here').status, 1);
});
