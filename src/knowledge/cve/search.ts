// Looking records up by hand (`ktriage kb search|show`), and where the index lives.

import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CveIndex } from './index-file.js';
import type { CveRecord } from './record.js';
import { frameFunction } from './signature.js';
import { fixedVersions } from './versions.js';

/**
 * The index directory: `--kb DIR`, else `KTRIAGE_KB`, else `$XDG_CACHE_HOME/ktriage/kb` (`~/.cache/ktriage/kb`
 * when XDG_CACHE_HOME is unset or not absolute, as the XDG base directory rules say).
 */
export function kbDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.KTRIAGE_KB) return env.KTRIAGE_KB;
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(xdg, 'ktriage', 'kb');
}

export interface SearchQuery {
  text?: string;
  title?: string;
  function?: string;
}

export interface SearchHit {
  id: string;
  subject: string;
  /** What matched: `title: ...`, `frame: func`, `subject`, `file: ...`. */
  matched: string;
  fixedIn: string[];
}

export const MAX_HITS = 50;

/** Records matching the query, in index order (oldest first); at most `limit`. */
export function searchIndex(index: CveIndex, q: SearchQuery, limit = MAX_HITS): { hits: SearchHit[]; more: boolean } {
  const found = new Map<number, string>();
  const note = (i: number, why: string) => { if (!found.has(i)) found.set(i, why); };
  if (q.title) {
    const t = q.title.trim();
    const exact = index.sigsByTitle(t);
    if (exact.length > 0) for (const si of exact) note(index.sigs[si]![0], `title: ${t}`);
    else {
      const lt = t.toLowerCase();
      for (const s of index.sigs) if (s[1] && s[1].toLowerCase().includes(lt)) note(s[0], `title: ${s[1]}`);
    }
  }
  if (q.function) {
    const f = q.function.trim().replace(/\(\)$/, '');
    for (const s of index.sigs) {
      const k = s[3].findIndex((x) => frameFunction(x) === f);
      if (k >= 0) note(s[0], `frame ${k + 1}: ${s[3][k]}`);
    }
    for (const i of index.recordsByIdent(f)) note(i, `subject names ${f}`);
  }
  const hits = (ids: number[]): SearchHit[] => ids.map((i) => {
    const r = index.record(i);
    return { id: index.ids[i]!, subject: r?.subject ?? '', matched: found.get(i)!, fixedIn: r ? fixedVersions(r.versions) : [] };
  });
  if (q.text) {
    const lt = q.text.trim().toLowerCase();
    const upper = q.text.trim().toUpperCase();
    // Text: the id, the subject, the files, the pasted reports' titles and frames (records read in order).
    const out: SearchHit[] = [];
    let more = false;
    const restrict = q.title || q.function ? new Set(found.keys()) : null;
    for (let i = 0; i < index.ids.length; i++) {
      if (restrict && !restrict.has(i)) continue;
      const r = index.record(i);
      if (!r) continue;
      const why = textMatch(r, lt, upper);
      if (!why) continue;
      if (out.length >= limit) { more = true; break; }
      out.push({ id: r.id, subject: r.subject, matched: restrict ? `${found.get(i)}; ${why}` : why, fixedIn: fixedVersions(r.versions) });
    }
    return { hits: out, more };
  }
  const ids = [...found.keys()].sort((a, b) => a - b);
  return { hits: hits(ids.slice(0, limit)), more: ids.length > limit };
}

function textMatch(r: CveRecord, lt: string, upper: string): string | null {
  if (r.id === upper) return 'id';
  if (r.subject.toLowerCase().includes(lt)) return 'subject';
  const f = r.files.find((x) => x.toLowerCase().includes(lt));
  if (f) return `file: ${f}`;
  for (const s of r.signatures) {
    if (s.title && s.title.toLowerCase().includes(lt)) return `title: ${s.title}`;
    const fr = s.frames.find((x) => x.toLowerCase().includes(lt));
    if (fr) return `frame: ${fr}`;
  }
  return null;
}

/** A record by id (case-insensitive), or null. */
export function showRecord(index: CveIndex, id: string): CveRecord | null {
  const i = index.indexOf(id.trim());
  return i === undefined ? null : index.record(i);
}
