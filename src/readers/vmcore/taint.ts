// The kernel's taint mask (`tainted_mask`) as the letters of the kernel's taint_flags[] (print_tainted()).
import type { KernelContext } from './kernel.js';
import { taintLetters } from './modules.js';

export interface Taint {
  mask: bigint;
  /** Letters of the set flags (`OE`), '' when not tainted. */
  letters: string;
}

export function readTaint(k: KernelContext): Taint | null {
  const a = k.sym('tainted_mask');
  if (a === null) {
    k.gap('taint: kallsyms has no symbol tainted_mask');
    return null;
  }
  try {
    const mask = k.u64(a, 'tainted_mask');
    return { mask, letters: taintLetters(mask) };
  } catch (e) {
    k.gap(`taint: ${(e as Error).message}`);
    return null;
  }
}

/** The kernel's own `Tainted:` field of a CPU line: `G     OE` style is not needed, `G OE` as truth.json has it. */
export function taintField(letters: string): string | null {
  if (!letters) return null;
  return `${letters.includes('P') ? 'P' : 'G'} ${letters.replace('P', '')}`.trim();
}
