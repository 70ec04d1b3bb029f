// The rule vocabulary of the title tables (the shape of syzkaller's pkg/report oops tables).

import type { GoRe } from './goregex.js';

/** Marks the place in a stack rule where a whole stack trace is parsed for frames. */
export const PARSE_STACK_TRACE = Symbol('parseStackTrace');
export type StackPart = GoRe | typeof PARSE_STACK_TRACE;

/** Picks the guilty frame among (prefix-stripped) frames: [frame, index] or ['', -1]. */
export type FrameExtractor = (frames: string[]) => [string, number];

export interface StackFmt {
  /** Matched in order against the report's lines; capturing parts yield frames. */
  parts: StackPart[];
  /** Tried when `parts` finds no frame. */
  parts2?: StackPart[];
  /** Frames to skip (regexes matched anywhere in the function name), besides the global list. */
  skip?: string[];
  extractor?: FrameExtractor;
}

export interface OopsFormat {
  /** Finds the report's title (earliest match in the report wins). */
  title: GoRe;
  /** When set, must match too (else the report is corrupted); its groups are the template's args. */
  report?: GoRe;
  /** Title template: %[n]v = n-th group of `report` (or `title`), then the extracted frame(s). */
  fmt: string;
  alt?: string[];
  stack?: StackFmt;
  /** The format has no stack trace to check for corruption. */
  noStackTrace?: boolean;
  /** Titles of this format are always corrupted reports. */
  corrupted?: boolean;
}

export interface Oops {
  /** Literal text whose presence in a line starts a report. */
  header: string;
  formats: OopsFormat[];
  /** Lines containing the header but matching one of these are not reports. */
  suppressions: GoRe[];
}

export interface StackParams {
  stackStartRes: GoRe[];
  frameRes: GoRe[];
  skipPatterns: string[];
  corruptedLines: GoRe[];
  stripFramePrefixes: string[];
}
