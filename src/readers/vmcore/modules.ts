// Loaded modules from the dump: the `modules` list (struct module: name, state, taints, core memory
// base/size: 6.1 `core_layout`, 6.4+ `mem[]`), the module latch tree `mod_tree` (modules are inserted
// there by load_module and stay in it when a rootkit `list_del`s itself off the list), module memory in
// `vmap_area_list` (allocated for load_module, found by the allocation's caller), and each module's own
// symbol table (`mod->kallsyms`: Elf64_Sym with real sizes, names in strtab, type letters in typetab).
// A module found in mod_tree or vmap but not on the list is HIDDEN.
import { type KernelContext, type Symbols, hex } from './kernel.js';
import type { KernelSymbol, SymbolHit } from './kallsyms.js';

export interface ModuleSymbol {
  name: string;
  type: string;
  address: bigint;
  size: bigint;
}

export interface KernelModule {
  /** struct module address (crash's MODULE column); null for a vmap-only finding. */
  address: bigint | null;
  name: string | null;
  /** Core memory (text+data) base and size. */
  base: bigint;
  size: number;
  textSize: number | null;
  state: 'live' | 'coming' | 'going' | 'unformed' | `state ${number}` | null;
  /** Module taint letters (O, E, P, ...), '' when none. */
  taints: string | null;
  /** Found in: the modules list, mod_tree, vmap_area_list. */
  foundIn: ('modules' | 'mod_tree' | 'vmap_area_list')[];
  hidden: boolean;
  /** Symbols of the module's own table (empty when a rootkit emptied it). */
  symbols: ModuleSymbol[];
  /** num_symtab as read (before filtering). */
  numSymtab: number | null;
  /** The caller that allocated its vmap area (vmap findings). */
  allocatedBy?: string | null;
}

/** The kernel's taint_flags[] letters by bit (kernel/panic.c). */
export const TAINT_LETTERS = 'PFSRMBUDAWCIOELKXTN';

export function taintLetters(mask: bigint): string {
  let s = '';
  for (let i = 0; i < TAINT_LETTERS.length; i++) if (mask & (1n << BigInt(i))) s += TAINT_LETTERS[i];
  return s;
}

const STATES = ['live', 'coming', 'going', 'unformed'] as const;
const MAX_MODULES = 65_536;
const MAX_MOD_SYMS = 200_000;
const MODULES_VADDR = 0xffffffffc0000000n;
const MODULES_END = 0xffffffffff000000n;

interface Layout {
  list: number; name: number; state: number | null; taints: number | null; kallsyms: number | null;
  /** Offsets of the core memory regions' base/size (6.1: one core_layout; 6.4+: mem[0..3]). */
  regions: { base: number; size: number }[];
  textSize: number | null;
}

function layout(k: KernelContext): Layout {
  const M = 'module';
  const regions: Layout['regions'] = [];
  let textSize: number | null = null;
  const core = k.optOff(M, 'core_layout');
  if (core !== null) {
    regions.push({ base: core + k.off('module_layout', 'base'), size: core + k.off('module_layout', 'size') });
    const ts = k.optOff('module_layout', 'text_size');
    textSize = ts !== null ? core + ts : null;
  } else {
    const mem = k.off(M, 'mem');
    const sz = k.size('module_memory');
    for (let i = 0; i < 4; i++) regions.push({ base: mem + i * sz + k.off('module_memory', 'base'), size: mem + i * sz + k.off('module_memory', 'size') });
  }
  return {
    list: k.off(M, 'list'), name: k.off(M, 'name'), state: k.optOff(M, 'state'), taints: k.optOff(M, 'taints'),
    kallsyms: k.optOff(M, 'kallsyms'), regions, textSize,
  };
}

function readName(k: KernelContext, va: bigint, max: number, what: string): string {
  // Names may end near a page that is not in the dump: read up to the page end first.
  const first = Math.min(max, 4096 - Number(va & 0xfffn));
  let b = k.bytes(va, first, what);
  let z = b.indexOf(0);
  if (z < 0 && first < max) {
    b = Buffer.concat([b, k.bytes(va + BigInt(first), max - first, what)]);
    z = b.indexOf(0);
  }
  return b.toString('latin1', 0, z < 0 ? b.length : z);
}

