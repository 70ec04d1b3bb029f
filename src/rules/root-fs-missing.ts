// root-fs-missing: `VFS: Unable to mount root fs on unknown-block(M,m)`: a boot configuration problem, not a
// kernel bug. unknown-block(0,0): no block device matched root= (wrong root=, the storage driver is missing
// or the initramfs that loads it); a real major:minor: the device exists but no filesystem could mount it.
import type { CrashEvent } from '../model/types.js';
import { kindRule, who } from './kind-rule.js';

const VFS = /VFS: Unable to mount root fs on (unknown-block\((\d+),(\d+)\)|\S+)/;

function rootDevice(ev: CrashEvent): string | null {
  for (const l of ev.lines.slice(0, 60)) {
    const m = /VFS: Cannot open root device "([^"]{0,80})"/.exec(l) ?? /\broot=(\S{1,80})/.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

export const rule = kindRule({
  id: 'root-fs-missing',
  matches: (ev) => ev.kind === 'panic' && VFS.test(ev.header),
  severity: () => 'high',
  describe: (ev) => {
    const m = VFS.exec(ev.header)!;
    const dev = rootDevice(ev);
    const root = dev ? `root=${dev}` : 'the root= device';
    const found = m[2] === undefined ? `on ${m[1]}`
      : m[2] === '0' && m[3] === '0'
        ? `: no block device matched ${root} (unknown-block(0,0)): wrong root=, or the storage driver is not built in and no initramfs loads it`
        : `: ${root} is block device ${m[2]}:${m[3]}, but no filesystem driver could mount it (filesystem not built in or not in the initramfs, wrong rootfstype=, or a damaged filesystem)`;
    return `The kernel found no root filesystem (task ${who(ev)})${found.startsWith(':') ? found : ` ${found}`}. A boot configuration problem, not a kernel bug`;
  },
});
