// kallsyms read out of the lab dumps (no debug vmlinux) against what `crash` printed with the debug vmlinux
// on the same dump: every core-kernel frame of `bt`/`bt -a` (crash names the frame's address itself) must
// resolve to the name crash printed, and name → address must give the frame's symbol back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Dump } from './dump.js';
import { readKallsyms, formatSymbol, SymbolTable } from './kallsyms.js';
import { LAB, labPresent, unzstd } from './testkit.js';

const FRAME = /^\s*#\d+ \[[0-9a-f]+\] (\S+) at ([0-9a-f]{16})(?: \[(\S+)\])?$/;

const scenarios = labPresent ? readdirSync(LAB).filter((s) => existsSync(join(LAB, s, 'vmcore.zst')) && existsSync(join(LAB, s, 'crash-bt.txt'))) : [];

for (const s of scenarios) {
  test(`kallsyms (${s}): crash's bt frame names from the dump alone`, () => {
    const dump = new Dump(unzstd(join(LAB, s, 'vmcore.zst')));
    try {
      const r = readKallsyms(dump);
      assert.deepEqual(r.gaps, []);
      assert.equal(r.encoding, 'absolute-percpu'); // 6.1
      const t = r.table!;
      assert.equal(t.byName('_stext')[0]!.address, dump.vmcoreinfo.symbols.get('_stext'));
      let checked = 0;
      for (const f of ['crash-bt.txt', 'crash-bt-a.txt']) {
        const p = join(LAB, s, f);
        if (!existsSync(p)) continue;
        for (const line of readFileSync(p, 'utf8').split('\n')) {
          const m = FRAME.exec(line);
          if (!m || m[3]) continue; // module frames: module symbols are phase 2
          const hit = t.lookup(BigInt('0x' + m[2]!));
          assert.ok(hit, `${f}: ${line}`);
          assert.equal(hit.name, m[1], `${f}: ${line}`);
          assert.ok(t.byName(m[1]!).some((x) => x.address === hit.address));
          checked++;
        }
      }
      assert.ok(checked >= 5, `${checked} frames checked`);
    } finally {
      dump.close();
    }
  });
}

test('kallsyms: 94,266 symbols on the 6.1 lab kernel, percpu symbols small, current_task at 0x1fb80', { skip: scenarios.length ? false : 'needs the lab' }, () => {
  const dump = new Dump(unzstd(join(LAB, scenarios[0]!, 'vmcore.zst')));
  try {
    const t = readKallsyms(dump).table!;
    assert.equal(t.count, 94266);
    assert.equal(t.byName('current_task')[0]!.address, 0x1fb80n);
  } finally {
    dump.close();
  }
});

test('SymbolTable (hand-made): aliases give the first name, sizes from the next symbol, capped', () => {
  const t = new SymbolTable([
    { name: 'b_alias', type: 'T', address: 0x1000n },
    { name: 'a', type: 't', address: 0x1000n },
    { name: 'c', type: 'T', address: 0x1030n },
    { name: 'far', type: 'T', address: 0x1030n + (1n << 21n) },
  ]);
  assert.equal(formatSymbol(t.lookup(0x1011n)!), 'b_alias+0x11/0x30');
  assert.equal(t.lookup(0xfffn), null);
  assert.equal(t.lookup(0x1030n + (1n << 20n)), null); // past the cap: not inside c
  assert.equal(t.lookup(0x1040n)!.size, 1n << 20n);
  assert.equal(t.lookup(0x1030n + (1n << 21n) + 5n)!.size, null);
});
