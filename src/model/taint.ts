// Kernel taint flags: letters printed after `Tainted:` and per module in `Modules linked in:`.
// Meanings follow the kernel's Documentation/admin-guide/tainted-kernels.rst (bit order 0..19).

import type { Taint, TaintFlag } from './types.js';

export interface TaintFlagInfo {
  bit: number;
  letter: string;
  meaning: string;
}

/** The taint letters in the kernel's bit order. `G` is printed in bit 0's place when no proprietary module is loaded. */
export const TAINT_FLAGS: readonly TaintFlagInfo[] = [
  { bit: 0, letter: 'P', meaning: 'proprietary module was loaded' },
  { bit: 0, letter: 'G', meaning: 'only GPL-compatible modules are loaded (no proprietary module)' },
  { bit: 1, letter: 'F', meaning: 'module was force loaded' },
  { bit: 2, letter: 'S', meaning: 'kernel running on an out of specification system' },
  { bit: 3, letter: 'R', meaning: 'module was force unloaded' },
  { bit: 4, letter: 'M', meaning: 'processor reported a Machine Check Exception (MCE)' },
  { bit: 5, letter: 'B', meaning: 'bad page referenced or some unexpected page flags' },
  { bit: 6, letter: 'U', meaning: 'taint requested by userspace application' },
  { bit: 7, letter: 'D', meaning: 'kernel died recently, i.e. there was an OOPS or BUG' },
  { bit: 8, letter: 'A', meaning: 'ACPI table overridden by user' },
  { bit: 9, letter: 'W', meaning: 'kernel issued warning' },
  { bit: 10, letter: 'C', meaning: 'staging driver was loaded' },
  { bit: 11, letter: 'I', meaning: 'workaround for bug in platform firmware applied' },
  { bit: 12, letter: 'O', meaning: 'externally-built ("out-of-tree") module was loaded' },
  { bit: 13, letter: 'E', meaning: 'unsigned module was loaded' },
  { bit: 14, letter: 'L', meaning: 'soft lockup occurred' },
  { bit: 15, letter: 'K', meaning: 'kernel has been live patched' },
  { bit: 16, letter: 'X', meaning: 'auxiliary taint, defined for and used by distros' },
  { bit: 17, letter: 'T', meaning: 'kernel was built with the struct randomization plugin' },
  { bit: 18, letter: 'N', meaning: 'an in-kernel test has been run' },
  { bit: 19, letter: 'J', meaning: 'userspace used a mutating debug operation in fwctl' },
];

const BY_LETTER = new Map(TAINT_FLAGS.map((f) => [f.letter, f]));

/** Meaning of one taint letter, or null for a letter the kernel does not define. */
export function taintMeaning(letter: string): string | null {
  return BY_LETTER.get(letter)?.meaning ?? null;
}

/** Letters that mark a module as third-party code (ModuleInfo.thirdParty). */
export const THIRD_PARTY_MODULE_FLAGS = 'POEUCF';

/** True when per-module flags (`OE`, `P`, `U` ...) mark third-party code. */
export function isThirdPartyFlags(flags: string): boolean {
  for (const c of flags) if (THIRD_PARTY_MODULE_FLAGS.includes(c)) return true;
  return false;
}

/**
 * Decodes a taint string as printed after `Tainted:` (`G           OE`, `P           ----------------  T`).
 * Returns null for an empty string or `Not tainted`. Unknown letters are kept with meaning `unknown taint flag`;
 * characters other than letters (spaces, the RHEL `-` run) are ignored.
 */
export function decodeTaint(raw: string | null | undefined): Taint | null {
  if (raw == null) return null;
  const s = raw.slice(0, 256).trim();
  if (s === '' || /^not tainted$/i.test(s)) return null;
  const flags: TaintFlag[] = [];
  const seen = new Set<string>();
  for (const c of s) {
    if (!/[A-Z]/.test(c) || seen.has(c)) continue;
    seen.add(c);
    flags.push({ flag: c, meaning: taintMeaning(c) ?? 'unknown taint flag' });
  }
  return { raw: s, flags };
}
