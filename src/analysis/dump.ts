// Helpers of the rules over dump facts (crash sessions' `mod`, or a vmcore's own module list): which
// module's memory holds an address. A module hidden from the `modules` list (found in mod_tree or a module
// vmap area of a vmcore) does not "own" code the way a listed one does: its code is code the kernel hides.

import type { DumpFacts } from '../model/types.js';
import { parseHex, type Draft } from './evidence.js';

type LoadedModule = DumpFacts['loadedModules'][number];

function holding(draft: Draft, address: string, hidden: boolean): LoadedModule | null {
  const a = parseHex(address);
  if (a === null) return null;
  for (const m of draft.dump?.loadedModules ?? []) {
    if (Boolean(m.hidden) !== hidden) continue;
    const base = parseHex(m.base);
    if (base === null || m.size === null) continue;
    if (a >= base && a < base + BigInt(m.size)) return m;
  }
  return null;
}

/** The listed (not hidden) module whose [base, base+size) holds the address, when the dump lists bases. */
export function moduleOwning(draft: Draft, address: string): string | null {
  return holding(draft, address, false)?.name ?? null;
}

/** The hidden module (vmcore: in mod_tree or vmap_area_list, not on the list) whose memory holds the address. */
export function hiddenModuleAt(draft: Draft, address: string): LoadedModule | null {
  return holding(draft, address, true);
}

/**
 * The module whose memory holds the address, listed ones first, then hidden ones (marked), when the dump
 * facts give bases and sizes; null when none does (a crash session's `mod` never lists a hidden module).
 */
export function moduleHolding(draft: Draft, address: string | null | undefined): { name: string; hidden: boolean } | null {
  if (!address) return null;
  const listed = holding(draft, address, false);
  if (listed) return { name: listed.name, hidden: false };
  const hid = holding(draft, address, true);
  return hid ? { name: hid.name, hidden: true } : null;
}

/** Modules of the dump that are hidden from the module list. */
export function hiddenModules(draft: Draft): LoadedModule[] {
  return (draft.dump?.loadedModules ?? []).filter((m) => m.hidden === true);
}

/** True when the dump found the module only off the module list (hidden), never on it. */
export function isHiddenModule(draft: Draft, name: string | null | undefined): boolean {
  if (!name) return false;
  const ms = (draft.dump?.loadedModules ?? []).filter((m) => m.name === name);
  return ms.length > 0 && ms.every((m) => m.hidden === true);
}
