// Bucket keys, two levels. Level 1: the crash's normalised syzbot title (src/title/). Level 2: that title
// plus the top five meaningful frames of the crash's stack as `func [module]`: offsets and compiler
// suffixes (.isra, .constprop, .cold, .part) dropped, unreliable (`? `) frames and the machinery frames
// the diagnosis also skips (panic, dump_stack, locking, entry code; src/diagnose/frames.ts) left out.
// Taint and versions are attributes of a crash, never part of a key. GROUPING_VERSION changes whenever
// these rules change; `ktriage fleet rebucket` then recomputes every crash's keys.
import { createHash } from 'node:crypto';
import type { Frame, Report } from '../model/types.js';
import { normalizeTitle } from '../title/index.js';
import { baseName, isMachinery, DISPATCHERS } from '../analysis/frames.js';

export const GROUPING_VERSION = 1;
export const TOP_FRAMES = 5;

export interface BucketKeys {
  level1: { id: string; key: string; title: string };
  level2: { id: string; key: string; title: string; frames: string[] };
}

export function bucketId(level: 1 | 2, key: string, groupingVersion = GROUPING_VERSION): string {
  const h = createHash('sha256').update(`${groupingVersion}\0${level}\0${key}`).digest('hex').slice(0, 16);
  return `b${level}-${h}`;
}

function frameLabel(f: { function: string | null; module: string | null }): string | null {
  if (!f.function) return null;
  const fn = baseName(f.function);
  if (!fn || isMachinery(fn) || DISPATCHERS.test(fn)) return null;
  return f.module ? `${fn} [${f.module}]` : fn;
}

/** The top meaningful frames of the primary crash: the faulting location first, then the stack. */
export function meaningfulFrames(report: Pick<Report, 'crash' | 'events'>, n = TOP_FRAMES): string[] {
  const ev = report.crash ? report.events?.[report.crash.index] : undefined;
  if (!ev) return [];
  const out: string[] = [];
  const push = (label: string | null) => {
    if (label && out[out.length - 1] !== label && out.length < n) out.push(label);
  };
  if (ev.rip) push(frameLabel(ev.rip));
  for (const f of (ev.frames ?? []) as Frame[]) {
    if (out.length >= n) break;
    if (f.reliable === false) continue;
    push(frameLabel(f));
  }
  return out;
}

// A fleet sees the same few titles again and again: normalised titles are kept (normalizeTitle is pure).
const titleCache = new Map<string, string>();
function normalizedTitle(raw: string): string {
  let t = titleCache.get(raw);
  if (t === undefined) {
    t = normalizeTitle(raw);
    if (titleCache.size >= 10_000) titleCache.clear();
    if (raw.length <= 4096) titleCache.set(raw, t);
  }
  return t;
}

/** Bucket keys of a report's primary crash, or null when it holds no crash. */
export function bucketKeys(report: Pick<Report, 'crash' | 'events'>, groupingVersion = GROUPING_VERSION): BucketKeys | null {
  const raw = report.crash?.title;
  if (typeof raw !== 'string' || raw.length === 0) return null;
  const title = normalizedTitle(raw);
  const frames = meaningfulFrames(report);
  const key2 = [title, ...frames].join('\n');
  return {
    level1: { id: bucketId(1, title, groupingVersion), key: title, title },
    level2: { id: bucketId(2, key2, groupingVersion), key: key2, title, frames },
  };
}
