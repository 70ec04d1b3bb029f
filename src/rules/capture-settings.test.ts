import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { draftOf, fixture, LAB, runRule, SKIP_SHARED } from './testkit.js';
import type { Setting } from './capture-settings.js';

const names = (f: ReturnType<typeof runRule>) => (f[0]?.data.settings as Setting[] | undefined)?.map((s) => s.name) ?? [];

test('capture-settings: CentOS 6 dirpro (no panic, no kdump): every setting of the investigation', () => {
  const f = runRule('capture-settings', draftOf(fixture('investigations', 'centos6-dirpro-softlockup.messages')));
  assert.deepEqual(names(f), ['kernel.softlockup_panic', 'kernel.hung_task_panic', 'nmi_watchdog', 'kdump', 'kernel.panic']);
  assert.equal(f[0]!.data.kdumpLoaded, false);
});

test('capture-settings: lab soft lockup: hung_task_panic and kdump are evidently set (panic line, `Kdump: loaded`)', () => {
  const f = runRule('capture-settings', draftOf(fixture('logs', 'lab-softlockup-rcu-module.console.log')));
  assert.deepEqual(names(f), ['kernel.softlockup_panic', 'kernel.panic_on_rcu_stall', 'nmi_watchdog', 'kernel.panic']);
});

test('capture-settings: nothing to add when the hang already panicked into kdump (lab hung-task, lab oops)', () => {
  assert.deepEqual(runRule('capture-settings', draftOf(fixture('logs', 'lab-hung-task.console.log'))).length, 1);
  assert.deepEqual(names(runRule('capture-settings', draftOf(fixture('logs', 'lab-hung-task.console.log')))), ['nmi_watchdog']);
  assert.deepEqual(runRule('capture-settings', draftOf(fixture('logs', 'lab-oops-null-module.console.log'))), []);
});

test('capture-settings: no nmi_watchdog advice where the log says the NMI watchdog cannot run (lab consoles, read where they are)', { skip: SKIP_SHARED }, () => {
  // Both print `NMI watchdog: Perf NMI watchdog permanently disabled` (a VM without a perf NMI).
  assert.deepEqual(runRule('capture-settings', draftOf(join(LAB, 'hung-task', 'console.log'))), []);
  const d = draftOf(join(LAB, 'softlockup-rcu-module', 'console.log'));
  assert.deepEqual(names(runRule('capture-settings', d)), ['kernel.softlockup_panic', 'kernel.panic_on_rcu_stall', 'kernel.panic']);
  assert.match(d.kernel.nmiWatchdog!.evidence.text, /^NMI watchdog: Perf NMI watchdog permanently disabled$/);
  assert.ok(d.kernel.nmiWatchdog!.evidence.line! > 1);
});
