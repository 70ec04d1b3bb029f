// ORC unwind tables of x86_64 kernels, read from the dump (no vmlinux): the core kernel's
// `__start_orc_unwind_ip` (s32 offsets relative to each slot, sorted) beside `__start_orc_unwind` (6-byte
// entries), with the `orc_lookup` block index over [_stext, _etext) (LOOKUP_BLOCK_SIZE 256); addresses outside
// that range (`.init.text`) by binary search over the whole table, as the kernel's orc_find() does; and each
// module's own tables (`mod->arch.orc_unwind_ip`, `orc_unwind`, `num_orcs`), which a module hidden by list_del
// keeps.
//
// struct orc_entry (arch/x86/include/asm/orc_types.h) is { s16 sp_offset; s16 bp_offset; u16 bits } and the
// bits changed layout over releases (little-endian bitfields, bit 0 first; checked against the kernel source
// and the .orc_header hashes below, 2026-12-03):
//   v1 (4.14 .. 6.2): sp_reg:4 bp_reg:4 type:2 end:1 (bits 0-3, 4-7, 8-9, 10); types CALL 0, REGS 1,
//                     REGS_PARTIAL 2. No signal bit: REGS and REGS_PARTIAL frames are signal frames. The kernel
//                     reads `end` only when sp_reg is UNDEFINED: end = end of stack, else a hole.
//   v2 (6.3):         sp_reg:4 bp_reg:4 type:2 signal:1 end:1 (bits 0-3, 4-7, 8-9, 10, 11); types as v1.
//   v3 (6.4 ..):      sp_reg:4 bp_reg:4 type:3 signal:1 (bits 0-3, 4-7, 8-10, 11); types UNDEFINED 0,
//                     END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4.
// Since "x86/unwind/orc: Add ELF section with ORC version identifier" (6.4, backported to 6.3.10) vmlinux has
// `.orc_header` (`__start_orc_header`): 20 bytes, the SHA-1 that scripts/orc_hash.sh computes over the
// ORC_REG_/ORC_TYPE_ defines and struct orc_entry of orc_types.h. When the symbol exists the layout is taken
// from the hash (v3: fe5d32bf..., v2: db84aed4...; both recomputed here from the headers' text with that
// script's rules); an unknown hash is a layout this reader does not know: no ORC (frame pointers and the
// marked scan only) and a gap that says so. Without the symbol (6.1 ..) the layout is chosen by release.
// The newest orc_types.h in the sources read (6.17-era, `__ASSEMBLER__`) is still v3: no later layout is known.
import { type KernelContext, hex } from './kernel.js';

export type OrcType = 'call' | 'regs' | 'regs-partial' | 'end' | 'undefined';
export type OrcVersion = 1 | 2 | 3;

export const ORC_REG = {
  UNDEFINED: 0, PREV_SP: 1, DX: 2, DI: 3, BP: 4, SP: 5, R10: 6, R13: 7, BP_INDIRECT: 8, SP_INDIRECT: 9,
} as const;

export interface OrcEntry {
  spOffset: number;
  bpOffset: number;
  spReg: number;
  bpReg: number;
  type: OrcType;
  /** The frame was entered by a signal/interrupt: its ip is not a return address (no ip-1 lookup). */
  signal: boolean;
}

export const ORC_ENTRY_SIZE = 6;
export const LOOKUP_BLOCK_SIZE = 256n;
/** Upper bound of one table's entries (the core kernel of 6.1 has ~200,000). */
export const MAX_ORC_ENTRIES = 1 << 22;

/** ORC layout of a kernel release (`6.1.0-56-amd64`, `6.4.0`); null when the release cannot be parsed. */
export function orcVersionForRelease(release: string | null | undefined): OrcVersion | null {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  if (!m) return null;
  const v = Number(m[1]) * 1000 + Number(m[2]);
  if (v < 6003) return 1;
  if (v < 6004) return 2;
  return 3;
}

/** The .orc_header hashes of the known layouts (scripts/orc_hash.sh over orc_types.h of 6.4+ and 6.3.10+). */
export const ORC_HEADER_HASHES: { version: OrcVersion; hash: string }[] = [
  { version: 3, hash: 'fe5d32bf581bd63b2ca9a5c65ba5a625eab3fe24' },
  { version: 2, hash: 'db84aed4103b31dd51e017f8f79783ca985c2c51' },
];
export const ORC_HEADER_SIZE = 20;

