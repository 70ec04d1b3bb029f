// Where reading a vmcore spends time and I/O, phase by phase, for the bench (`npm run bench -- vmcore-full`).
// The I/O counters always count (a few increments per page); phase marks cost nothing unless the process runs
// with KTRIAGE_PROFILE=1, which prints one `KTRIAGE_PROFILE={json}` line on stderr at exit. A mark means "the
// time and I/O since the previous mark were spent in this phase"; repeated marks of a phase add up.
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Process-wide I/O of every open dump: page lookups, pages decoded (page-cache misses), file bytes read. */
export const IO = { pageGets: 0, pagesDecoded: 0, pagesRedecoded: 0, bytesRead: 0, fileReads: 0 };

export interface PhaseStat {
  phase: string;
  ms: number;
  pageGets: number;
  pagesDecoded: number;
  bytesRead: number;
}

const enabled = process.env.KTRIAGE_PROFILE === '1';
const phases = new Map<string, PhaseStat>();
let last = { t: 0, pageGets: 0, pagesDecoded: 0, bytesRead: 0 };
let started = false;

/** The first mark of the process is Node's start-up and module loading; later dumps' opens are `other`. */
export function phaseStart(): void {
  phase(started ? 'other' : 'startup');
}

/** Attributes what was spent since the previous mark (the process start for the first) to `name`. */
export function phase(name: string): void {
  if (!enabled) return;
  const t = performance.now();
  if (!started) {
    started = true;
    process.on('exit', () => {
      phase('diagnosis');
      try {
        writeSync(2, `\nKTRIAGE_PROFILE=${JSON.stringify({ phases: [...phases.values()], io: IO, totalMs: performance.now() })}\n`);
      } catch {
        /* stderr closed */
      }
    });
  }
  const p = phases.get(name) ?? { phase: name, ms: 0, pageGets: 0, pagesDecoded: 0, bytesRead: 0 };
  p.ms += t - last.t;
  p.pageGets += IO.pageGets - last.pageGets;
  p.pagesDecoded += IO.pagesDecoded - last.pagesDecoded;
  p.bytesRead += IO.bytesRead - last.bytesRead;
  phases.set(name, p);
  last = { t, pageGets: IO.pageGets, pagesDecoded: IO.pagesDecoded, bytesRead: IO.bytesRead };
}

/** Parses the `KTRIAGE_PROFILE=` line out of a process's stderr (the bench). */
export function parseProfile(stderr: string): { phases: PhaseStat[]; io: typeof IO; totalMs: number } | null {
  const m = /KTRIAGE_PROFILE=(\{.*\})/.exec(stderr);
  if (!m) return null;
  try {
    return JSON.parse(m[1]!) as { phases: PhaseStat[]; io: typeof IO; totalMs: number };
  } catch {
    return null;
  }
}