function readModuleSymbols(k: KernelContext, mod: bigint, L: Layout): { symbols: ModuleSymbol[]; num: number | null } {
  if (L.kallsyms === null) return { symbols: [], num: null };
  const what = `module ${hex(mod)} kallsyms`;
  try {
    const mk = k.u64(mod + BigInt(L.kallsyms), what);
    if (mk === 0n) return { symbols: [], num: 0 };
    const symtab = k.u64(mk + BigInt(k.off('mod_kallsyms', 'symtab')), `${what}.symtab`);
    const num = k.u32(mk + BigInt(k.off('mod_kallsyms', 'num_symtab')), `${what}.num_symtab`);
    const strtab = k.u64(mk + BigInt(k.off('mod_kallsyms', 'strtab')), `${what}.strtab`);
    const typeOff = k.optOff('mod_kallsyms', 'typetab');
    const typetab = typeOff !== null ? k.u64(mk + BigInt(typeOff), `${what}.typetab`) : 0n;
    if (num === 0 || symtab === 0n) return { symbols: [], num };
    if (num > MAX_MOD_SYMS) {
      k.gap(`${what}: num_symtab ${num} is more than ${MAX_MOD_SYMS} (symbols skipped)`);
      return { symbols: [], num };
    }
    const tab = k.bytes(symtab, num * 24, `${what}.symtab`);
    const types = typetab !== 0n ? k.bytes(typetab, num, `${what}.typetab`) : null;
    const out: ModuleSymbol[] = [];
    for (let i = 1; i < num; i++) {
      const stName = tab.readUInt32LE(i * 24);
      const value = tab.readBigUInt64LE(i * 24 + 8);
      const size = tab.readBigUInt64LE(i * 24 + 16);
      const info = tab[i * 24 + 4]!;
      const stType = info & 0xf;
      if (value === 0n || stName === 0 || stType === 4 /* FILE */ || stType === 3 /* SECTION */) continue;
      let name: string;
      try {
        name = readName(k, strtab + BigInt(stName), 256, `${what} name`);
      } catch {
        continue;
      }
      if (!name) continue;
      out.push({ name, type: types ? String.fromCharCode(types[i]!) : stType === 2 ? 't' : 'd', address: value, size });
    }
    out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    return { symbols: out, num };
  } catch (e) {
    k.gap(`module symbols: ${(e as Error).message}`);
    return { symbols: [], num: null };
  }
}

function readModule(k: KernelContext, L: Layout, a: bigint, foundIn: KernelModule['foundIn'][number]): KernelModule {
  const what = `struct module ${hex(a)}`;
  const name = readName(k, a + BigInt(L.name), 56, `${what} name`);
  const st = L.state !== null ? k.u32(a + BigInt(L.state), `${what} state`) : null;
  const taints = L.taints !== null ? taintLetters(k.u64(a + BigInt(L.taints), `${what} taints`)) : null;
  const base = k.u64(a + BigInt(L.regions[0]!.base), `${what} core base`);
  let size = 0;
  for (const r of L.regions) size += k.u32(a + BigInt(r.size), `${what} core size`);
  let textSize: number | null = null;
  if (L.textSize !== null) textSize = k.u32(a + BigInt(L.textSize), `${what} text_size`);
  const syms = readModuleSymbols(k, a, L);
  return {
    address: a, name, base, size, textSize,
    state: st === null ? null : (STATES[st] ?? (`state ${st}` as const)),
    taints, foundIn: [foundIn], hidden: false, symbols: syms.symbols, numSymtab: syms.num,
  };
}

/** struct module pointers held by the module latch tree (`mod_tree.root.tree[0]`), in-order, bounded. */
function modTreeModules(k: KernelContext): bigint[] {
  const root = k.sym('mod_tree');
  if (root === null) return [];
  const out: bigint[] = [];
  try {
    const treeOff = k.off('mod_tree_root', 'root') + k.off('latch_tree_root', 'tree');
    const nodeOff = k.off('mod_tree_node', 'node');
    const modOff = k.off('mod_tree_node', 'mod');
    const left = k.off('rb_node', 'rb_left');
    const right = k.off('rb_node', 'rb_right');
    const top = k.u64(root + BigInt(treeOff), 'mod_tree.root.tree[0]');
    const seen = new Set<bigint>();
    const stack: bigint[] = [];
    let cur = top;
    while ((cur !== 0n || stack.length) && seen.size < MAX_MODULES * 4) {
      if (k.timedOut()) {
        k.gap('mod_tree: walk stopped (time limit)');
        break;
      }
      if (cur !== 0n) {
        if (seen.has(cur)) {
          k.gap(`mod_tree: node ${hex(cur)} seen twice (the tree has a cycle; walk stopped)`);
          break;
        }
        seen.add(cur);
        stack.push(cur);
        cur = k.u64(cur + BigInt(left), `mod_tree node ${hex(cur)} rb_left`);
        continue;
      }
      const n = stack.pop()!;
      const mod = k.u64(n - BigInt(nodeOff) + BigInt(modOff), `mod_tree node ${hex(n)} mod`);
      if (!out.includes(mod)) out.push(mod);
      cur = k.u64(n + BigInt(right), `mod_tree node ${hex(n)} rb_right`);
    }
  } catch (e) {
    k.gap(`mod_tree: ${(e as Error).message}`);
  }
  return out;
}