/** The layout named by an .orc_header (20 bytes), or null for a hash this reader does not know. */
export function orcVersionFromHeader(header: Buffer): OrcVersion | null {
  if (header.length !== ORC_HEADER_SIZE) return null;
  const hex = header.toString('hex');
  return ORC_HEADER_HASHES.find((h) => h.hash === hex)?.version ?? null;
}

const V3_TYPES = ['undefined', 'end', 'call', 'regs', 'regs-partial'] as const;
const V1_TYPES = ['call', 'regs', 'regs-partial'] as const;

export function decodeOrcEntry(b: Buffer, off: number, version: OrcVersion): OrcEntry {
  const spOffset = b.readInt16LE(off);
  const bpOffset = b.readInt16LE(off + 2);
  const bits = b.readUInt16LE(off + 4);
  const spReg = bits & 0xf;
  const bpReg = (bits >> 4) & 0xf;
  let type: OrcType;
  let signal: boolean;
  if (version === 3) {
    type = V3_TYPES[(bits >> 8) & 7] ?? 'undefined';
    signal = ((bits >> 11) & 1) === 1;
    // A CALL entry with an undefined SP register cannot be followed (the kernel stops: unknown SP base reg).
    if (type === 'call' && spReg === ORC_REG.UNDEFINED) type = 'undefined';
  } else {
    const t = V1_TYPES[(bits >> 8) & 3];
    const end = ((bits >> (version === 2 ? 11 : 10)) & 1) === 1;
    if (spReg === ORC_REG.UNDEFINED) type = end ? 'end' : 'undefined';
    else type = t ?? 'undefined';
    // v2 has the bit; in v1 the REGS types are the signal frames.
    signal = version === 2 ? ((bits >> 10) & 1) === 1 : type === 'regs' || type === 'regs-partial';
  }
  return { spOffset, bpOffset, spReg, bpReg, type, signal };
}

/** Memory the ORC reader needs: 4- and 6-byte reads of kernel memory (throws on unreadable pages). */
export interface OrcMemory {
  bytes(va: bigint, len: number, what: string): Buffer;
}

/** One sorted ip table with its entries (core kernel or one module). */
export class OrcTable {
  constructor(
    readonly mem: OrcMemory, readonly ipTable: bigint, readonly entries: bigint, readonly count: number,
    readonly version: OrcVersion, readonly name: string,
  ) {}

  ipAt(i: number): bigint {
    const slot = this.ipTable + BigInt(i) * 4n;
    return slot + BigInt(this.mem.bytes(slot, 4, `${this.name} orc_unwind_ip[${i}]`).readInt32LE(0));
  }

  entryAt(i: number): OrcEntry {
    return decodeOrcEntry(this.mem.bytes(this.entries + BigInt(i) * 6n, 6, `${this.name} orc_unwind[${i}]`), 0, this.version);
  }

  /** The kernel's __orc_find(): the last entry of [first, first+n) whose ip is <= ip. */
  find(ip: bigint, first = 0, n = this.count): { index: number; entry: OrcEntry } | null {
    if (n <= 0 || first < 0 || first + n > this.count) return null;
    let lo = first;
    let hi = first + n - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.ipAt(mid) <= ip) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    return { index: found, entry: this.entryAt(found) };
  }
}

export interface OrcModuleRange {
  name: string;
  base: bigint;
  end: bigint;
  table: OrcTable;
}

/** All ORC data of a dump: the core kernel's table and index, and the modules'. */
export class OrcUnwindData {
  constructor(
    readonly core: OrcTable | null,
    readonly lookup: { table: bigint; blocks: number; start: bigint; stop: bigint } | null,
    readonly modules: OrcModuleRange[],
  ) {}

  /** The ORC entry for ip (already ip-1 for return addresses), or null (no table owns ip). */
  find(ip: bigint): OrcEntry | null {
    const mod = this.modules.find((m) => ip >= m.base && ip < m.end);
    if (mod) return mod.table.find(ip)?.entry ?? null;
    const core = this.core;
    if (!core) return null;
    const L = this.lookup;
    if (L && ip >= L.start && ip < L.stop) {
      const idx = Number((ip - L.start) / LOOKUP_BLOCK_SIZE);
      if (idx >= L.blocks - 1) return null;
      const w = core.mem.bytes(L.table + BigInt(idx) * 4n, 8, `orc_lookup[${idx}]`);
      const start = w.readUInt32LE(0);
      const stop = w.readUInt32LE(4) + 1;
      if (start >= core.count || stop > core.count || stop < start) return null;
      return core.find(ip, start, stop - start)?.entry ?? null;
    }
    // .init.text and anything else outside the index: the whole table (the kernel searches it while the
    // init sections live; afterwards the addresses no longer hold code, and what is found is only a guess).
    return core.find(ip)?.entry ?? null;
  }
}

