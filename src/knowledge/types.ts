// The known-issue base: one data module per issue in ./issues/, matched against a report by ./match.ts.

import type { EventKind } from '../model/types.js';

/** A version range on one distribution line: affected from `introduced` (inclusive) up to `fixed` (exclusive). */
export interface AffectedRange {
  /** `upstream` (stable series, also used for Debian whose kernels track stable), `debian`, `ubuntu`, or an RPM dist line (`el6`, `el7`, `el8`...). */
  line: string;
  /** First affected version in that line's scheme; omitted = since the beginning. */
  introduced?: string;
  /** First fixed version in that line's scheme; omitted = no fix known in that line. */
  fixed?: string;
  /** For upstream stable series: the series this range applies to (`5.10`); omitted = mainline. */
  series?: string;
}

export interface StructCondition {
  /** Member name (`skc_state`, `__sk_common.skc_state`: matched on the last component). */
  member: string;
  /** Accepted values as printed (`0xc`, `12`, `TCP_NEW_SYN_RECV`). */
  values: string[];
}

export interface IssueMatch {
  /** Event kinds the issue shows up as (any). */
  kinds?: EventKind[];
  /**
   * Functions that must appear on one stack in this order, innermost first (the order the kernel prints
   * them); other frames may sit between them.
   */
  stack?: string[];
  /** At least one of these functions on a stack or in the RIP. */
  anyFunction?: string[];
  /** Modules that must be loaded or on the stack (any). */
  modules?: string[];
  /** Regular expression (source) tested against event header and panic message lines. */
  header?: string;
  /** Facts a `struct` dump must show (all). */
  structs?: StructCondition[];
  /** Struct facts that strengthen a match when a dump shows them, but are not required (a log has none). */
  supportingStructs?: StructCondition[];
}

export interface KnownIssue {
  id: string;
  title: string;
  /** What goes wrong, in one or two sentences. */
  summary: string;
  match: IssueMatch;
  affected: AffectedRange[];
  /** Human-readable fixed versions (`upstream 5.17`, `RHEL 8 kernel-4.18.0-373.el8`). */
  fixedIn: string[];
  /** Upstream commit ids with titles, LKML / distribution bug or errata URLs. */
  references: string[];
  workarounds: string[];
  /** The function the fix changes, when it is on the stack: the culprit to name instead of the crash site. */
  culprit?: string;
}
