// The local CVE index: one file, `DIR/cve-index.jsonl`, written whole to a temporary name and renamed over
// the old one (a newer snapshot replaces the index in one step; a reader sees the old or the new file).
//
// Line 1 is the lookup part, loaded by every command that matches: meta (source, commit, date, terms of use,
// counts), the record ids, each record's byte offset, the crash signatures and the subject identifiers.
// Every further line is one record (CveRecord as JSON), read by offset only for the candidates a crash
// brings up: analyze parses the small lookup part, never the 12,000 records.

import { closeSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import type { EventKind } from '../../model/types.js';
import type { CveRecord } from './record.js';
import type { SnapshotMeta } from './source.js';
import { frameFunction } from './signature.js';

export const INDEX_FILE = 'cve-index.jsonl';
export const INDEX_FORMAT = 'ktriage-cve-index';
export const INDEX_VERSION = 2;

export interface IndexCounts {
  records: number;
  /** Records with at least one crash signature. */
  withSignature: number;
  signatures: number;
  /** Records that did not parse (bad JSON, no id, no description). */
  skippedRecords: number;
  /** Files that are not record files or were too large. */
  skippedFiles: number;
  /** Records whose description was longer than the part read. */
  cutDescriptions: number;
}

export interface IndexMeta extends Omit<SnapshotMeta, 'termsOfUse'> {
  builtAt: string;
  builtBy: string;
  /** The CVE Terms of Use the data is under (LICENSES/cve-tou.txt of the snapshot). */
  termsOfUse: string | null;
  counts: IndexCounts;
}

/** A signature as the lookup part keeps it: [record index, title, kind, frames]. */
export type PackedSig = [number, string | null, EventKind, string[]];

interface Head {
  format: string;
  version: number;
  meta: IndexMeta;
  ids: string[];
  /** Byte offsets of each record line from the start of line 2; one more entry: the end. */
  offsets: number[];
  sigs: PackedSig[];
  /** Identifier -> record indexes. */
  idents: Record<string, number[]>;
  /** Title -> signature indexes; function of a signature's first or second frame -> signature indexes. */
  titles: Record<string, number[]>;
  frames: Record<string, number[]>;
}

export class IndexError extends Error {}

/** Writes the index for `records` into `dir` (temporary file, then rename). Returns the file and its size. */
export function writeIndex(dir: string, records: CveRecord[], meta: IndexMeta): { path: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const ids: string[] = [];
  const lines: Buffer[] = [];
  const offsets: number[] = [];
  const sigs: PackedSig[] = [];
  const idents: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  let off = 0;
  records.forEach((r, i) => {
    ids.push(r.id);
    // Null fields are left out (a reader takes a missing field as null): a tenth of the index's size.
    const b = Buffer.from(JSON.stringify(r, (_k, v: unknown) => (v === null ? undefined : v)) + '\n', 'utf8');
    offsets.push(off);
    off += b.length;
    lines.push(b);
    for (const s of r.signatures) sigs.push([i, s.title, s.kind, s.frames]);
    for (const w of r.identifiers) (idents[w] ??= []).push(i);
  });
  offsets.push(off);
  // The lookup maps are written ready to use: loading is one JSON.parse, no loop over the signatures.
  const titles: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  const frames: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  sigs.forEach((s, i) => {
    if (s[1]) (titles[s[1]] ??= []).push(i);
    // A signature is found by its first two frames (the RIP may be a helper such as memset).
    for (const f of new Set(s[3].slice(0, 2).map(frameFunction))) (frames[f] ??= []).push(i);
  });
  const head: Head = { format: INDEX_FORMAT, version: INDEX_VERSION, meta, ids, offsets, sigs, idents, titles, frames };
  const path = join(dir, INDEX_FILE);
  const tmp = join(dir, `.${INDEX_FILE}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(head) + '\n');
    for (const b of lines) writeSync(fd, b);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return { path, bytes: statSync(path).size };
}

/** A loaded index: lookups by title, by top frame, by identifier; records read by offset. */
export class CveIndex {
  readonly meta: IndexMeta;
  readonly ids: string[];
  readonly sigs: PackedSig[];
  private readonly offsets: number[];
  private readonly idents: Record<string, number[]>;
  private readonly byTitle: Record<string, number[]>;
  private readonly byFrame: Record<string, number[]>;
  private byId: Map<string, number> | null = null;
  private readonly cache = new Map<number, CveRecord | null>();
  /** Records read from the file so far (matching reads only its candidates'). */
  reads = 0;

  constructor(readonly path: string, private readonly bodyStart: number, head: Head) {
    this.meta = head.meta;
    this.ids = head.ids;
    this.sigs = head.sigs;
    this.offsets = head.offsets;
    this.idents = head.idents;
    this.byTitle = head.titles;
    this.byFrame = head.frames;
  }

  /** Signature indexes with this exact title. */
  sigsByTitle(title: string): number[] { return lookup(this.byTitle, title); }
  /** Signature indexes whose first or second frame is this function. */
  sigsByFrame(fn: string): number[] { return lookup(this.byFrame, fn); }
  /** Record indexes whose subject names this identifier. */
  recordsByIdent(w: string): number[] { return lookup(this.idents, w); }
  indexOf(id: string): number | undefined {
    if (!this.byId) { this.byId = new Map(); this.ids.forEach((x, i) => this.byId!.set(x, i)); }
    return this.byId.get(id.toUpperCase());
  }

  /** One record, read from the file by its offset (null when the line does not parse). */
  record(i: number): CveRecord | null {
    if (this.cache.has(i)) return this.cache.get(i)!;
    let rec: CveRecord | null = null;
    const start = this.offsets[i];
    const end = this.offsets[i + 1];
    if (start !== undefined && end !== undefined && end > start && end - start < 16 * 1024 * 1024) {
      const fd = openSync(this.path, 'r');
      this.reads++;
      try {
        const b = Buffer.alloc(end - start);
        readSync(fd, b, 0, b.length, this.bodyStart + start);
        rec = withDefaults(JSON.parse(b.toString('utf8')) as CveRecord);
      } catch {
        rec = null;
      } finally {
        closeSync(fd);
      }
    }
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(i, rec);
    return rec;
  }

  /** Every record in file order (kb search), streamed. */
  *records(): Generator<CveRecord> {
    for (let i = 0; i < this.ids.length; i++) {
      const r = this.record(i);
      if (r) yield r;
    }
  }
}

/** Puts back the null fields the writer left out, and empty lists where a damaged line lacks them. */
function withDefaults(r: CveRecord): CveRecord {
  const v = r.versions ?? { introduced: null, mainlineFixed: null, branches: [] };
  return {
    ...r, subject: typeof r.subject === 'string' ? r.subject : '', commit: r.commit ?? null,
    files: Array.isArray(r.files) ? r.files : [], identifiers: Array.isArray(r.identifiers) ? r.identifiers : [],
    published: r.published ?? null, updated: r.updated ?? null,
    signatures: (Array.isArray(r.signatures) ? r.signatures : []).map((s) => ({ ...s, title: s.title ?? null, frames: Array.isArray(s.frames) ? s.frames : [] })),
    versions: {
      introduced: v.introduced ?? null, mainlineFixed: v.mainlineFixed ?? null,
      branches: (Array.isArray(v.branches) ? v.branches : []).map((b) => ({ series: b.series, fixed: b.fixed ?? null, introduced: b.introduced ?? null, commit: b.commit ?? null })),
    },
  };
}

/** A key of a parsed JSON object, own properties only (`__proto__`, `constructor` from a hostile record are data). */
function lookup(o: Record<string, number[]>, k: string): number[] {
  const v = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
  return Array.isArray(v) ? v : [];
}

/** Loads `DIR/cve-index.jsonl`; null when there is none; IndexError when it is not a ktriage index. */
export function loadIndex(dir: string): CveIndex | null {
  const path = join(dir, INDEX_FILE);
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw new IndexError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    // The lookup part is the first line: read until its newline (bounded: 64 MiB).
    const parts: Buffer[] = [];
    let got = 0;
    let nl = -1;
    while (nl < 0 && got < Math.min(size, 64 * 1024 * 1024)) {
      const b = Buffer.allocUnsafe(Math.min(2 * 1024 * 1024, size - got));
      const n = readSync(fd, b, 0, b.length, got);
      if (n <= 0) break;
      const i = b.subarray(0, n).indexOf(10);
      if (i >= 0) { nl = got + i; parts.push(b.subarray(0, i)); } else parts.push(b.subarray(0, n));
      got += n;
    }
    if (nl < 0) throw new IndexError(`${path}: not a ktriage CVE index (no lookup line)`);
    let head: Head;
    try { head = JSON.parse(Buffer.concat(parts).toString('utf8')) as Head; } catch { throw new IndexError(`${path}: not a ktriage CVE index (lookup line is not JSON)`); }
    if (head?.format !== INDEX_FORMAT) throw new IndexError(`${path}: not a ktriage CVE index`);
    if (head.version !== INDEX_VERSION) throw new IndexError(`${path}: index format ${String(head.version)}, this ktriage reads ${INDEX_VERSION}: run ktriage kb update again`);
    if (!Array.isArray(head.ids) || !Array.isArray(head.offsets) || !Array.isArray(head.sigs) || typeof head.idents !== 'object' ||
      typeof head.titles !== 'object' || typeof head.frames !== 'object' || !head.idents || !head.titles || !head.frames) {
      throw new IndexError(`${path}: damaged index (run ktriage kb update again)`);
    }
    return new CveIndex(path, nl + 1, head);
  } finally {
    closeSync(fd);
  }
}
