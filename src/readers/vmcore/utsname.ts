// The kernel's utsname (`init_uts_ns.name`, six 65-byte fields: sysname, nodename, release, version,
// machine, domainname). A nodename of `(none)` means the host name was never set.
import type { KernelContext } from './kernel.js';

export interface Utsname {
  sysname: string; nodename: string; release: string; version: string; machine: string; domainname: string;
}

export function readUtsname(k: KernelContext): Utsname | null {
  const ns = k.sym('init_uts_ns');
  if (ns === null) {
    k.gap('utsname: kallsyms has no symbol init_uts_ns');
    return null;
  }
  const off = k.optOff('uts_namespace', 'name') ?? k.dump.vmcoreinfo.offsets.get('uts_namespace.name') ?? null;
  if (off === null) {
    k.gap('utsname: no offset of uts_namespace.name');
    return null;
  }
  try {
    const b = k.bytes(ns + BigInt(off), 65 * 6, 'init_uts_ns.name');
    const f = (i: number): string => {
      const s = b.subarray(65 * i, 65 * i + 65);
      const z = s.indexOf(0);
      return s.toString('latin1', 0, z < 0 ? 65 : z);
    };
    return { sysname: f(0), nodename: f(1), release: f(2), version: f(3), machine: f(4), domainname: f(5) };
  } catch (e) {
    k.gap(`utsname: ${(e as Error).message}`);
    return null;
  }
}
