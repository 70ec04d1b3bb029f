// --system-map / --kallsyms files. The files are derived in the test from the lab dump's own kallsyms
// (marked so): a System.map in scripts/mksysmap's `%016lx %c %s` shape with link-time addresses (the dump's
// kernel-half addresses minus VMCOREINFO's KERNELOFFSET; percpu symbols unmoved), and a /proc/kallsyms copy
// with run-time addresses and module lines. Lookups through them must equal the dump's own table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dump } from './dump.js';
import { readKallsyms, formatSymbol, type SymbolTable, type KernelSymbol } from './kallsyms.js';
import { parseSymbolFile, readCoreSymbols, relocate, symbolsFromFile } from './symbol-files.js';
import { LAB, labPresent, tempDir } from './testkit.js';

const SP = join(LAB, 'stack-protector-module', 'vmcore');
const skip = labPresent && existsSync(SP) ? false : `lab not found at ${LAB}: skipped`;
const HALF = 0xffff800000000000n;

let cached: { dump: Dump; table: SymbolTable } | null = null;
function lab(): { dump: Dump; table: SymbolTable } {
  if (!cached) {
    const dump = new Dump(SP);
    cached = { dump, table: readKallsyms(dump).table! };
    process.on('exit', () => dump.close());
  }
  return cached;
}

function lines(syms: KernelSymbol[], shift: bigint, extra = ''): string {
  return syms.map((s) => `${(s.address >= HALF ? s.address - shift : s.address).toString(16).padStart(16, '0')} ${s.type} ${s.name}\n`).join('') + extra;
}

/** Every 97th symbol plus the interesting ones: lookups of their addresses (and +0x10) and of their names. */
function sameLookups(a: SymbolTable, b: SymbolTable): number {
  let n = 0;
  for (let i = 0; i < a.count; i += 97) {
    const s = a.symbolAt(i);
    for (const addr of [s.address, s.address + 0x10n]) {
      const x = a.lookup(addr);
      const y = b.lookup(addr);
      assert.equal(y && formatSymbol(y), x && formatSymbol(x), `${s.name} at ${addr.toString(16)}`);
    }
    assert.deepEqual(b.byName(s.name).map((z) => z.address), a.byName(s.name).map((z) => z.address), s.name);
    n++;
  }
  return n;
}

test('lab System.map (derived from the dump): relocated by SYMBOL(_stext), lookups equal the dump kallsyms', { skip }, () => {
  const { dump, table } = lab();
  const off = dump.vmcoreinfo.kernelOffset!;
  assert.equal(off, 0xda00000n);
  const f = join(tempDir(), 'System.map');
  writeFileSync(f, lines(table.all(), off));
  const r = symbolsFromFile(f, 'system-map', dump.vmcoreinfo);
  assert.deepEqual(r.gaps, []);
  assert.equal(r.shift, off);
  assert.equal(r.how, "SYMBOL(_stext) - the file's _stext");
  assert.equal(r.table!.count, 94266);
  assert.ok(sameLookups(table, r.table!) > 900);
  assert.equal(r.table!.byName('current_task')[0]!.address, 0x1fb80n); // percpu: not moved
  assert.equal(r.table!.byName('_stext')[0]!.address, dump.vmcoreinfo.symbols.get('_stext'));
  // The same map through readCoreSymbols, as the verbs call it.
  const c = readCoreSymbols(dump, { systemMap: f });
  assert.equal(c.source, 'system-map');
  assert.equal(c.table!.byName('init_task')[0]!.address, table.byName('init_task')[0]!.address);
});

