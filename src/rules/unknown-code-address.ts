// unknown-code-address: kernel text addresses that no symbol and no module owns: bare `0xffffffffc0...`
// frames, `sym` failures (`invalid address`, `symbol not found`), a stack-protector address with no symbol,
// syscall-table targets outside every module. Code the kernel cannot name is either JIT/trampoline code or
// code hidden from the module list.

import type { Evidence, Finding } from '../model/types.js';
import { normHex, parseHex, refEvidence, type Draft } from '../analysis/evidence.js';
import { finding, priorOf, type Rule } from './types.js';

const KERNEL_SPACE = 0xffff800000000000n;
const MAX_ADDRESSES = 200;

/** The loaded module whose [base, base+size) holds the address, when the dump lists bases. */
export function moduleOwning(draft: Draft, address: string): string | null {
  const a = parseHex(address);
  if (a === null) return null;
  for (const m of draft.dump?.loadedModules ?? []) {
    const base = parseHex(m.base);
    if (base === null || m.size === null) continue;
    if (a >= base && a < base + BigInt(m.size)) return m.name;
  }
  return null;
}

function symbolised(draft: Draft, address: string): boolean {
  const want = normHex(address);
  return (draft.dump?.symbols ?? []).some((s) => normHex(s.address) === want && s.symbol !== null);
}

export const rule: Rule = {
  id: 'unknown-code-address',
  run(ctx) {
    const found = new Map<string, { evidence: Evidence[]; events: Set<number>; how: Set<string> }>();
    const note = (addr: string, how: string, ev: Evidence, event?: number) => {
      const key = normHex(addr);
      if (!key) return;
      const v = parseHex(key)!;
      if (v < KERNEL_SPACE) return;
      if (moduleOwning(ctx.draft, key) || symbolised(ctx.draft, key)) return;
      let e = found.get(key);
      if (!e) {
        if (found.size >= MAX_ADDRESSES) return;
        e = { evidence: [], events: new Set(), how: new Set() };
        found.set(key, e);
      }
      if (e.evidence.length < 6) e.evidence.push(ev);
      e.how.add(how);
      if (event !== undefined) e.events.add(event);
    };
    for (const s of ctx.stacks) {
      for (const f of s.frames) {
        if (!f.function && f.address) note(f.address, 'bare frame', s.evidence(f), s.event?.index);
      }
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
    const summary = `${addrs.length} kernel code address${addrs.length > 1 ? 'es' : ''} that no symbol and no module owns ` +
      `(${addrs.slice(0, 4).map((a) => '0x' + a).join(', ')}${addrs.length > 4 ? ', …' : ''}): ` +
      (severe ? 'code hidden from the module list and kallsyms' : 'JIT/trampoline code or code hidden from the module list');
    const out: Finding[] = [finding('unknown-code-address', severe ? 'high' : 'medium', summary, evidence, events, {
      addresses: addrs, foundBy: [...how],
    })];
    return out;
  },
};
