// Lines printed just before a report's header that belong to the report: the code at fault announcing
// itself or its failed check before the kernel's own report starts. Lustre prints `LustreError: PID:0:
// (dcache.c:136:ll_ddelete()) ASSERTION( ... ) failed:` and `... LBUG` before `Kernel panic - not syncing:
// LBUG`; SPL prints `VERIFY(...) failed` before `PANIC at file.c:123:func()`; a module whose pr_fmt adds its
// name, function and line (`mymod:my_init():37: ...`) or a DRM driver (`[drm:func [mod]] *ERROR* ...`)
// prints its last message before the WARNING, BUG or oops it causes.
//
// A lead-in is a run of kernel messages that ends on the line right before the header (no other line in
// between), printed within MAX_LEAD_SECONDS of it, by the same caller (`[T123]`/`[C1]`) where both carry one,
// and that starts with a marker line (an assertion or a module-attributed message). Lines of the run before
// the first marker are not the report's: plain messages right before a header are no evidence of anything.

import type { LogLine } from './normalize.js';

export const MAX_LEAD_IN = 8;
const MAX_LEAD_SECONDS = 1;

/** An assertion that failed, an LBUG, an SPL VERIFY/PANIC, a driver's own BUG_ON message. Bounded (no nesting). */
const ASSERTION_RE = /\bASSERTION ?\(|\bLBUG\b|\bLASSERT\b|\b[Aa]ssert(?:ion)?\b[^\n]{0,160}?\bfail|\bVERIFY\d?\(|\bPANIC at [\w.-]{1,100}:\d{1,6}:|\bBUG_ON\b/;
/** `mymod:my_init():37: text`, `mymod: my_init(): text`: a module's message naming the function it is in. */
const MODULE_FUNCTION_RE = /^\s{0,8}([A-Za-z_][\w-]{0,63}):\s?([A-Za-z_]\w{0,127})\(\)(?::\d{1,6})?:?\s/;
/** `[drm:amdgpu_job_timedout [amdgpu]] *ERROR* ...`: DRM's messages name the function and its module. */
const DRM_FUNCTION_RE = /^\s{0,8}\[drm:([A-Za-z_]\w{0,127}) \[([\w-]{1,64})\]\]/;

export interface LeadIn {
  lines: LogLine[];
  /** The module and function a module-attributed lead-in line names, null when none does. */
  module: string | null;
  function: string | null;
}

/** The module and function a message attributes itself to (`mod:func():N:`, `[drm:func [mod]]`), or null. */
export function messageSite(text: string): { module: string; function: string } | null {
  let m = MODULE_FUNCTION_RE.exec(text);
  if (m) return { module: m[1]!, function: m[2]! };
  m = DRM_FUNCTION_RE.exec(text);
  if (m) return { module: m[2]!, function: m[1]! };
  return null;
}

function isMarker(text: string): boolean {
  return ASSERTION_RE.test(text) || messageSite(text) !== null;
}

/**
 * The lead-in of a report whose header is `header`, from the kernel messages read since the last report
 * (oldest first, at most MAX_LEAD_IN kept by the caller); null when none of them belongs to it.
 */
export function leadInOf(candidates: readonly LogLine[], header: LogLine): LeadIn | null {
  const run: LogLine[] = [];
  let expect = header.line;
  for (let i = candidates.length - 1; i >= 0 && run.length < MAX_LEAD_IN; i--) {
    const c = candidates[i]!;
    // Consecutive lines only (parts of one joined line share its number).
    if (c.line !== expect && c.line !== expect - 1) break;
    if (header.uptime !== null && c.uptime !== null) {
      const dt = header.uptime - c.uptime;
      if (dt > MAX_LEAD_SECONDS || dt < 0) break;
    }
    if (header.caller !== null && c.caller !== null && header.caller !== c.caller) break;
    run.unshift(c);
    expect = c.line;
  }
  const first = run.findIndex((l) => isMarker(l.text));
  if (first < 0) return null;
  const lines = run.slice(first);
  let site: { module: string; function: string } | null = null;
  for (const l of lines) if ((site = messageSite(l.text))) break;
  return { lines, module: site?.module ?? null, function: site?.function ?? null };
}
