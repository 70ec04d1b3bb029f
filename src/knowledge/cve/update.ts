// `kb update`: read a snapshot, parse every record, write the index; the summary says what was skipped.

import { completeRecord, parseRecordJson, RecordError, type CveRecord, type PartialRecord } from './record.js';
import { readSnapshot } from './source.js';
import { writeIndex, type IndexCounts, type IndexMeta } from './index-file.js';
import { VERSION } from '../../version.js';

export interface UpdateResult {
  path: string;
  bytes: number;
  counts: IndexCounts;
  meta: IndexMeta;
  ms: number;
  /** The first few reasons records were skipped (for the summary). */
  skipReasons: string[];
}

export class UpdateError extends Error {}

/** Builds the index in `dir` from the snapshot at `from`. Throws UpdateError when nothing usable was read. */
export async function updateIndex(from: string, dir: string, onProgress?: (msg: string) => void): Promise<UpdateResult> {
  const t0 = Date.now();
  onProgress?.(`reading ${from}`);
  const skipReasons: string[] = [];
  let skipped = 0;
  const skip = (why: string) => { skipped++; if (skipReasons.length < 5) skipReasons.push(why.slice(0, 200)); };
  // Records are parsed as their JSON arrives (the snapshot's text is never held whole); the dyad and sha1
  // files, small, wait for the end.
  const parts = new Map<string, { p?: PartialRecord; dyad?: string; sha1?: string; bad?: boolean }>();
  let read = 0;
  const snap = await readSnapshot(from, (id, ext, text) => {
    const e = parts.get(id) ?? {};
    parts.set(id, e);
    if (ext === 'json') {
      read++;
      if (onProgress && read % 1000 === 0) onProgress(`parsing records: ${read}`);
      try {
        e.p = parseRecordJson(text);
        if (e.p.rec.id !== id) throw new RecordError(`${id}.json names ${e.p.rec.id}`);
      } catch (err) {
        delete e.p;
        e.bad = true;
        skip(`${id}: ${err instanceof RecordError ? err.message : `unexpected error: ${(err as Error).message}`}`);
      }
    } else if (text.length <= 256 * 1024) e[ext] = text;
  });
  if (snap.error && snap.files === 0) throw new UpdateError(snap.error);
  const records: CveRecord[] = [];
  let cut = 0;
  for (const id of [...parts.keys()].sort(compareIds)) {
    const e = parts.get(id)!;
    if (!e.p) { if (!e.bad) skip(`${id}: no .json file`); continue; }
    const r = completeRecord(e.p, e.dyad ?? null, e.sha1 ?? null);
    if (r.cut) cut++;
    records.push(r);
  }
  parts.clear();
  if (records.length === 0) throw new UpdateError(`${from}: no record could be read${skipReasons[0] ? ` (${skipReasons[0]})` : ''}`);
  const counts: IndexCounts = {
    records: records.length,
    withSignature: records.filter((r) => r.signatures.length > 0).length,
    signatures: records.reduce((n, r) => n + r.signatures.length, 0),
    skippedRecords: skipped,
    skippedFiles: snap.skippedFiles,
    cutDescriptions: cut,
  };
  const meta: IndexMeta = {
    from: snap.meta.from, kind: snap.meta.kind, commit: snap.meta.commit, date: snap.meta.date,
    builtAt: new Date().toISOString(), builtBy: `ktriage ${VERSION}`, termsOfUse: snap.meta.termsOfUse, counts,
  };
  onProgress?.('writing the index');
  const w = writeIndex(dir, records, meta);
  return { path: w.path, bytes: w.bytes, counts, meta, ms: Date.now() - t0, skipReasons };
}

function compareIds(a: string, b: string): number {
  const [, ya, na] = /^CVE-(\d+)-(\d+)$/.exec(a) ?? [, '0', '0'];
  const [, yb, nb] = /^CVE-(\d+)-(\d+)$/.exec(b) ?? [, '0', '0'];
  return Number(ya) - Number(yb) || Number(na) - Number(nb);
}
