// Poison values the kernel writes into freed or deleted objects (include/linux/poison.h): a fault on one of
// them says what the object was before it was used. LIST_POISON1/2 are 0x100/0x122 (0x200 on older kernels)
// plus POISON_POINTER_DELTA (0xdead000000000000 on x86_64 and arm64, 0 on 32-bit); POISON_FREE is 0x6b.

import type { CrashEvent } from '../model/types.js';

const DELTA = 0xdead000000000000n;
const FAULT_ADDRESS = /(?:address[:]?|at virtual address|non-canonical address) (?:0x)?([0-9a-f]{1,16})\b/i;

/** The address the report faulted on: `details.faultAddress`, or the header's / first lines' address. */
export function faultAddressOf(ev: CrashEvent): bigint | null {
  const d = ev.details.faultAddress;
  if (typeof d === 'string' && /^(?:0x)?[0-9a-f]{1,16}$/i.test(d)) return BigInt('0x' + d.replace(/^0x/i, ''));
  for (const l of [ev.header, ...ev.lines.slice(0, 6)]) {
    const m = FAULT_ADDRESS.exec(l);
    if (m) return BigInt('0x' + m[1]);
  }
  return null;
}

/** 'LIST_POISON1' / 'LIST_POISON2' when the address is within a member's reach of one, else null. */
export function listPoison(addr: bigint | null): string | null {
  if (addr === null) return null;
  // Without the delta, 0x100..0x142 is as likely a NULL struct pointer's member: only the delta'd forms and
  // the old 32-bit values (0x00100100, 0x00200200) count.
  if (addr >= DELTA) {
    const v = addr - DELTA;
    if (v >= 0x100n && v < 0x120n) return 'LIST_POISON1';
    if ((v >= 0x122n && v < 0x142n) || (v >= 0x200n && v < 0x220n)) return 'LIST_POISON2';
    return null;
  }
  if (addr >= 0x00100100n && addr < 0x00100120n) return 'LIST_POISON1';
  if (addr >= 0x00200200n && addr < 0x00200220n) return 'LIST_POISON2';
  return null;
}

const FREE_POISON = /^(?:[0-9a-f]{4}:)?(?:6b6b6b6b6b6b6b6b|6b6b6b6b)$/i;

/** A register (or the fault address) holding the slab free poison 0x6b6b...: the object was already freed. */
export function freePoisonRegister(ev: CrashEvent): string | null {
  for (const [name, v] of Object.entries(ev.registers)) if (FREE_POISON.test(v.trim())) return name;
  const a = faultAddressOf(ev);
  if (a !== null && (a === 0x6b6b6b6b6b6b6b6bn || a === 0x6b6b6b6bn)) return 'fault address';
  return null;
}

/** Kinds of an access fault on which a poison value tells a story. */
export const ACCESS_FAULTS = new Set(['gpf', 'paging-request', 'null-deref', 'oops']);
