// `ktriage bt` on a lab dump through the CLI: crash's header line and first frames, --json, bad usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzstd } from '../src/readers/vmcore/testkit.js';
import { CLI, LAB_OUT, needShared } from './paths.js';

const src = join(LAB_OUT, 'sysrq-c', 'vmcore.zst');
test('ktriage bt: crash\'s PID line and frames from panic on; --json; unknown pid exits 1; bad usage exits 2', { skip: needShared(src) }, () => {
  const dump = unzstd(src);
  const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'bt', ...a], { encoding: 'utf8' });
  const crash = readFileSync(join(LAB_OUT, 'sysrq-c', 'crash-bt.txt'), 'utf8').split('\n');
  const r = run(dump);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], crash[0]);
  // From `panic` to the real do_syscall_64, crash's lines and ours are the same but for the frame number.
  const body = (l: string[]) => l.filter((x) => /^\s*#\d+ /.test(x)).map((x) => x.replace(/^\s*#\d+ /, ''));
  const ours = body(lines);
  const theirs = body(crash);
  const from = (l: string[]) => l.findIndex((x) => / panic at /.test(x));
  assert.deepEqual(ours.slice(from(ours), from(ours) + 8), theirs.slice(from(theirs), from(theirs) + 8));
  const j = JSON.parse(run('--json', dump).stdout);
  assert.equal(j.backtraces[0].pid, 110);
  assert.equal(j.backtraces[0].start, 'crash_kexec');
  assert.ok(j.backtraces[0].frames.some((f: { function: string }) => f.function === 'sysrq_handle_crash'));
  assert.equal(run('999999', dump).status, 1);
  assert.equal(run('x', 'y', 'z').status, 2);
  assert.equal(run().status, 2);
});
