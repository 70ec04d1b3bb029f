// Test helpers (used only by *.test.ts): the repository root, the shared material next to it, and drafts
// built with the real readers through analyze(), so rule tests run on real inputs.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import type { Finding, Report } from '../model/types.js';
import type { Draft } from '../analysis/evidence.js';
import { contextFor, RULES } from './index.js';
import { repoRoot } from '../util/repo.js';

export { repoRoot };

export const ROOT = repoRoot();
export const SHARED = join(ROOT, '..', 'shared');
export const LAB = join(SHARED, 'lab', 'out');
export const CORPUS = join(SHARED, 'corpus', 'syzkaller-linux');

export function fixture(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}

/** Runs the pipeline on files (paths relative to the repo root are given as they are, for stable evidence names). */
export function reportOf(...files: string[]): Report {
  return analyze(files);
}

export function draftOf(...files: string[]): Draft {
  const { diagnosis: _d, ...draft } = analyze(files);
  void _d;
  return draft;
}

/** The log part of a syzkaller corpus file (after the header block, before an expected `REPORT:`). */
export function corpusLog(name: string): string | null {
  const p = join(CORPUS, name);
  if (!existsSync(p)) return null;
  const t = readFileSync(p, 'utf8').replace(/\r/g, '');
  const i = t.indexOf('\n\n');
  let log = i >= 0 ? t.slice(i + 2) : t;
  const r = log.indexOf('\n\nREPORT:\n');
  if (r >= 0) log = log.slice(0, r + 1);
  return log;
}

export function draftOfCorpus(name: string): Draft | null {
  const log = corpusLog(name);
  if (log === null) return null;
  const { diagnosis: _d, ...draft } = analyze([{ name: `corpus/${name}`, data: log }]);
  void _d;
  return draft;
}

/** Runs one rule after the rules it may depend on. */
export function runRule(id: string, draft: Draft): Finding[] {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule.run(contextFor(draft, id));
}

export const SKIP_SHARED = existsSync(SHARED) ? false : 'the shared folder (../shared) is missing';

