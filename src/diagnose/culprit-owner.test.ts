// The culprit of code no symbol names: the module whose memory holds the address by the dump facts (base,
// size; a module hidden from the module list too), and the crash-path module set counting the dump's own
// stack frames in a module's memory. Hand-made inputs: a 6.1 stack-protector console report in the kernel's
// exact format (addresses and names made up), with hand-made dump facts as the vmcore reader returns them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { draftOfText } from '../rules/testkit.js';
import { diagnose } from './index.js';
import { crashPathModules } from '../analysis/modules.js';
import { isHiddenModule, moduleHolding } from '../analysis/dump.js';
import { emptyDumpFacts, type Backtrace, type DumpFacts, type Frame } from '../model/types.js';
import type { Draft } from '../analysis/evidence.js';

const LOG = [
  '[   42.000001] acme_x: loading out-of-tree module taints kernel.',
  '[   42.000002] acme_x: module verification failed: signature and/or required key missing - tainting kernel',
  '[   42.500000] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: 0xffffffffc0a01116',
  '[   42.500001] CPU: 1 PID: 777 Comm: acme_worker Kdump: loaded Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2',
  '[   42.500002] Call Trace:',
  '[   42.500003]  <TASK>',
  '[   42.500004]  dump_stack_lvl+0x44/0x5c',
  '[   42.500005]  panic+0x118/0x2f4',
  '[   42.500006]  __stack_chk_fail+0x10/0x10',
  '[   42.500007]  0xffffffffc0a01116',
  '[   42.500008]  0xffffffffc0a01300',
  '[   42.500009]  kthread+0xda/0x100',
  '[   42.500010]  ret_from_fork+0x22/0x30',
  '[   42.500011]  </TASK>',
].join('\n') + '\n';

const SRC = { file: 'hand-made.vmcore', startLine: 0, endLine: 0 };

function frame(fn: string | null, address: string, reliable = true): Frame {
  return { function: fn, offset: null, size: null, module: null, address, reliable, context: 'task', raw: fn ?? address };
}

/** Dump facts as the vmcore reader gives them: the panic task's stack and one module, listed or hidden. */
function facts(hidden: boolean, stackFrames: Frame[]): DumpFacts {
  const bt: Backtrace = { pid: 777, task: 'ffff8db05ff48000', cpu: 1, comm: 'acme_worker', frames: stackFrames, exceptions: [], source: SRC };
  return {
    ...emptyDumpFacts(),
    backtraces: [bt],
    loadedModules: [
      { name: 'ext4', base: 'ffffffffc0800000', size: 0x9000, source: SRC, taint: '', hidden: false, foundIn: ['modules'] },
      { name: 'acme_x', base: 'ffffffffc0a01000', size: 16384, source: SRC, taint: 'OE', hidden, foundIn: hidden ? ['mod_tree', 'vmap_area_list'] : ['modules', 'mod_tree'] },
    ],
  };
}

const STACK = [frame('__stack_chk_fail', 'ffffffff8b448700'), frame(null, 'ffffffffc0a01116'), frame(null, 'ffffffffc0a01300'), frame('kthread', 'ffffffff8ab0e2da')];

function draftWith(f: DumpFacts | null): Draft {
  const d = draftOfText('hand-made-stack-protector.dmesg', LOG);
  return { ...d, dump: f };
}

test('culprit (hand-made facts): a bare stack-protector address in a hidden module names that module, marked hidden', () => {
  const draft = draftWith(facts(true, STACK));
  assert.deepEqual(moduleHolding(draft, 'ffffffffc0a01116'), { name: 'acme_x', hidden: true });
  assert.equal(moduleHolding(draft, 'ffffffffc0a05000'), null); // one past base + size
  assert.equal(isHiddenModule(draft, 'acme_x'), true);
  assert.equal(isHiddenModule(draft, 'ext4'), false);
  assert.deepEqual(crashPathModules(draft).all, ['acme_x']);
  const d = diagnose(draft);
  const c = d.culprit!;
  assert.deepEqual([c.function, c.module, c.moduleFlags, c.thirdParty, c.frame?.address, c.frame?.module, c.frame?.raw],
    [null, 'acme_x', 'OE', true, 'ffffffffc0a01116', 'acme_x', '0xffffffffc0a01116']);
  const tp = d.findings.find((f) => f.id === 'third-party-module')!;
  assert.equal(tp.summary, 'Third-party module acme_x (OE) has code on the crash path: the first suspect');
  assert.equal(tp.data.onStack, true);
  const sp = d.findings.find((f) => f.id === 'stack-protector')!;
  assert.equal(sp.summary, 'Stack corruption detected by the stack protector in 0xffffffffc0a01116, in the memory of module acme_x, hidden from the module list (no symbol names it)');
  // No vendor to contact for code that hid itself from the module list.
  assert.ok(!d.recommendations.some((r) => r.id === 'next-vendor' || r.id === 'module-acme_x'), d.recommendations.map((r) => r.id).join());
});

test('culprit (hand-made facts): a listed module owning the bare address is named, not marked hidden; vendor steps kept', () => {
  const draft = draftWith(facts(false, STACK));
  assert.deepEqual(moduleHolding(draft, 'ffffffffc0a01300'), { name: 'acme_x', hidden: false });
  const d = diagnose(draft);
  assert.deepEqual([d.culprit!.function, d.culprit!.module, d.culprit!.thirdParty], [null, 'acme_x', true]);
  assert.equal(d.findings.find((f) => f.id === 'stack-protector')!.summary,
    'Stack corruption detected by the stack protector in 0xffffffffc0a01116, in the memory of module acme_x (no symbol names it)');
  assert.ok(d.recommendations.some((r) => r.id === 'next-vendor'));
});

test('culprit (hand-made): without dump facts, or with guessed frames only, no module is named from memory', () => {
  const none = diagnose(draftWith(null));
  assert.equal(none.culprit!.module, null);
  assert.match(none.findings.find((f) => f.id === 'stack-protector')!.summary, /, an address no symbol owns$/);
  // `?` frames in the dump's stack are guesses: they put no module on the crash path.
  const guessed = draftWith(facts(true, STACK.map((f) => ({ ...f, reliable: f.function !== null }))));
  assert.deepEqual(crashPathModules(guessed).all, []);
});
