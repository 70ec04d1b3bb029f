// `ktriage analyze VMCORE` reads the kernel log out of the dump itself (no debug vmlinux) and must reach the
// same diagnosis as the scenario's console log (issue 6). Lab dumps are zstd-wrapped: unwrapped to a temp dir.
// With the dump's own kernel objects (issue 14) it reaches truth.json's root cause even where the console
// alone cannot: the rootkit's hooked syscall table and hidden module are in memory, not in the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { unzstd } from '../src/readers/vmcore/testkit.js';
import { LAB_OUT, needShared } from './paths.js';

const DUMPS: [scenario: string, file: string][] = [
  ['sysrq-c', 'vmcore.zst'],
  ['oops-null-module', 'vmcore.zst'],
  ['softlockup-rcu-module', 'vmcore.zst'],
  ['rootkit-hidden-module', 'vmcore.zst'],
  ['stack-protector-module', 'vmcore'],
];

for (const [scenario, file] of DUMPS) {
  const src = join(LAB_OUT, scenario, file);
  test(`analyze ${scenario}/${file}: same crash and root cause as the console log`, { skip: needShared(src) }, () => {
    const dump = file.endsWith('.zst') ? unzstd(src) : src;
    const fromDump = analyze([dump]);
    const fromConsole = analyze([join(LAB_OUT, scenario, 'console.log')]);
    assert.equal(fromDump.kernel.release, '6.1.0-56-amd64');
    assert.ok(fromDump.sources[0]!.format.length > 0);
    assert.equal(fromDump.crash?.title, fromConsole.crash?.title);
    assert.equal(fromDump.crash?.kind, fromConsole.crash?.kind);
    assert.deepEqual(fromDump.crash?.task, fromConsole.crash?.task);
    const rc = (r: typeof fromDump) => r.diagnosis.rootCause && { kind: r.diagnosis.rootCause.kind, function: r.diagnosis.rootCause.function, module: r.diagnosis.rootCause.module };
    const truth = JSON.parse(readFileSync(join(LAB_OUT, scenario, 'truth.json'), 'utf8')).root_cause;
    assert.deepEqual(rc(fromDump), { kind: truth.kind, function: truth.function, module: truth.module });
    if (scenario === 'rootkit-hidden-module') assert.equal(rc(fromConsole)!.kind, 'stack-protector');
    else assert.deepEqual(rc(fromDump), rc(fromConsole));
    assert.ok(existsSync(dump));
  });
}
