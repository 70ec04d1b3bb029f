// Crash signatures: what a CVE record's pasted report and a crash in the analysed log are compared by.
//
// Both sides go through the same code: the project's own log reader (src/readers/log/) and title engine
// (src/title/) turn the text into events, and signatureOfEvent() reduces an event to its title, kind and
// its top frames past the report machinery. A record's description is read as a log as it stands (the
// reader accepts pasted reports indented, with or without printk prefixes).

import type { CrashEvent, EventKind, Frame } from '../../model/types.js';
import { readLog } from '../../readers/log/index.js';
import { baseName, isMachinery } from '../../analysis/frames.js';
import { findFirstCrash } from '../../title/index.js';

/** Frames kept per signature (the issue: func [module], at most 8). */
export const MAX_SIG_FRAMES = 8;
/** Signatures kept per record (a description rarely pastes more than two reports). */
export const MAX_SIGS_PER_RECORD = 3;
/** Characters of a description read for reports (a commit message is a few KiB; longer ones are cut). */
export const MAX_DESCRIPTION_CHARS = 64 * 1024;

export interface Signature {
  /** syzbot-style title made by the title engine; null when it names no place (`in corrupted`) or is empty. */
  title: string | null;
  kind: EventKind;
  /** Top frames, innermost first: `func` or `func [module]`, compiler suffixes (.isra.0, .cold) removed. */
  frames: string[];
  /** The report's header line as printed (for evidence and `kb show`). */
  header: string;
}

/**
 * Frames the reports print on their way to the crash site: they say which detector fired, not where.
 * isMachinery() (the culprit choice's list) already covers dump_stack, kasan, locks, entry code; these are
 * the report paths it keeps because they may be culprits elsewhere.
 */
const REPORT_PATH = new Set([
  '__warn', 'warn_slowpath_fmt', 'warn_slowpath_null', 'warn_slowpath_common', '__warn_printk', 'report_bug',
  'handle_bug', 'exc_invalid_op', 'asm_exc_invalid_op', 'do_error_trap', 'do_trap', 'do_invalid_op', 'invalid_op',
  'page_fault_oops', 'no_context', '__bad_area_nosemaphore', 'bad_area_nosemaphore', 'do_user_addr_fault',
  'exc_page_fault', 'asm_exc_page_fault', 'do_page_fault', 'page_fault', 'kernelmode_fixup_or_oops',
  'exc_general_protection', 'asm_exc_general_protection', 'general_protection', 'do_general_protection',
  'ubsan_epilogue', '__ubsan_handle_out_of_bounds', '__ubsan_handle_shift_out_of_bounds', 'ubsan_prologue',
  'print_usage_bug', 'mark_lock', 'check_noncircular', 'check_prev_add', 'validate_chain', 'print_circular_bug',
  'bad_page', 'free_pages_check_bad', 'refcount_warn_saturate', 'debug_print_object', '__debug_check_no_obj_freed',
  'kmsan_report', '__msan_warning', 'kfence_report_error', 'kfence_handle_page_fault', '__might_resched',
  '__might_sleep', '___might_sleep', 'rcu_dump_cpu_stacks', 'print_other_cpu_stall', 'check_hung_task',
  '__stack_chk_fail', 'fortify_panic', '__fortify_panic', 'fortify_report', '__list_del_entry_valid_or_report',
  '__list_add_valid_or_report', '__list_del_entry_valid', '__list_add_valid', '__dump_stack', 'do_exit',
  'make_task_dead', 'rewind_stack_and_make_dead', 'rewind_stack_do_exit', 'show_trace', 'dump_backtrace',
  'arm64_serror_panic', 'do_bad_area', 'do_mem_abort', 'el1_abort', 'el1h_64_sync_handler', 'el1h_64_sync',
  'el1_sync', 'el1_sync_handler', '__do_kernel_fault', 'do_translation_fault', 'die_kernel_fault',
  'bug_handler', 'brk_handler', 'call_break_hook', 'do_debug_exception', 'el1_dbg', 'srso_return_thunk',
  'srso_alias_return_thunk', '__x86_return_thunk', 'ret_from_fork', 'ret_from_fork_asm',
]);

/** True for frames a signature skips: report machinery, the unwinder's own, stubs (`__pfx_`). */
export function skippedFrame(fn: string): boolean {
  const b = baseName(fn);
  return isMachinery(b) || REPORT_PATH.has(b) || b.startsWith('__pfx_') || b.startsWith('__sanitizer_') ||
    b.startsWith('__asan_') || b.startsWith('__tsan_') || b.startsWith('__msan_') || b.startsWith('kmsan_') ||
    b.startsWith('__ubsan_') || b.startsWith('el0') || b.startsWith('kasan_');
}

/**
 * A frame line the reader leaves out of `frames`: syzbot-symbolised traces print the source position after the
 * offset (`recv_work+0x694/0xa80 drivers/block/nbd.c:1022`), pasted traces may lose their indentation.
 * Inlined frames (`func file.c:12 [inline]`) carry no offset: a plain kernel log never prints them, so they
 * are not part of a signature.
 */
const LOOSE_FRAME_RE =
  /^\s*(?:\[<[0-9a-f]{6,16}>\]\s+)?(\? )?([A-Za-z_.$][\w.$]{0,255}?)\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}(?:\s+\[([\w-]{1,64})\])?(?:\s+[\w./+-]{1,200}:\d+)?(?:\s+\[([\w-]{1,64})\])?\s*$/;
