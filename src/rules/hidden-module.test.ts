// hidden-module on hand-made dump facts (in the exact shape src/readers/vmcore/facts.ts gives them; the real
// rootkit vmcore is tested end to end in src/readers/vmcore/facts.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyDumpFacts, type DumpFacts } from '../model/types.js';
import { draftOfText, runRule } from './testkit.js';

const FILE = 'vmcore';
const ref = (object: string) => ({ file: FILE, startLine: 0, endLine: 0, object });

function draftWith(fill: (d: DumpFacts) => void) {
  const draft = draftOfText('hand-made.log', '[    1.000000] hello\n');
  const d = emptyDumpFacts();
  fill(d);
  return { ...draft, dump: d };
}

function listed(d: DumpFacts): void {
  d.loadedModules.push({ name: 'virtio', base: 'ffffffffc04ec000', size: 20480, taint: '', hidden: false, foundIn: ['modules', 'mod_tree'], module: 'ffffffffc04ee2c0', source: ref('modules, mod_tree: struct module ffffffffc04ee2c0') });
}

test('hidden-module: a module in mod_tree but not on the list, with the strings inside its memory only', () => {
  const draft = draftWith((d) => {
    listed(d);
    d.loadedModules.push({ name: 'evil', base: 'ffffffffc0500000', size: 8192, taint: 'OE', hidden: true, foundIn: ['mod_tree', 'vmap_area_list'], module: 'ffffffffc0501040', source: ref('mod_tree, vmap_area_list: struct module ffffffffc0501040') });
    const region = 'hidden module evil at ffffffffc0500000';
    d.strings.push(
      { address: 'ffffffffc0500100', text: 'hack_getdents64', source: ref(region) },
      { address: 'ffffffffc0500120', text: 'D$(H', source: ref(region) },
      { address: 'ffffffffc0502000', text: 'outside_the_module', source: ref('elsewhere') },
    );
  });
  const f = runRule('hidden-module', draft);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, 'critical');
  assert.equal(f[0]!.summary, 'Module hidden from the module list: evil at 0xffffffffc0500000 (8192 bytes, in mod_tree and vmap_area_list); strings in its memory: hack_getdents64. A module that unlinks itself from the list hides from lsmod and sysfs.');
  assert.deepEqual(f[0]!.data.modules, [{
    name: 'evil', base: 'ffffffffc0500000', size: 8192, foundIn: ['mod_tree', 'vmap_area_list'], module: 'ffffffffc0501040', taint: 'OE',
    strings: [{ address: 'ffffffffc0500100', text: 'hack_getdents64' }, { address: 'ffffffffc0500120', text: 'D$(H' }], words: ['hack_getdents64'],
  }]);
  assert.deepEqual(f[0]!.evidence, [
    { source: FILE, line: null, text: 'mod_tree, vmap_area_list: struct module ffffffffc0501040: module evil base ffffffffc0500000 size 8192: in mod_tree, vmap_area_list, not on the modules list' },
    { source: FILE, line: null, text: 'hidden module evil at ffffffffc0500000: ffffffffc0500100: hack_getdents64' },
  ]);
  // With a hidden module and its hook strings, rootkit-suspected has two signs.
  const rk = runRule('rootkit-suspected', draft);
  assert.deepEqual(rk[0]!.data.signs, ['hidden-module', 'rootkit-strings']);
});

test('hidden-module: nothing when every module is on the list, or without dump facts', () => {
  assert.deepEqual(runRule('hidden-module', draftWith(listed)), []);
  assert.deepEqual(runRule('hidden-module', draftOfText('hand-made.log', '[    1.000000] hello\n')), []);
});

test('hidden-module: a vmap area of load_module that no struct module claims is named by its address', () => {
  const draft = draftWith((d) => {
    d.loadedModules.push({ name: '(hidden module at ffffffffc0600000)', base: 'ffffffffc0600000', size: 12288, taint: null, hidden: true, foundIn: ['vmap_area_list'], module: null, source: ref('vmap_area_list: vmap area ffffffffc0600000 (allocated by move_module)') });
  });
  const f = runRule('hidden-module', draft);
  assert.equal(f[0]!.summary, 'Module hidden from the module list: (hidden module at ffffffffc0600000) at 0xffffffffc0600000 (12288 bytes, in vmap_area_list). A module that unlinks itself from the list hides from lsmod and sysfs.');
});
