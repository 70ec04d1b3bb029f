// kallsyms read out of the lab dumps (no debug vmlinux) against what `crash` printed with the debug vmlinux
// on the same dump: every core-kernel frame of `bt`/`bt -a` (crash names the frame's address itself) must
// resolve to the name crash printed, and name → address must give the frame's symbol back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Dump } from './dump.js';
import { readKallsyms, formatSymbol, SymbolTable, decodeAddresses } from './kallsyms.js';
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

test('kallsyms address decoding (hand-made kallsyms_offsets): the 32-bit-halves loop equals the BigInt formulas of kernel/kallsyms.c', () => {
  const vals = [0, 1, 0x1fb80, 0x7fffffff, -1, -2, -0x80000000, -0x12345678, 0x0fffffff];
  const offsets = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => offsets.writeInt32LE(v, i * 4));
  const M64 = (1n << 64n) - 1n;
  // Bases whose low word is near 2^32 so that the additions carry into the high word.
  for (const relBase of [0xffffffff81000000n, 0xffffffff8bbbdab0n, 0xfffffffffffff000n, 0x00000000fffffff0n]) {
    const abs = decodeAddresses('absolute-percpu', offsets, vals.length, relBase, 0n);
    assert.deepEqual([...abs.addr], vals.map((v) => (v >= 0 ? BigInt(v) : (relBase - 1n - BigInt(v)) & M64)));
    assert.deepEqual([...abs.absolute!], vals.map((v) => (v >= 0 ? 1 : 0)));
    const rel = decodeAddresses('base-relative', offsets, vals.length, relBase, 0n);
    assert.deepEqual([...rel.addr], vals.map((_, i) => (relBase + BigInt(offsets.readUInt32LE(i * 4))) & M64));
    const place = decodeAddresses('place-relative', offsets, vals.length, 0n, relBase);
    assert.deepEqual([...place.addr], vals.map((v, i) => (relBase + BigInt(i * 4) + BigInt(v)) & M64));
  }
});

test('SymbolTable (hand-made, unsorted as System.map may be): sorted lookups, byName in table order with repeats', () => {
  const t = new SymbolTable([
    { name: 'zeta', type: 't', address: 0x3000n },
    { name: 'dup', type: 't', address: 0x2000n },
    { name: 'alpha', type: 'T', address: 0x1000n },
    { name: 'dup', type: 'd', address: 0x1800n },
  ]);
  assert.equal(formatSymbol(t.lookup(0x1804n)!), 'dup+0x4/0x800');
  assert.equal(formatSymbol(t.lookup(0x2fffn)!), 'dup+0xfff/0x1000');
  assert.equal(t.lookup(0x3001n)!.name, 'zeta');
  assert.deepEqual(t.byName('dup'), [{ name: 'dup', type: 't', address: 0x2000n }, { name: 'dup', type: 'd', address: 0x1800n }]);
  assert.deepEqual(t.byName('nope'), []);
  assert.deepEqual(t.byName('alph'), []);
  // A caller changing what it got does not change the table.
  t.byName('dup').pop();
  assert.equal(t.byName('dup').length, 2);
});