/**
 * The ORC layout of the dump's kernel: from `__start_orc_header` when the kernel has one (an unknown hash is
 * `{ version: null }` with the reason), else by release.
 */
export function orcVersionOf(k: { sym(name: string): bigint | null; bytes(va: bigint, len: number, what: string): Buffer }, release: string | null | undefined): { version: OrcVersion | null; why: string | null } {
  const h = k.sym('__start_orc_header');
  if (h !== null) {
    let hdr: Buffer;
    try {
      hdr = k.bytes(h, ORC_HEADER_SIZE, '__start_orc_header');
    } catch (e) {
      return { version: null, why: `ORC: the kernel's .orc_header cannot be read (${(e as Error).message}): frame pointers and stack scan only` };
    }
    const v = orcVersionFromHeader(hdr);
    return v === null
      ? { version: null, why: `ORC: the kernel's .orc_header ${hdr.toString('hex')} names a layout this reader does not know (frame pointers and stack scan only)` }
      : { version: v, why: null };
  }
  const v = orcVersionForRelease(release);
  return v === null ? { version: null, why: `ORC: the layout of release ${release ?? '(unknown)'} is not known (frame pointers and stack scan only)` } : { version: v, why: null };
}

/** Reads the ORC tables of the core kernel and of the given modules (struct module addresses). */
export function readOrc(k: KernelContext, version: OrcVersion, modules: { address: bigint | null; name: string | null; base: bigint; size: number }[]): OrcUnwindData {
  let core: OrcTable | null = null;
  let lookup: OrcUnwindData['lookup'] = null;
  const ip = k.sym('__start_orc_unwind_ip');
  const ipEnd = k.sym('__stop_orc_unwind_ip');
  const ent = k.sym('__start_orc_unwind');
  if (ip !== null && ent !== null && ipEnd !== null && ipEnd > ip) {
    const n = Number((ipEnd - ip) / 4n);
    if (n > MAX_ORC_ENTRIES) k.gap(`ORC: the core table claims ${n} entries (more than ${MAX_ORC_ENTRIES}): not used`);
    else core = new OrcTable(k, ip, ent, n, version, 'vmlinux');
  } else k.gap('ORC: kallsyms has no __start_orc_unwind_ip/__stop_orc_unwind_ip/__start_orc_unwind (frame pointers and stack scan only)');
  const lt = k.sym('orc_lookup');
  const lte = k.sym('orc_lookup_end');
  const stext = k.sym('_stext');
  const etext = k.sym('_etext');
  if (core && lt !== null && lte !== null && lte > lt && stext !== null && etext !== null && etext > stext) {
    lookup = { table: lt, blocks: Number((lte - lt) / 4n), start: stext, stop: etext };
  }
  const mods: OrcModuleRange[] = [];
  const oIp = k.optOff('module', 'arch.orc_unwind_ip');
  const oEnt = k.optOff('module', 'arch.orc_unwind');
  const oNum = k.optOff('module', 'arch.num_orcs');
  if (oIp !== null && oEnt !== null && oNum !== null) {
    for (const m of modules) {
      if (m.address === null) continue;
      const name = m.name ?? `module at ${hex(m.address)}`;
      try {
        const mip = k.u64(m.address + BigInt(oIp), `${name} arch.orc_unwind_ip`);
        const ment = k.u64(m.address + BigInt(oEnt), `${name} arch.orc_unwind`);
        const num = k.u32(m.address + BigInt(oNum), `${name} arch.num_orcs`);
        if (num === 0 || mip === 0n || ment === 0n) continue;
        if (num > MAX_ORC_ENTRIES) {
          k.gap(`ORC: module ${name} claims ${num} entries: not used`);
          continue;
        }
        mods.push({ name, base: m.base, end: m.base + BigInt(m.size), table: new OrcTable(k, mip, ment, num, version, name) });
      } catch (e) {
        k.gap(`ORC of module ${name}: ${(e as Error).message}`);
      }
    }
  }
  return new OrcUnwindData(core, lookup, mods);
}
