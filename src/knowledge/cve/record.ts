// One CVE record of the kernel CNA (CVE JSON 5 plus its .dyad and .sha1 files) as the index keeps it.

import { identifiersOf, signaturesOfText, type Signature, MAX_DESCRIPTION_CHARS } from './signature.js';
import { versionsOf, type RecordVersions } from './versions.js';

export interface CveRecord {
  id: string;
  /** The fix's subject (`containers.cna.title`, else the description's subject line). */
  subject: string;
  /** The mainline fix commit (`.sha1`, else the last reference); the branches' commits are in `versions`. */
  commit: string | null;
  /** Files the fix touches (`programFiles`). */
  files: string[];
  versions: RecordVersions;
  signatures: Signature[];
  /** Identifiers the subject names (functions, structs). */
  identifiers: string[];
  /** `cveMetadata.datePublished` / `dateUpdated` when present. */
  published: string | null;
  updated: string | null;
  /** The description was longer than MAX_DESCRIPTION_CHARS and only its start was read. */
  cut?: boolean;
}

export class RecordError extends Error {}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

function str(v: unknown, max = 4096): string | null {
  return typeof v === 'string' ? v.slice(0, max) : null;
}

/** The subject of a description: the first non-empty line after the CNA's preamble. */
function subjectOf(desc: string): string {
  const body = desc.replace(/^In the Linux kernel, the following vulnerability has been resolved:\s*/, '');
  return (body.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 300);
}

/** Parses one record; throws RecordError for anything that is not a published kernel CNA record. */
export function parseRecord(jsonText: string, dyad: string | null, sha1: string | null): CveRecord {
  return completeRecord(parseRecordJson(jsonText), dyad, sha1);
}

/** A record read from its JSON alone: its semver version entries wait for the dyad (completeRecord). */
export interface PartialRecord {
  rec: CveRecord;
  /** The non-git entries of `affected[].versions`, as versionsOf() reads them. */
  affected: unknown[];
}

/** Adds what the .dyad and .sha1 files say: per-branch versions and the mainline fix commit. */
export function completeRecord(p: PartialRecord, dyad: string | null, sha1: string | null): CveRecord {
  const sha = /^[0-9a-f]{40}$/m.exec(sha1 ?? '')?.[0];
  return { ...p.rec, versions: versionsOf(p.affected, dyad), commit: sha ?? p.rec.commit };
}

/** Parses a record's JSON; throws RecordError for anything that is not a published kernel CNA record. */
export function parseRecordJson(jsonText: string): PartialRecord {
  if (jsonText.length > MAX_RECORD_BYTES) throw new RecordError('record larger than 4 MiB');
  let d: unknown;
  try { d = JSON.parse(jsonText); } catch (err) { throw new RecordError(`not JSON: ${(err as Error).message.slice(0, 80)}`); }
  if (!d || typeof d !== 'object') throw new RecordError('not a JSON object');
  const meta = (d as { cveMetadata?: Record<string, unknown> }).cveMetadata;
  const cna = (d as { containers?: { cna?: Record<string, unknown> } }).containers?.cna;
  const id = str(meta?.cveId, 40);
  if (!id || !CVE_ID.test(id)) throw new RecordError('no cveMetadata.cveId');
  if (!cna || typeof cna !== 'object') throw new RecordError(`${id}: no containers.cna`);
  const descs = Array.isArray(cna.descriptions) ? cna.descriptions as unknown[] : [];
  const en = descs.find((x) => (x as { lang?: unknown })?.lang === 'en') ?? descs[0];
  const full = str((en as { value?: unknown })?.value, 16 * 1024 * 1024);
  if (full === null) throw new RecordError(`${id}: no description`);
  const desc = full.length > MAX_DESCRIPTION_CHARS ? full.slice(0, MAX_DESCRIPTION_CHARS) : full;
  const subject = (str(cna.title, 300) ?? subjectOf(desc)).trim();
  const affected = Array.isArray(cna.affected) ? cna.affected as unknown[] : [];
  const files = new Set<string>();
  for (const a of affected.slice(0, 16)) {
    const pf = (a as { programFiles?: unknown })?.programFiles;
    if (Array.isArray(pf)) for (const f of pf.slice(0, 200)) if (typeof f === 'string' && f.length < 300) files.add(f);
  }
  const commits: string[] = [];
  const refs = Array.isArray(cna.references) ? cna.references as unknown[] : [];
  for (const r of refs.slice(0, 64)) {
    const m = /\/c\/([0-9a-f]{12,40})\b/.exec(str((r as { url?: unknown })?.url, 500) ?? '') ?? /[?&;]id=([0-9a-f]{12,40})\b/.exec(str((r as { url?: unknown })?.url, 500) ?? '');
    if (m && !commits.includes(m[1]!)) commits.push(m[1]!);
  }
  const versionEntries: unknown[] = [];
  for (const a of affected.slice(0, 16)) {
    const vs = (a as { versions?: unknown })?.versions;
    if (Array.isArray(vs)) for (const v of vs.slice(0, 200)) if ((v as { versionType?: unknown })?.versionType !== 'git') versionEntries.push(v);
  }
  const rec: CveRecord = {
    id, subject, commit: commits[commits.length - 1] ?? null, files: [...files], versions: versionsOf([], null),
    signatures: signaturesOfText(desc), identifiers: identifiersOf(subject),
    published: str(meta?.datePublished, 40), updated: str(meta?.dateUpdated, 40),
    ...(full.length > MAX_DESCRIPTION_CHARS ? { cut: true } : {}),
  };
  return { rec, affected: [{ versions: versionEntries }] };
}