const LOOSE_RIP_RE = /^\s*(?:RIP: [0-9a-f]{4}:|RIP: |EIP: |pc : |PC is at |epc : |NIP \[[0-9a-f]+\] |IP: )(?:\[<[0-9a-f]+>\] )?([A-Za-z_.$][\w.$]{0,255}?)\+0x[0-9a-f]+\/0x[0-9a-f]+(?:\s+\[([\w-]{1,64})\])?/;

function looseFrames(lines: string[]): Frame[] {
  const out: Frame[] = [];
  let inTrace = false;
  for (const raw of lines) {
    const l = raw.length > 600 ? raw.slice(0, 600) : raw;
    if (/Call Trace:|Call trace:|Backtrace:/i.test(l)) { inTrace = true; continue; }
    if (!inTrace) continue;
    const m = LOOSE_FRAME_RE.exec(l);
    if (!m) continue;
    out.push({
      function: m[2]!, offset: null, size: null, module: m[3] ?? m[4] ?? null, address: null,
      reliable: !m[1], context: null, raw: l.trim(),
    });
    if (out.length >= 64) break;
  }
  return out;
}

function ripOf(ev: CrashEvent): { function: string; module: string | null } | null {
  if (ev.rip?.function) return { function: ev.rip.function, module: ev.rip.module };
  for (const l of ev.lines.slice(0, 80)) {
    const m = LOOSE_RIP_RE.exec(l);
    if (m) return { function: m[1]!, module: m[2] ?? null };
  }
  return null;
}

function titleOf(ev: CrashEvent): string {
  if (ev.lines.length === 0) return ev.title;
  const r = findFirstCrash(ev.lines.join('\n'));
  return r && !/ in corrupted\b/.test(r.title) ? r.title : ev.title;
}

function frameKey(fn: string, module: string | null): string {
  const b = baseName(fn);
  return module ? `${b} [${module}]` : b;
}

/** The function of a signature frame key (`func [mod]` -> `func`). */
export function frameFunction(key: string): string {
  const i = key.indexOf(' [');
  return i < 0 ? key : key.slice(0, i);
}

/**
 * A title that names a place: an ` in FUNC` part, FUNC not `corrupted` and not report or interrupt machinery
 * (`BUG: soft lockup in __do_softirq` says where the CPU was interrupted, not which code spun).
 */
export function specificTitle(title: string | null): boolean {
  const m = title === null ? null : / in ([A-Za-z_][\w.]*)/.exec(title);
  return m !== null && m[1] !== 'corrupted' && !skippedFrame(m[1]!);
}

/** The signature of one event: title, kind, top frames (RIP first) past the report machinery. */
export function signatureOfEvent(ev: CrashEvent): Signature {
  let frames = ev.frames.filter((f) => f.function);
  // The reader leaves out symbolised frames (`func+0x1/0x2 file.c:12`): the loose parse finds those too.
  const loose = looseFrames(ev.lines);
  if (loose.length > frames.length) frames = loose;
  // Frames of the task stack describe the crash; interrupt stacks only when nothing else was printed.
  const task = frames.filter((f) => f.context === null || f.context === 'task' || f.context === 'exception');
  if (task.length > 0) frames = task;
  const keys: string[] = [];
  const push = (fn: string, mod: string | null) => {
    if (keys.length >= MAX_SIG_FRAMES || skippedFrame(fn)) return;
    const k = frameKey(fn, mod);
    if (keys[keys.length - 1] === k) return; // recursion and the RIP printed again as the first frame
    keys.push(k);
  };
  const rip = ripOf(ev);
  if (rip) push(rip.function, rip.module);
  for (const f of frames) if (f.reliable) push(f.function!, f.module);
  // The title engine's `corrupted` flag is not used: whether it finds the frames depends on the log's
  // prefixes (syslog, journal), and a title that names a function is a key either way.
  // The title is made again from the event's own lines, without their log prefixes: the event's title
  // (made on the raw lines) can differ between a dmesg and a syslog copy of one report.
  const own = titleOf(ev);
  const title = / in corrupted\b/.test(own) || own === '' ? null : own;
  return { title, kind: ev.kind, frames: keys, header: ev.header.slice(0, 300) };
}

/** Signatures of the crash reports pasted in a description (at most MAX_SIGS_PER_RECORD). */
export function signaturesOfText(text: string): Signature[] {
  const body = text.length > MAX_DESCRIPTION_CHARS ? text.slice(0, MAX_DESCRIPTION_CHARS) : text;
  const r = readLog('description', body, { maxEvents: 8 });
  const out: Signature[] = [];
  for (const ev of r.events) {
    const s = signatureOfEvent(ev);
    if (s.title === null && s.frames.length === 0) continue;
    if (out.some((o) => o.title === s.title && o.frames.join() === s.frames.join())) continue;
    out.push(s);
    if (out.length >= MAX_SIGS_PER_RECORD) break;
  }
  return out;
}

/** Identifiers a subject names (`nbd_genl_connect()`, `sk_psock`): words with `_` or followed by `()`. */
export function identifiersOf(subject: string): string[] {
  const s = subject.slice(0, 400);
  // The subsystem prefix (`net: sched: sch_qfq:`) names a place, not a function.
  const rest = s.replace(/^(?:[\w./ -]{1,40}: )+/, '');
  const out = new Set<string>();
  for (const m of rest.matchAll(/\b([A-Za-z_][A-Za-z0-9_]{2,80})\b(\(\))?/g)) {
    const w = m[1]!;
    if (m[2] || (w.includes('_') && /[a-z]/.test(w) && !/^_+$/.test(w))) out.add(w);
    if (out.size >= 12) break;
  }
  return [...out];
}
