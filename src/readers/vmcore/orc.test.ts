// ORC entry layouts, one per format version, on hand-made entries written here in the exact binary layout of
// struct orc_entry (s16 sp_offset, s16 bp_offset, u16 of little-endian bitfields) as objtool emits them for
// each kernel range; and the .orc_header check (the 20-byte hash of scripts/orc_hash.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ORC_HEADER_HASHES, decodeOrcEntry, orcVersionForRelease, orcVersionFromHeader, orcVersionOf, type OrcVersion } from './orc.js';

/** One hand-made struct orc_entry: 6 bytes. */
function entry(sp: number, bp: number, bits: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeInt16LE(sp, 0);
  b.writeInt16LE(bp, 2);
  b.writeUInt16LE(bits, 4);
  return b;
}
const dec = (b: Buffer, v: OrcVersion) => {
  const e = decodeOrcEntry(b, 0, v);
  return [e.type, e.spReg, e.bpReg, e.spOffset, e.bpOffset, e.signal];
};

test('v1 (4.14-6.2): sp_reg:4 bp_reg:4 type:2 end:1; end read only with sp_reg UNDEFINED; REGS are signal frames', () => {
  // A function with a frame: CFA = sp+16, bp saved at CFA-16 (sp_reg SP 5, bp_reg PREV_SP 1, type CALL 0).
  assert.deepEqual(dec(entry(16, -16, 0x0015), 1), ['call', 5, 1, 16, -16, false]);
  // UNWIND_HINT_REGS in entry code: type REGS 1 at bits 8-9.
  assert.deepEqual(dec(entry(0, 0, 0x0105), 1), ['regs', 5, 0, 0, 0, true]);
  assert.deepEqual(dec(entry(8, 0, 0x0205), 1), ['regs-partial', 5, 0, 8, 0, true]);
  // UNWIND_HINT_EMPTY end=1 (end of a kernel thread's stack): sp_reg UNDEFINED, bit 10.
  assert.deepEqual(dec(entry(0, 0, 0x0400), 1), ['end', 0, 0, 0, 0, false]);
  // The null entry (sp_reg UNDEFINED, no end): a hole.
  assert.equal(dec(entry(0, 0, 0x0000), 1)[0], 'undefined');
  // end with a defined sp_reg is not looked at by the kernel: still a CALL frame.
  assert.equal(dec(entry(8, 0, 0x0405), 1)[0], 'call');
});

test('v2 (6.3): sp_reg:4 bp_reg:4 type:2 signal:1 end:1 (signal bit 10, end bit 11)', () => {
  assert.deepEqual(dec(entry(16, -16, 0x0015), 2), ['call', 5, 1, 16, -16, false]);
  // A CALL frame marked signal (bit 10): the ip is not a return address.
  assert.deepEqual(dec(entry(8, 0, 0x0405), 2), ['call', 5, 0, 8, 0, true]);
  assert.deepEqual(dec(entry(0, 0, 0x0505), 2), ['regs', 5, 0, 0, 0, true]);
  assert.deepEqual(dec(entry(0, 0, 0x0800), 2), ['end', 0, 0, 0, 0, false]);
  // Bit 10 alone with sp_reg UNDEFINED is the signal bit, not end: a hole (what the old reader got wrong).
  assert.equal(dec(entry(0, 0, 0x0400), 2)[0], 'undefined');
});

test('v3 (6.4+): sp_reg:4 bp_reg:4 type:3 signal:1; UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4', () => {
  assert.deepEqual(dec(entry(16, -16, 0x0215), 3), ['call', 5, 1, 16, -16, false]);
  assert.deepEqual(dec(entry(0, 0, 0x0b05), 3), ['regs', 5, 0, 0, 0, true]);
  assert.deepEqual(dec(entry(8, 0, 0x0c05), 3), ['regs-partial', 5, 0, 8, 0, true]);
  assert.deepEqual(dec(entry(0, 0, 0x0100), 3), ['end', 0, 0, 0, 0, false]);
  assert.equal(dec(entry(0, 0, 0x0000), 3)[0], 'undefined');
  // Types 5-7 do not exist.
  assert.equal(dec(entry(0, 0, 0x0705), 3)[0], 'undefined');
  // The same bits read as v1 would be a different frame: the version matters.
  assert.equal(dec(entry(16, -16, 0x0215), 1)[0], 'regs-partial');
});

test('layout by release when the kernel has no .orc_header', () => {
  assert.equal(orcVersionForRelease('6.1.0-56-amd64'), 1);
  assert.equal(orcVersionForRelease('6.2.16'), 1);
  assert.equal(orcVersionForRelease('6.3.2'), 2);
  assert.equal(orcVersionForRelease('6.4.0'), 3);
  assert.equal(orcVersionForRelease('7.1.0'), 3);
  assert.equal(orcVersionForRelease('garbage'), null);
});

