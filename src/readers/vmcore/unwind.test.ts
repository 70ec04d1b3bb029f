// The unwinder on hand-made stacks (words and code bytes written here, in the kernel's layouts): ORC CALL
// frames, frame pointers, the marked scan, and bad input (loops, wild pointers, missing pages) bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SYN_STACK, SYN_TEXT, syntheticUnwindEnv } from './testkit.js';
import { MAX_FRAMES, unwind } from './unwind.js';
import { decodeOrcEntry, orcVersionForRelease } from './orc.js';

/** Text with `call rel32` (e8) ending at each 64-byte function's offset 0x20: return addresses at +0x20. */
function text(): Buffer {
  const t = Buffer.alloc(0x1000, 0x90);
  for (let f = 0; f < 0x1000; f += 64) t[f + 0x1b] = 0xe8;
  return t;
}
const ret = (fn: number): bigint => SYN_TEXT + BigInt(fn * 64 + 0x20);

function orcTables(entries: { ip: bigint; sp: number; spReg: number; type: number }[]): { ipTable: Buffer; orc: Buffer } {
  const ipTable = Buffer.alloc(entries.length * 4);
  const orc = Buffer.alloc(entries.length * 6);
  entries.forEach((e, i) => {
    ipTable.writeInt32LE(Number(e.ip - (0xffffffff82000000n + BigInt(i * 4))), i * 4);
    orc.writeInt16LE(e.sp, i * 6);
    orc.writeUInt16LE(e.spReg | (e.type << 8), i * 6 + 4);
  });
  return { ipTable, orc };
}

test('ORC entry layouts by release: 6.1 v1 (end bit), 6.4+ v3 (3-bit type)', () => {
  assert.equal(orcVersionForRelease('6.1.0-56-amd64'), 1);
  assert.equal(orcVersionForRelease('6.3.2'), 2);
  assert.equal(orcVersionForRelease('6.8.0'), 3);
  assert.equal(orcVersionForRelease('garbage'), null);
  const b = Buffer.from([0x10, 0, 0xf0, 0xff, 0x45, 0x00]); // sp_reg SP (5), bp_reg BP (4), type CALL
  assert.deepEqual(decodeOrcEntry(b, 0, 1), { spOffset: 16, bpOffset: -16, spReg: 5, bpReg: 4, type: 'call', signal: false });
  assert.equal(decodeOrcEntry(Buffer.from([0, 0, 0, 0, 0x00, 0x04]), 0, 1).type, 'end'); // sp_reg UNDEFINED + end (orc.test.ts has the rest)
  assert.equal(decodeOrcEntry(Buffer.from([0, 0, 0, 0, 0x05, 0x02]), 0, 3).type, 'call');
  assert.equal(decodeOrcEntry(Buffer.from([0, 0, 0, 0, 0x05, 0x01]), 0, 3).type, 'end');
  assert.equal(decodeOrcEntry(Buffer.from([0, 0, 0, 0, 0x00, 0x00]), 0, 1).type, 'undefined');
});

test('ORC CALL frames: sp + sp_offset, return address below it, symbolised as ip-1; END stops', async () => {
  // fn_1 (start) has a 16-byte frame, fn_2 an 8-byte one, fn_3 is the end of the stack.
  const { ipTable, orc } = orcTables([
    { ip: SYN_TEXT + 64n, sp: 16, spReg: 5, type: 0 },
    { ip: SYN_TEXT + 128n, sp: 8, spReg: 5, type: 0 },
    { ip: SYN_TEXT + 192n, sp: 0, spReg: 0, type: 4 /* sp_reg UNDEFINED + end bit: end of stack */ },
    { ip: SYN_TEXT + 256n, sp: 0, spReg: 0, type: 0 },
  ]);
  const stack = Buffer.alloc(16384);
  stack.writeBigUInt64LE(ret(2), 8); // fn_1's frame: [sp+8] = return into fn_2
  stack.writeBigUInt64LE(ret(3), 16); // fn_2's frame: [sp+16] = return into fn_3
  const env = syntheticUnwindEnv({ stack, text: text(), ipTable, orc });
  const r = unwind(env, { ip: SYN_TEXT + 64n + 5n, sp: SYN_STACK, bp: 0n, signal: true });
  assert.deepEqual(r.frames.map((f) => [f.symbol.function, f.symbol.offset, f.slot - SYN_STACK, f.how]), [
    ['fn_1', 5, 0n, 'start'], ['fn_2', 0x20, 8n, 'orc'], ['fn_3', 0x20, 16n, 'orc'],
  ]);
  assert.equal(r.stopped, null);
});

test('no ORC: frame pointers, then a marked scan (`?` frames, reliable false) of words after a call', async () => {
  const stack = Buffer.alloc(16384);
  // bp chain: bp0 at 0x40 -> saved bp 0 (end), return into fn_5; then stale return addresses above.
  stack.writeBigUInt64LE(0n, 0x40);
  stack.writeBigUInt64LE(ret(5), 0x48);
  stack.writeBigUInt64LE(ret(7), 0x100);
  stack.writeBigUInt64LE(SYN_TEXT + 0x300n, 0x108); // a text address not after a call: not a frame
  const env = syntheticUnwindEnv({ stack, text: text() });
  const r = unwind(env, { ip: SYN_TEXT + 0x10n, sp: SYN_STACK, bp: SYN_STACK + 0x40n, signal: true });
  assert.deepEqual(r.frames.map((f) => [f.symbol.function, f.how, f.reliable]), [
    ['fn_0', 'start', true], ['fn_5', 'fp', true], ['fn_7', 'scan', false],
  ]);
  assert.match(r.stopped!, /no ORC data .*no frame pointer chain/);
});

test('bad stacks end bounded with a named reason: a return address to itself, a wild stack pointer, an unreadable stack', async () => {
  // A CALL entry with sp_offset 0 and the slot holding its own ip: the SP does not move (a loop).
  const { ipTable, orc } = orcTables([{ ip: SYN_TEXT, sp: 0, spReg: 5, type: 0 }]);
  const stack = Buffer.alloc(16384);
  for (let i = 0; i < 16384; i += 8) stack.writeBigUInt64LE(ret(1), i);
  const env = syntheticUnwindEnv({ stack, text: text(), ipTable, orc });
  const t0 = Date.now();
  const r = unwind(env, { ip: ret(1), sp: SYN_STACK + 8n, bp: 0n, signal: false });
  assert.ok(r.frames.length <= MAX_FRAMES);
  assert.match(r.stopped!, /went down|loops/);
  const wild = unwind(env, { ip: ret(1), sp: 0xdead000000000000n, bp: 0n, signal: false });
  assert.ok(wild.frames.length <= 1 && wild.stopped);
  const big = syntheticUnwindEnv({ stack: Buffer.alloc(0), text: text() });
  const none = unwind(big, { ip: SYN_TEXT, sp: SYN_STACK, bp: SYN_STACK, signal: true });
  assert.equal(none.frames.length, 1);
  assert.ok(none.stopped);
  // Every slot a return address after a call, no ORC: the scan is bounded by the frame limit.
  const all = syntheticUnwindEnv({ stack, text: text() });
  const s = unwind(all, { ip: SYN_TEXT, sp: SYN_STACK, bp: 0n, signal: true });
  assert.equal(s.frames.length, MAX_FRAMES);
  assert.ok(s.gaps.some((g) => /more than 128 frames/.test(g.what)));
  assert.ok(Date.now() - t0 < 2000);
});
