// Next steps filled in from the report, for every kind in the lab (console logs read where they are) and
// the seed-style crash sessions of test/fixtures/investigations (hand-made in crash's exact formats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import { fixture, LAB, SKIP_SHARED } from '../rules/testkit.js';
import { debugInfo, distroOf } from './next-steps.js';

const steps = (r: ReturnType<typeof analyze>) => new Map(r.diagnosis.recommendations.filter((x) => x.commands?.length).map((x) => [x.id, x]));

/** Commands each kind must get, beyond `crash`, `sys` and `bt -FF PID`. */
const BY_KIND: Record<string, RegExp[]> = {
  'hung-task': [/^foreach UN bt$/, /^bt -f 112\b/, /^struct mutex\.owner /],
  'soft-lockup': [/^bt -a$/, /^runq$/],
  // The lab's list entry is a module's static item: its words, not a slab object.
  'list-corruption': [/^rd ffffffffc0239000 4 /],
  oom: [/^kmem -i$/],
  rootkit: [/^sys -c$/, /^sym ffffffffc04f2116$/, /^rd -a ffffffffc04f2116 64$/],
};

test('lab: every kind gets next steps with this crash\'s pid, addresses and debug package', { skip: SKIP_SHARED }, () => {
  for (const s of readdirSync(LAB).filter((x) => !x.startsWith('.')).sort()) {
    const truth = JSON.parse(readFileSync(join(LAB, s, 'truth.json'), 'utf8')) as { root_cause: { kind: string; function: string | null; module: string | null }; events: { task: { pid: number } }[] };
    const inputs = [join(LAB, s, 'console.log'), ...(s === 'rootkit-hidden-module' ? [join(LAB, s, 'crash-session.txt')] : [])];
    const r = analyze(inputs);
    const st = steps(r);
    const crash = st.get('next-crash');
    assert.ok(crash, s);
    assert.equal(crash.commands![0], '/usr/lib/debug/boot/vmlinux-6.1.0-56-amd64'.replace(/^/, 'crash ') + ' /var/crash/*/dump.*', s);
    assert.match(crash.text, /linux-image-6\.1\.0-56-amd64-dbg/, s);
    const pid = truth.events[0]!.task.pid;
    assert.ok(crash.commands!.includes(`bt -FF ${pid}`), `${s}: ${crash.commands!.join(' ; ')}`);
    for (const re of BY_KIND[truth.root_cause.kind] ?? []) assert.ok(crash.commands!.some((c) => re.test(c)), `${s}: ${re} in ${crash.commands!.join(' ; ')}`);
    assert.ok(crash.because.length > 0, s);
    const fn = truth.root_cause.function;
    const mod = truth.root_cause.module;
    if (fn && mod) {
      const src = st.get('next-source');
      assert.ok(src?.commands!.some((c) => c.startsWith(`./scripts/faddr2line $(modinfo -n ${mod}) ${fn}+0x`)), `${s}: ${src?.commands}`);
      const vendor = st.get('next-vendor');
      assert.deepEqual(vendor?.commands!.slice(0, 2), [`modinfo ${mod}`, `dpkg -S $(modinfo -n ${mod})`], s);
    }
    // No vmcore among the inputs: ktriage says it can read one.
    assert.match(st.get('next-ktriage')!.commands![0]!, /^ktriage analyze .*console\.log.* \/var\/crash\/\*\/dump\.\*$/, s);
  }
});

test('seed-style crash sessions: RHEL paths, kernel-debuginfo, the panic task and the hooked code', () => {
  for (const [f, pid] of [['rhel7-stack-protector.crash.txt', 18472], ['centos8-nfqueue.crash.txt', 2214], ['rootkit-fleet.crash.txt', 3151]] as const) {
    const r = analyze([fixture('investigations', f)]);
    const crash = steps(r).get('next-crash')!;
    assert.match(crash.commands![0]!, /^crash \/usr\/lib\/debug\/lib\/modules\/[^ ]+\.el[78][^ ]*\/vmlinux \/var\/crash\/\*\/vmcore$/, f);
    assert.ok(crash.commands!.includes(`bt -FF ${pid}`), `${f}: ${crash.commands!.join(' ; ')}`);
    assert.match(crash.text, /kernel-debuginfo-/, f);
    // Where the panic task stopped (the rootkit's panic address is in hidden code: `sym` instead).
    if (f !== 'rootkit-fleet.crash.txt') assert.ok(crash.commands!.some((c) => /^dis -rl [0-9a-f]{16}$/.test(c)), f);
  }
  const rk = steps(analyze([fixture('investigations', 'rootkit-fleet.crash.txt')])).get('next-crash')!;
  assert.ok(rk.commands!.includes('sys -c'));
  assert.ok(rk.because.includes('syscall-table-hooked'));
  const dirpro = steps(analyze([fixture('investigations', 'centos6-dirpro-softlockup.messages')]));
  assert.deepEqual(dirpro.get('next-vendor')!.commands!.slice(0, 2), ['modinfo dirpro', 'rpm -qf $(modinfo -n dirpro)']);
});

test('distributions and their debug packages', () => {
  assert.equal(distroOf('6.1.0-56-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2'), 'debian');
  assert.equal(distroOf('5.15.0-91-generic', '#101-Ubuntu SMP'), 'ubuntu');
  assert.equal(distroOf('4.18.0-305.3.1.el8_4.x86_64', null), 'rhel');
  assert.equal(distroOf('5.14.21-150500.55.19-default', null), 'suse');
  assert.equal(debugInfo('5.15.0-91-generic', null).pkg, 'linux-image-unsigned-5.15.0-91-generic-dbgsym');
  assert.equal(debugInfo('3.10.0-862.el7.x86_64', null).vmlinux, '/usr/lib/debug/lib/modules/3.10.0-862.el7.x86_64/vmlinux');
});

test('a hostile release or module name never becomes a command to paste', () => {
  const log = [
    '[    0.000000] Linux version 6.1.0-$(touch${IFS}x) (x@y) #1 SMP',
    '[   14.514713] BUG: kernel NULL pointer dereference, address: 0000000000000008',
    '[   14.514800] CPU: 1 PID: 111 Comm: sessiond Tainted: G           OE      6.1.0 #1',
    '[   14.514900] RIP: 0010:ktl_null_process+0x11/0x30 [ktl_null]',
    '[   14.515000] Call Trace:',
    '[   14.515100]  <TASK>',
    '[   14.515200]  ktl_proc_write+0xbd/0xd9 [ktl_null]',
    '[   14.515300]  </TASK>',
    '[   14.515400] Modules linked in: ktl_null(OE)',
  ].join('\n'); // hand-made, in the kernel's printk format
  const r = analyze([{ name: 'hostile.log', data: `${log}\n` }]);
  const all = r.diagnosis.recommendations.flatMap((x) => x.commands ?? []);
  assert.ok(all.length > 0);
  for (const c of all) assert.doesNotMatch(c, /touch|\$\{IFS\}/, c);
  assert.ok(all.some((c) => c.includes('<RELEASE>')));
});