/** scripts/orc_hash.sh: SHA-1 over orc_types.h's `#define ORC_(REG|TYPE)_` lines and struct orc_entry. */
function orcHash(header: string): string {
  const out: string[] = [];
  let p = false;
  for (const line of header.split('\n')) {
    if (/^#define ORC_(REG|TYPE)_/.test(line)) out.push(line);
    if (/^struct orc_entry {$/.test(line)) p = true;
    if (p) out.push(line);
    if (/^}/.test(line)) p = false;
  }
  return createHash('sha1').update(out.map((l) => l + '\n').join('')).digest('hex');
}

const REGS = ['UNDEFINED\t\t0', 'PREV_SP\t\t\t1', 'DX\t\t\t2', 'DI\t\t\t3', 'BP\t\t\t4', 'SP\t\t\t5', 'R10\t\t\t6', 'R13\t\t\t7', 'BP_INDIRECT\t\t8', 'SP_INDIRECT\t\t9', 'MAX\t\t\t15']
  .map((r) => `#define ORC_REG_${r}`).join('\n');
const struct = (le: string[], be: string[]): string =>
  ['struct orc_entry {', '\ts16\t\tsp_offset;', '\ts16\t\tbp_offset;', '#if defined(__LITTLE_ENDIAN_BITFIELD)', ...le.map((f) => `\tunsigned\t${f};`),
    '#elif defined(__BIG_ENDIAN_BITFIELD)', ...be.map((f) => `\tunsigned\t${f};`), '#endif', '} __packed;'].join('\n');

test('.orc_header hashes: recomputed from the orc_types.h text of 6.4+ (v3) and 6.3 (v2), as orc_hash.sh does', () => {
  // Written here from the kernel's header (only the lines the script hashes matter; comments do not).
  const v3 = `${REGS}\n\n#define ORC_TYPE_UNDEFINED\t\t0\n#define ORC_TYPE_END_OF_STACK\t\t1\n#define ORC_TYPE_CALL\t\t\t2\n#define ORC_TYPE_REGS\t\t\t3\n#define ORC_TYPE_REGS_PARTIAL\t\t4\n\n/* comment */\n` +
    struct(['sp_reg:4', 'bp_reg:4', 'type:3', 'signal:1'], ['bp_reg:4', 'sp_reg:4', 'unused:4', 'signal:1', 'type:3']) + '\n';
  const v2 = `${REGS}\n\n` + struct(['sp_reg:4', 'bp_reg:4', 'type:2', 'signal:1', 'end:1'], ['bp_reg:4', 'sp_reg:4', 'unused:4', 'end:1', 'signal:1', 'type:2']) + '\n';
  assert.deepEqual(ORC_HEADER_HASHES, [{ version: 3, hash: orcHash(v3) }, { version: 2, hash: orcHash(v2) }]);
  assert.equal(orcVersionFromHeader(Buffer.from(orcHash(v3), 'hex')), 3);
  assert.equal(orcVersionFromHeader(Buffer.from(orcHash(v2), 'hex')), 2);
  assert.equal(orcVersionFromHeader(Buffer.alloc(20)), null);
  assert.equal(orcVersionFromHeader(Buffer.alloc(19)), null);
});

test('orcVersionOf: the header wins over the release; an unknown hash or unreadable header is no ORC and says why', () => {
  const HDR = 0xffffffff82e00000n;
  const mem = (hdr: Buffer | null) => ({
    sym: (n: string) => (n === '__start_orc_header' && hdr !== null ? HDR : null),
    bytes: (va: bigint, len: number, what: string) => {
      if (hdr === null || va !== HDR || len !== 20 || hdr.length < 20) throw new Error(`${what}: page is excluded`);
      return hdr;
    },
  });
  const v2 = Buffer.from(ORC_HEADER_HASHES.find((h) => h.version === 2)!.hash, 'hex');
  // A 6.3.10 kernel (the header backported) keeps v2; the release alone would also say 2, a 6.4 header 3.
  assert.deepEqual(orcVersionOf(mem(v2), '6.3.10'), { version: 2, why: null });
  assert.deepEqual(orcVersionOf(mem(null), '6.1.0-56-amd64'), { version: 1, why: null });
  const unknown = Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex');
  assert.deepEqual(orcVersionOf(mem(unknown), '7.1.0'), {
    version: null, why: "ORC: the kernel's .orc_header 00112233445566778899aabbccddeeff00112233 names a layout this reader does not know (frame pointers and stack scan only)",
  });
  const bad = orcVersionOf(mem(Buffer.alloc(4)), '6.8.0');
  assert.equal(bad.version, null);
  assert.match(bad.why!, /^ORC: the kernel's \.orc_header cannot be read \(__start_orc_header: page is excluded\)/);
});
