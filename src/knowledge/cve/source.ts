// Reading a snapshot of the CNA's repository: a git checkout, a directory of the same layout, or a tarball
// (`.tar.gz`/`.tgz`/`.tar`). Yields the files of cve/published/YYYY/ (json, dyad, sha1) and the terms of use.

import { closeSync, createReadStream, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { TarReader } from './tar.js';

/** Files of one record, by CVE id. */
export interface RecordFiles {
  json?: string;
  dyad?: string;
  sha1?: string;
}

export interface SnapshotMeta {
  /** The path given to `kb update --from`. */
  from: string;
  kind: 'git' | 'directory' | 'tarball';
  /** The checkout's HEAD commit (git), else null. */
  commit: string | null;
  /** The snapshot's date: git HEAD's committer date, else a date in the tarball's name, else its mtime. */
  date: string | null;
  /** LICENSES/cve-tou.txt, when the snapshot has it. */
  termsOfUse: string | null;
}

/** Receives each record file as it is read (json, dyad and sha1 of one id come in any order). */
export type RecordFileSink = (id: string, ext: keyof RecordFiles, text: string) => void;

export interface Snapshot {
  meta: SnapshotMeta;
  /** Record files read. */
  files: number;
  /** Files under cve/published that are not json/dyad/sha1 of a CVE id, or too large. */
  skippedFiles: number;
  /** What made the snapshot unreadable as a whole (null: read). */
  error: string | null;
}

const MAX_FILE = 4 * 1024 * 1024;
const RECORD_PATH = /(?:^|\/)cve\/published\/\d{4}\/(CVE-\d{4}-\d{4,})\.(json|dyad|sha1)$/;
const TOU_PATH = /(?:^|\/)LICENSES\/cve-tou\.txt$/;

function add(snap: Snapshot, sink: RecordFileSink, name: string, data: Buffer): void {
  if (TOU_PATH.test(name)) { snap.meta.termsOfUse = data.toString('utf8').slice(0, 64 * 1024); return; }
  const m = RECORD_PATH.exec(name);
  if (!m) { if (/cve\/published\//.test(name)) snap.skippedFiles++; return; }
  snap.files++;
  sink(m[1]!, m[2] as keyof RecordFiles, data.toString('utf8'));
}

function dateInName(p: string): string | null {
  const m = /(\d{4}-\d{2}-\d{2})/.exec(basename(p));
  return m ? m[1]! : null;
}

/** HEAD's commit and committer date from a checkout's .git (loose or packed refs; no git binary needed). */
function gitHead(dir: string): { commit: string; date: string | null } | null {
  const g = join(dir, '.git');
  try {
    if (!existsSync(g) || !statSync(g).isDirectory()) return null;
    let head = readFileSync(join(g, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head);
    if (ref) {
      const loose = join(g, ref[1]!);
      if (existsSync(loose)) head = readFileSync(loose, 'utf8').trim();
      else {
        const packed = existsSync(join(g, 'packed-refs')) ? readFileSync(join(g, 'packed-refs'), 'utf8') : '';
        head = packed.split('\n').find((l) => l.endsWith(` ${ref[1]}`))?.split(' ')[0] ?? '';
      }
    }
    if (!/^[0-9a-f]{40}$/.test(head)) return null;
    return { commit: head, date: null };
  } catch {
    return null;
  }
}

function walk(snap: Snapshot, sink: RecordFileSink, root: string): void {
  const pub = join(root, 'cve', 'published');
  if (!existsSync(pub)) { snap.error = `${root}: no cve/published directory (not a copy of the CNA's vulns repository)`; return; }
  const tou = join(root, 'LICENSES', 'cve-tou.txt');
  if (existsSync(tou)) snap.meta.termsOfUse = readFileSync(tou, 'utf8').slice(0, 64 * 1024);
  for (const year of readdirSync(pub).sort()) {
    const yd = join(pub, year);
    if (!/^\d{4}$/.test(year) || !statSync(yd).isDirectory()) continue;
    for (const f of readdirSync(yd).sort()) {
      const p = join(yd, f);
      const rel = `cve/published/${year}/${f}`;
      if (!RECORD_PATH.test(rel)) { snap.skippedFiles++; continue; }
      let st;
      try { st = statSync(p); } catch { snap.skippedFiles++; continue; }
      if (!st.isFile() || st.size > MAX_FILE) { snap.skippedFiles++; continue; }
      add(snap, sink, rel, readFileSync(p));
    }
  }
}

/** gzip by its magic bytes (a tarball under another name). */
function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

async function readTarball(snap: Snapshot, sink: RecordFileSink, path: string): Promise<void> {
  const tar = new TarReader({
    // Other files under cve/published/ are read only to be counted as skipped.
    want: (n) => RECORD_PATH.test(n) || TOU_PATH.test(n) || /(?:^|\/)cve\/published\//.test(n),
    maxFileBytes: MAX_FILE,
    onEntry: (e) => add(snap, sink, e.name, e.data),
    onSkip: () => { snap.skippedFiles++; },
  });
  const gz = /\.(tar\.gz|tgz)$/i.test(path) || isGzip(path);
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
  const stream = gz ? input.pipe(createGunzip({ chunkSize: 256 * 1024 })) : input;
  try {
    for await (const chunk of stream) {
      tar.push(chunk as Buffer);
      if (tar.error) break;
    }
  } catch (err) {
    snap.error = `${path}: ${(err as Error).message}`;
  } finally {
    input.destroy();
  }
  if (tar.error && !snap.error) snap.error = `${path}: ${tar.error}`;
  else if (!tar.finished() && !snap.error && snap.files === 0) snap.error = `${path}: the archive ends inside an entry`;
}

/** Reads a snapshot; never throws for bad content (error says why it could not be read). */
export async function readSnapshot(from: string, sink: RecordFileSink): Promise<Snapshot> {
  const snap: Snapshot = {
    meta: { from, kind: 'directory', commit: null, date: null, termsOfUse: null },
    files: 0, skippedFiles: 0, error: null,
  };
  let st;
  try { st = statSync(from); } catch (err) { snap.error = `cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`; return snap; }
  if (st.isDirectory()) {
    const head = gitHead(from);
    if (head) { snap.meta.kind = 'git'; snap.meta.commit = head.commit; snap.meta.date = head.date; }
    try { walk(snap, sink, from); } catch (err) { snap.error = `${from}: ${(err as Error).message}`; }
    if (!snap.meta.date) snap.meta.date = st.mtime.toISOString().slice(0, 10);
  } else {
    snap.meta.kind = 'tarball';
    snap.meta.date = dateInName(from) ?? st.mtime.toISOString().slice(0, 10);
    await readTarball(snap, sink, from);
    if (!snap.error && snap.files === 0) snap.error = `${from}: no cve/published/YYYY/CVE-*.json records in the archive`;
  }
  return snap;
}
