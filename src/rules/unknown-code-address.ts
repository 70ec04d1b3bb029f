// unknown-code-address: kernel text addresses that no symbol names: bare `0xffffffffc0...` frames and RIPs
// (also 32-bit ones, `[<8e83a6dc>] 0x8e83a6dc`), module addresses printed without a symbol by a kernel with no
// module kallsyms (`0x860546a4 [mt7603e@8ad96439+0x96c0]`: the module is known, the function is not), `sym`
// failures (`invalid address`, `symbol not found`), a stack-protector address with no symbol,
// syscall-table targets outside every module. Code the kernel cannot name is either JIT/trampoline code or
// code hidden from the module list.

import type { Evidence, Finding } from '../model/types.js';
import { eventLine, findLine, headerEvidence, normHex, parseHex, refEvidence, type Draft } from '../analysis/evidence.js';
import { isKernelAddress } from '../analysis/frames.js';
import { hiddenModuleAt, moduleOwning } from '../analysis/dump.js';
import { finding, priorOf, type Rule } from './types.js';

const MAX_ADDRESSES = 200;
const LOADING = /^(do_init_module|do_one_initcall|load_module|init_module|__do_sys_init_module|__do_sys_finit_module|__se_sys_finit_module|__x64_sys_finit_module|__x64_sys_init_module|sys_init_module|sys_finit_module)$/;
const BARE_MODULE_ADDRESS = / at \S+:\d+ (?:0x)?([0-9a-f]{6,16}) \[([\w-]{1,64})@[0-9a-f]+\+0x[0-9a-f]+\]/;

export { moduleOwning } from '../analysis/dump.js';

function symbolised(draft: Draft, address: string): boolean {
  const want = normHex(address);
  return (draft.dump?.symbols ?? []).some((s) => normHex(s.address) === want && s.symbol !== null);
}

export const rule: Rule = {
  id: 'unknown-code-address',
  run(ctx) {
    const found = new Map<string, { evidence: Evidence[]; events: Set<number>; how: Set<string>; module: string | null }>();
    const hiddenIn = new Map<string, string>();
    const note = (addr: string, how: string, ev: Evidence, event?: number, module: string | null = null) => {
      const key = normHex(addr);
      if (!key) return;
      if (!isKernelAddress(key)) return;
      if (moduleOwning(ctx.draft, key) || symbolised(ctx.draft, key)) return;
      // Memory of a module hidden from the module list (a vmcore's mod_tree/vmap areas) is still unknown code.
      const hid = hiddenModuleAt(ctx.draft, key);
      if (hid && !hiddenIn.has(key)) hiddenIn.set(key, hid.name);
      let e = found.get(key);
      if (!e) {
        if (found.size >= MAX_ADDRESSES) return;
        e = { evidence: [], events: new Set(), how: new Set(), module };
        found.set(key, e);
      }
      if (e.evidence.length < 6) e.evidence.push(ev);
      e.how.add(how);
      if (event !== undefined) e.events.add(event);
    };
    for (const s of ctx.stacks) {
      // A module being loaded runs its init code from do_init_module / do_one_initcall: not hidden code.
      if (s.frames.some((f) => f.function && LOADING.test(f.function))) continue;
      for (const f of s.frames) {
        if (!f.function && f.address) note(f.address, 'bare frame', s.evidence(f), s.event?.index, f.module);
      }
      const ev = s.event;
      if (ev?.rip && !ev.rip.function && ev.rip.address) {
        const i = findLine(ev, (l) => /^\s*(RIP|EIP|PC is at|pc :|NIP|epc)\b/.test(l));
        note(ev.rip.address, 'bare RIP', i >= 0 ? eventLine(ev, i) : headerEvidence(ev), ev.index, ev.rip.module);
      }
      // `WARNING: CPU: 1 PID: 2 at file.c:208 0x860546a4 [mt7603e@8ad96439+0x96c0]`
      const h = ev ? BARE_MODULE_ADDRESS.exec(ev.header) : null;
      if (ev && h) note(h[1]!, 'module address without symbol', headerEvidence(ev), ev.index, h[2]!);
    }
    for (const s of ctx.draft.dump?.symbols ?? []) {
      if (s.symbol === null) note(s.address, 'sym', refEvidence(s.source, `sym ${s.address}: no symbol`));
    }
    for (const e of ctx.draft.dump?.errors ?? []) {
      const m = /(?:invalid address|symbol not found):?\s*(?:0x)?([0-9a-f]{8,16})/i.exec(e.text);
      if (m) note(m[1]!, 'sym', refEvidence(e.source, e.text));
    }
    for (const sp of priorOf(ctx, 'stack-protector')) {
      const addr = sp.data.address as string | null;
      if (addr && sp.data.function === null) note(addr, 'stack-protector', sp.evidence[0]!, sp.events[0]);
    }
    for (const sc of ctx.draft.dump?.syscallTable ?? []) {
      if (sc.name === null) note(sc.address, 'sys_call_table', refEvidence(sc.source, `sys_call_table[${sc.number}] -> ${sc.address}`));
    }
    if (found.size === 0) return [];
    const addrs = [...found.keys()];
    const how = new Set([...found.values()].flatMap((v) => [...v.how]));
    const evidence = [...found.values()].flatMap((v) => v.evidence);
    const events = [...found.values()].flatMap((v) => [...v.events]);
    const severe = how.has('stack-protector') || how.has('sys_call_table') || how.has('sym');
    const owned = [...found.values()].filter((v) => v.module).map((v) => v.module!);
    const allOwned = owned.length === found.size;
    const hid = [...new Set(hiddenIn.values())];
    const inHidden = hid.length ? `; ${hiddenIn.size} of them in the memory of ${hid.length > 1 ? 'modules' : 'module'} ${hid.join(', ')}, hidden from the module list` : '';
    const summary = (allOwned
      ? `${addrs.length} code address${addrs.length > 1 ? 'es' : ''} of module${new Set(owned).size > 1 ? 's' : ''} ${[...new Set(owned)].join(', ')} without a symbol ` +
        `(${addrs.slice(0, 4).map((a) => '0x' + a).join(', ')}${addrs.length > 4 ? ', …' : ''}): the kernel has no symbols for the module; the function is unknown`
      : `${addrs.length} kernel code address${addrs.length > 1 ? 'es' : ''} that no symbol and no module owns ` +
        `(${addrs.slice(0, 4).map((a) => '0x' + a).join(', ')}${addrs.length > 4 ? ', …' : ''}): ` +
        (severe ? 'code hidden from the module list and kallsyms' : 'JIT/trampoline code, code of an unloaded module, or code hidden from the module list')) + inHidden;
    const out: Finding[] = [finding('unknown-code-address', severe ? 'high' : allOwned ? 'low' : 'medium', summary, evidence, events, {
      addresses: addrs, foundBy: [...how], modules: [...new Set(owned)],
      ...(hid.length ? { hiddenModules: hid } : {}),
    })];
    return out;
  },
};
