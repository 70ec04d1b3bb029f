// sysrq-crash: a crash forced on purpose (sysrq-c / echo c > /proc/sysrq-trigger): not a kernel bug. Who
// triggered it follows from the frames: write_sysrq_trigger (a process wrote `c` to /proc/sysrq-trigger),
// the keyboard handler (Alt+SysRq+C), the serial console's break (uart_handle_sysrq_char), or a remote
// sysrq over the network (netconsole/sysrq_filter).
import type { CrashEvent } from '../model/types.js';
import { kindRule, who } from './kind-rule.js';

function how(ev: CrashEvent): string {
  const f = new Set(ev.frames.map((x) => x.function).filter(Boolean) as string[]);
  const has = (...n: string[]) => n.some((x) => f.has(x));
  if (has('write_sysrq_trigger')) return `by task ${who(ev)} writing "c" to /proc/sysrq-trigger`;
  if (has('kbd_keycode', 'kbd_event', 'sysrq_filter', 'sysrq_handle_keypress')) return 'from the keyboard (Alt+SysRq+C)';
  if (has('uart_handle_sysrq_char', 'serial8250_handle_irq', 'uart_try_toggle_sysrq', 'hvc_poll', 'hvc_handle_interrupt')) return 'from the serial console (break + c)';
  return `through sysrq (task ${who(ev)})`;
}

export const rule = kindRule({
  id: 'sysrq-crash',
  matches: (ev) => ev.kind === 'sysrq',
  severity: () => 'info',
  describe: (ev) => `The crash was triggered on purpose ${how(ev)}: no kernel bug; find who triggered it and why (a test, a hung-machine recovery, a kdump check)`,
});