test('lab System.map without _stext: KERNELOFFSET moves it', { skip }, () => {
  const { dump, table } = lab();
  const p = parseSymbolFile(lines(table.all().filter((s) => s.name !== '_stext'), dump.vmcoreinfo.kernelOffset!));
  const r = relocate(p, 'System.map', 'system-map', dump.vmcoreinfo);
  assert.equal(r.how, 'KERNELOFFSET');
  assert.deepEqual(r.gaps, []);
  assert.equal(r.table!.byName('init_task')[0]!.address, table.byName('init_task')[0]!.address);
  // Neither _stext nor KERNELOFFSET: used as they are, with a gap saying so.
  const r2 = relocate(p, 'System.map', 'system-map', { symbols: new Map(), kernelOffset: null });
  assert.equal(r2.shift, 0n);
  assert.match(r2.gaps[0]!.what, /no _stext to relocate by and no KERNELOFFSET/);
});

test('lab System.map of another build: _stext and KERNELOFFSET disagree, named', { skip }, () => {
  const { dump, table } = lab();
  const p = parseSymbolFile(lines(table.all(), dump.vmcoreinfo.kernelOffset! + 0x200000n));
  const r = relocate(p, 'System.map', 'system-map', dump.vmcoreinfo);
  assert.match(r.gaps[0]!.what, /KERNELOFFSET=da00000 is not SYMBOL\(_stext\): a map of another build/);
});

test('lab /proc/kallsyms copy (derived): run-time addresses, module lines skipped; a zeroed copy is refused', { skip }, () => {
  const { dump, table } = lab();
  const f = join(tempDir(), 'kallsyms');
  writeFileSync(f, lines(table.all(), 0n, 'ffffffffc04f2000 t hidden_fn\t[ktl_rootkit]\nffffffffc04f2100 T other\t[ktl_rootkit]\n'));
  const r = symbolsFromFile(f, 'kallsyms', dump.vmcoreinfo);
  assert.deepEqual(r.gaps, []);
  assert.equal(r.shift, 0n);
  assert.equal(r.table!.count, 94266);
  assert.equal(r.table!.byName('hidden_fn').length, 0);
  assert.ok(sameLookups(table, r.table!) > 900);
  const z = join(tempDir(), 'kallsyms-zero');
  writeFileSync(z, table.all().slice(0, 500).map((s) => `0000000000000000 ${s.type} ${s.name}\n`).join(''));
  const rz = symbolsFromFile(z, 'kallsyms', dump.vmcoreinfo);
  assert.equal(rz.table, null);
  assert.match(rz.gaps[0]!.what, /every address is 0 .*copy it as root/);
});

test('symbol files (hand-made): bad lines, not a symbol file, missing file', () => {
  const vi = { symbols: new Map([['_stext', 0xffffffff81000000n]]), kernelOffset: null };
  const p = parseSymbolFile('ffffffff81000000 T _stext\r\nffffffff81000010 t foo\ngarbage here\n\nffffffff81000020 W bar [mod]\n0000000000001000 A percpu_x\n');
  assert.deepEqual(p.symbols.map((s) => s.name), ['_stext', 'foo', 'percpu_x']);
  assert.equal(p.badLines, 1);
  assert.equal(p.firstBad, 3);
  assert.equal(p.moduleLines, 1);
  const r = relocate(p, 'x', 'kallsyms', vi);
  assert.match(r.gaps[0]!.what, /1 line\(s\) skipped \(first at line 3\)/);
  const notMap = relocate(parseSymbolFile('hello world\n'.repeat(50)), 'x', 'system-map', vi);
  assert.equal(notMap.table, null);
  assert.match(notMap.gaps[0]!.what, /no symbol lines/);
  const mixed = relocate(parseSymbolFile('ffffffff81000000 T _stext\n' + 'not a line\n'.repeat(20)), 'x', 'system-map', vi);
  assert.match(mixed.gaps[0]!.what, /20 lines are not ADDRESS TYPE NAME/);
  const missing = symbolsFromFile(join(tempDir(), 'no-such-System.map'), 'system-map', vi);
  assert.equal(missing.table, null);
  assert.match(missing.gaps[0]!.what, /^System\.map: ENOENT/);
});
