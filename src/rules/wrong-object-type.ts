// wrong-object-type: an object used as a type it is not. A `struct sock` whose skc_state is
// TCP_NEW_SYN_RECV (0xc) is a request sock (tcp_request_sock) and TCP_TIME_WAIT (6) a timewait sock: neither
// is a full socket (sk_fullsock() is false), so members of struct sock read from it (sk_callback_lock at
// 0x230...) lie past the object's SIZE. Also `invalid kernel virtual address` reads of pointers taken from it.

import type { Evidence, Finding, StructFact } from '../model/types.js';
import { refEvidence } from '../analysis/evidence.js';
import { valueMatches } from '../knowledge/match.js';
import { finding, type Rule } from './types.js';

const MINI_SOCKS: { values: string[]; state: string; types: RegExp; name: string }[] = [
  { values: ['0xc', 'TCP_NEW_SYN_RECV'], state: 'TCP_NEW_SYN_RECV', types: /^struct (tcp_request_sock|inet_request_sock|request_sock)$/, name: 'request sock (struct tcp_request_sock)' },
  { values: ['0x6', 'TCP_TIME_WAIT'], state: 'TCP_TIME_WAIT', types: /^struct (tcp_timewait_sock|inet_timewait_sock)$/, name: 'timewait sock (struct inet_timewait_sock)' },
];

function memberOffset(structs: StructFact[], type: string, member: string): { offset: number; fact: StructFact } | null {
  for (const s of structs) {
    if (s.type !== type) continue;
    for (const [name, off] of Object.entries(s.offsets)) {
      if (name === member || name.endsWith('.' + member)) return { offset: off, fact: s };
    }
  }
  return null;
}

export const rule: Rule = {
  id: 'wrong-object-type',
  run(ctx) {
    const structs = (ctx.draft.dump?.structs ?? []).slice(0, 10000);
    const out: Finding[] = [];
    const done = new Set<string>();
    for (const s of structs) {
      if (!/^struct (sock|inet_sock|tcp_sock|sock_common)$/.test(s.type)) continue;
      for (const [name, value] of Object.entries(s.members)) {
        if (name.split('.').pop() !== 'skc_state') continue;
        const mini = MINI_SOCKS.find((m) => valueMatches(value, m.values));
        if (!mini) continue;
        const key = `${s.address}:${mini.state}`;
        if (done.has(key)) continue;
        done.add(key);
        const evidence: Evidence[] = [refEvidence(s.source, `${s.type}${s.address ? ' ' + s.address : ''}: ${name} = ${value} (${mini.state})`)];
        const real = structs.find((x) => mini.types.test(x.type) && x.size !== null);
        const past: { member: string; offset: number }[] = [];
        if (real) {
          evidence.push(refEvidence(real.source, `${real.type}: SIZE 0x${real.size!.toString(16)}`));
          // Members of the full struct read at offsets beyond the real object's end.
          for (const f of structs) {
            if (!/^struct sock$/.test(f.type)) continue;
            for (const [m, off] of Object.entries(f.offsets)) {
              if (off >= real.size! && past.length < 10) {
                past.push({ member: m, offset: off });
                evidence.push(refEvidence(f.source, `struct sock.${m} at offset 0x${off.toString(16)} >= SIZE 0x${real.size!.toString(16)} of ${real.type}`));
              }
            }
          }
        }
        void memberOffset;
        let summary = `The object at ${s.address ?? '?'} is a ${mini.name} (skc_state ${value} = ${mini.state}) but is used as a full struct sock`;
        if (past.length > 0) summary += `: ${past.map((p) => `${p.member} at 0x${p.offset.toString(16)}`).join(', ')} lie${past.length === 1 ? 's' : ''} past its end (SIZE 0x${real!.size!.toString(16)}), so the values read there (lock words, pointers) are garbage`;
        out.push(finding('wrong-object-type', 'high', summary, evidence, [], {
          address: s.address, state: mini.state, actualType: real?.type ?? mini.name, usedAs: 'struct sock',
          size: real?.size ?? null, offsetsPastEnd: past,
        }));
      }
    }
    const invalid = (ctx.draft.dump?.errors ?? []).filter((e) => /invalid kernel virtual address/i.test(e.text)).slice(0, 10);
    if (invalid.length > 0) {
      out.push(finding('wrong-object-type', 'medium',
        `${invalid.length} read${invalid.length > 1 ? 's' : ''} hit an invalid kernel virtual address: a pointer taken from the object is garbage (wrong type, freed or overwritten memory)`,
        invalid.map((e) => refEvidence(e.source, e.text)), [], { invalidAddresses: invalid.map((e) => e.text) }));
    }
    return out;
  },
};