/** vmap areas in the module address range allocated for a module (caller in load_module's path). */
function moduleVmapAreas(k: KernelContext, symbols: Symbols): { start: bigint; end: bigint; caller: string | null }[] {
  const head = k.sym('vmap_area_list');
  if (head === null) return [];
  const out: { start: bigint; end: bigint; caller: string | null }[] = [];
  try {
    const listOff = k.off('vmap_area', 'list');
    const startOff = k.off('vmap_area', 'va_start');
    const endOff = k.off('vmap_area', 'va_end');
    const vmOff = k.optOff('vmap_area', 'vm');
    const callerOff = k.optOff('vm_struct', 'caller');
    for (const va of k.list(head, listOff, 'vmap_area_list', 1_000_000)) {
      let start: bigint;
      let end: bigint;
      try {
        start = k.u64(va + BigInt(startOff), `vmap_area ${hex(va)} va_start`);
        end = k.u64(va + BigInt(endOff), `vmap_area ${hex(va)} va_end`);
      } catch {
        continue;
      }
      if (start < MODULES_VADDR || start >= MODULES_END) continue;
      let caller: string | null = null;
      if (vmOff !== null && callerOff !== null) {
        try {
          const vm = k.u64(va + BigInt(vmOff), `vmap_area ${hex(va)} vm`);
          if (vm !== 0n) {
            const c = k.u64(vm + BigInt(callerOff), `vm_struct ${hex(vm)} caller`);
            caller = symbols.lookup(c)?.name ?? null;
          }
        } catch {
          /* caller unknown */
        }
      }
      out.push({ start, end, caller });
      if (out.length >= MAX_MODULES) break;
    }
  } catch (e) {
    k.gap(`vmap_area_list: ${(e as Error).message}`);
  }
  return out;
}

/** Callers of module_alloc() on the load_module path (kernel/module/main.c). */
const MODULE_ALLOCATORS = /^(move_module|layout_and_allocate|load_module|module_alloc|module_memory_alloc|execmem_alloc)$/;

export function readModules(k: KernelContext): KernelModule[] {
  let L: Layout;
  let head: bigint;
  try {
    L = layout(k);
    head = k.needSym('modules');
  } catch (e) {
    k.gap(`modules: ${(e as Error).message}`);
    return [];
  }
  const mods: KernelModule[] = [];
  const byAddr = new Map<bigint, KernelModule>();
  for (const m of k.list(head, L.list, 'modules list', MAX_MODULES)) {
    try {
      const km = readModule(k, L, m, 'modules');
      mods.push(km);
      byAddr.set(m, km);
    } catch (e) {
      k.gap(`modules: ${(e as Error).message}`);
    }
  }
  for (const m of modTreeModules(k)) {
    const known = byAddr.get(m);
    if (known) {
      known.foundIn.push('mod_tree');
      continue;
    }
    try {
      const km = readModule(k, L, m, 'mod_tree');
      km.hidden = true;
      mods.push(km);
      byAddr.set(m, km);
    } catch (e) {
      k.gap(`mod_tree: ${(e as Error).message}`);
    }
  }
  for (const v of moduleVmapAreas(k, k.symbols)) {
    const owner = mods.find((m) => v.start <= m.base && m.base < v.end);
    if (owner) {
      if (!owner.foundIn.includes('vmap_area_list')) owner.foundIn.push('vmap_area_list');
      owner.allocatedBy ??= v.caller;
      continue;
    }
    if (v.caller === null || !MODULE_ALLOCATORS.test(v.caller)) continue;
    mods.push({
      address: null, name: null, base: v.start, size: Number(v.end - v.start), textSize: null, state: null, taints: null,
      foundIn: ['vmap_area_list'], hidden: true, symbols: [], numSymtab: null, allocatedBy: v.caller,
    });
  }
  return mods;
}

/** The module whose core memory holds `address`. */
export function moduleAt(mods: KernelModule[], address: bigint): KernelModule | null {
  for (const m of mods) if (address >= m.base && address < m.base + BigInt(m.size)) return m;
  return null;
}

/**
 * Core kallsyms with the modules' symbol tables plugged in: an address in a module's memory resolves to
 * `func+off/size [mod]` from the module's own table (real sizes), or to nothing when the module hid its
 * symbols (a hidden module's code has no name: what `sym` says about it, `invalid address`).
 */
export class KernelSymbols implements Symbols {
  constructor(private readonly core: Symbols, private readonly modules: KernelModule[]) {}

  byName(name: string): KernelSymbol[] {
    const c = this.core.byName(name);
    if (c.length) return c;
    const out: KernelSymbol[] = [];
    for (const m of this.modules) for (const s of m.symbols) if (s.name === name) out.push({ name: s.name, type: s.type, address: s.address });
    return out;
  }

  lookup(address: bigint): SymbolHit | null {
    const m = moduleAt(this.modules, address);
    // Core symbols do not own module space: the last core symbol would otherwise name it.
    if (!m) return address >= MODULES_VADDR && address < MODULES_END ? null : this.core.lookup(address);
    const syms = m.symbols;
    let lo = 0;
    let hi = syms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (syms[mid]!.address <= address) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) {
      const s = syms[i]!;
      const size = s.size > 0n ? s.size : i + 1 < syms.length ? syms[i + 1]!.address - s.address : 0n;
      if (address < s.address + size || (size === 0n && address === s.address)) {
        return { name: s.name, type: s.type, address: s.address, offset: address - s.address, size, module: m.name ?? '?' };
      }
    }
    return null;
  }
}
