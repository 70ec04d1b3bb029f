// Matching a report's crashes against the CVE index: candidates by exact title, then by top frames in order,
// then by the crashing function named in a record's subject with its file among the record's files. Every
// candidate carries a confidence and the evidence it rests on, and goes through the version gate.
//
// Cost: per distinct crash signature a few map lookups and, per candidate, one record read by offset; never a
// scan of the records (a 10,000-event log has few distinct signatures, and those are capped).

import type { CrashEvent, Evidence, KnownIssueMatch } from '../../model/types.js';
import { derived, frameEvidence, headerEvidence, type Draft } from '../../analysis/evidence.js';
import { baseName } from '../../analysis/frames.js';
import type { CveIndex } from './index-file.js';
import type { CveRecord } from './record.js';
import { frameFunction, signatureOfEvent, specificTitle, type Signature } from './signature.js';
import { fixedVersions, gate, kernelUpstreamOf } from './versions.js';

export type Confidence = 'high' | 'medium' | 'low';

/** Distinct crash signatures looked up per report. */
const MAX_LOOKUPS = 200;
/** A title or frame shared by more signatures than this says little: its candidates are not read. */
const MAX_CANDIDATES_PER_KEY = 64;
/** An identifier in more subjects than this (`skb`-style) is not a lead. */
const MAX_RECORDS_PER_IDENT = 24;
/** CVE matches reported per report. */
export const MAX_CVE_MATCHES = 5;

export interface CveCandidate {
  record: number;
  confidence: Confidence;
  score: number;
  /** `title`, `frames`, `subject` (what the match rests on). */
  matchedBy: string[];
  event: CrashEvent;
  /** The record's signature that matched (null for subject matches). */
  recordSig: Signature | null;
  /** Functions matched in order (frames), or the subject's function. */
  functions: string[];
  /** Why a subject match is as strong as it is. */
  why: string;
}

const RANK: Record<Confidence, number> = { high: 3, medium: 2, low: 1 };

/** Functions of `want` found in order in `have` (greedy, from the start), when the first match is near the top. */
export function orderedMatch(want: string[], have: string[]): string[] {
  const w = want.map(frameFunction);
  const h = have.map(frameFunction);
  // Both traces must start at the same place: the first common frame is among the top two of each.
  let start = -1;
  let hs = -1;
  for (let i = 0; i < Math.min(2, w.length) && start < 0; i++) {
    const j = h.indexOf(w[i]!);
    if (j >= 0 && j < 2) { start = i; hs = j; }
  }
  if (start < 0) return [];
  const out: string[] = [w[start]!];
  let k = hs + 1;
  for (let i = start + 1; i < w.length; i++) {
    const j = h.indexOf(w[i]!, k);
    if (j >= 0) { out.push(w[i]!); k = j + 1; }
  }
  return out;
}

/** Confidence of a signature pair (null: not a candidate). */
export function judge(crash: Signature, rec: Signature, titleShared: number): { confidence: Confidence; score: number; matchedBy: string[]; functions: string[] } | null {
  const titleEq = crash.title !== null && crash.title === rec.title;
  const specific = titleEq && specificTitle(crash.title);
  const fns = rec.frames.length > 0 && crash.frames.length > 0 ? orderedMatch(rec.frames, crash.frames) : [];
  const m = fns.length;
  const kindEq = crash.kind === rec.kind;
  const matchedBy = [...(titleEq ? ['title'] : []), ...(m >= 2 ? ['frames'] : [])];
  let confidence: Confidence | null = null;
  // Title and frames: two frames in order, three when both traces are long enough to show three.
  if (specific && m >= 2 && (m >= 3 || Math.min(rec.frames.length, crash.frames.length) < 4)) confidence = 'high';
  else if (m >= 4 && kindEq) confidence = 'high';
  // The record pasted only the report's header: a specific title no other record shares.
  else if (specific && rec.frames.length < 2 && titleShared === 1) confidence = 'high';
  else if (specific || m >= 3 || (m >= 2 && kindEq)) confidence = 'medium';
  else if (titleEq || m >= 2) confidence = 'low';
  if (!confidence) return null;
  return { confidence, score: (titleEq ? 10 : 0) + (specific ? 5 : 0) + 3 * m + (kindEq ? 1 : 0), matchedBy, functions: fns };
}

/** Source files the report names: `WARNING: ... at fs/ext4/inode.c:12`, `kernel BUG at mm/slub.c:4`, frames' `file:line`. */
function filesNamed(ev: CrashEvent): string[] {
  const out = new Set<string>();
  for (const l of ev.lines.slice(0, 120)) {
    for (const m of l.matchAll(/(?:^|\s)((?:[\w.+-]+\/)+[\w.+-]+\.[chS]):\d+/g)) out.add(m[1]!);
    if (out.size > 32) break;
  }
  return [...out];
}

/** Whether a record's files hold the crashing function's file: named in the report, or its module's source. */
function fileEvidence(rec: CveRecord, ev: CrashEvent, module: string | null): string | null {
  const named = filesNamed(ev);
  const hit = rec.files.find((f) => named.some((n) => f === n || f.endsWith('/' + n) || n.endsWith('/' + f)));
  if (hit) return `the report names ${hit}, a file the fix changes`;
  if (module) {
    const mod = module.replace(/-/g, '_');
    const f = rec.files.find((x) => {
      const base = x.split('/').pop()!.replace(/\.[ch]$/, '').replace(/-/g, '_');
      const dir = x.split('/').slice(-2, -1)[0]?.replace(/-/g, '_');
      return base === mod || dir === mod;
    });
    if (f) return `module ${module} is built from ${f.split('/').slice(0, -1).join('/')}/, where the fix changes ${f}`;
  }
  return null;
}

/** Candidates for every distinct crash signature of the report, best first, one per record. */
export function cveCandidates(draft: Draft, index: CveIndex): CveCandidate[] {
  const best = new Map<number, CveCandidate>();
  const keep = (c: CveCandidate) => {
    const old = best.get(c.record);
    if (!old || RANK[c.confidence] > RANK[old.confidence] || (RANK[c.confidence] === RANK[old.confidence] && c.score > old.score)) best.set(c.record, c);
  };
  const seen = new Set<string>();
  // Repeated reports (the same oops on every CPU, a warning in a loop) are seen once, before their signature
  // (the title engine on the event's lines) is made.
  const seenRaw = new Set<string>();
  for (const ev of draft.events) {
    if (seen.size >= MAX_LOOKUPS) break;
    const raw = `${ev.kind}\u0000${ev.title}\u0000${ev.rip?.function ?? ''}\u0000${ev.frames.slice(0, 6).map((f) => f.function ?? '').join('\u0001')}`;
    if (seenRaw.has(raw)) continue;
    seenRaw.add(raw);
    if (seenRaw.size > MAX_LOOKUPS * 8) break;
    const sig = signatureOfEvent(ev);
    const key = `${sig.title}\u0000${sig.frames.join('\u0001')}`;
    if (seen.has(key) || (sig.title === null && sig.frames.length === 0)) continue;
    seen.add(key);
    const cands = new Set<number>();
    if (sig.title) {
      const byTitle = index.sigsByTitle(sig.title);
      if (byTitle.length <= MAX_CANDIDATES_PER_KEY) byTitle.forEach((i) => cands.add(i));
    }
    for (const f of sig.frames.slice(0, 2)) {
      const byFrame = index.sigsByFrame(frameFunction(f));
      if (byFrame.length <= MAX_CANDIDATES_PER_KEY * 4) byFrame.forEach((i) => cands.add(i));
    }
    const titleRecords = sig.title ? new Set(index.sigsByTitle(sig.title).map((i) => index.sigs[i]![0])).size : 0;
    for (const si of cands) {
      const [rec, title, kind, frames] = index.sigs[si]!;
      const rs: Signature = { title, kind, frames, header: '' };
      const j = judge(sig, rs, titleRecords);
      if (j) keep({ record: rec, ...j, event: ev, recordSig: rs, why: '' });
    }
    // The crashing function named in a subject, with its file among the record's files.
    const fn = sig.frames[0] ? frameFunction(sig.frames[0]) : / in ([A-Za-z_]\w*)$/.exec(sig.title ?? '')?.[1] ?? null;
    if (fn) {
      const mod = /\[([\w-]+)\]$/.exec(sig.frames[0] ?? '')?.[1] ?? null;
      const recs = index.recordsByIdent(baseName(fn));
      if (recs.length <= MAX_RECORDS_PER_IDENT) {
        for (const ri of recs) {
          if (best.has(ri) && RANK[best.get(ri)!.confidence] >= RANK.medium) continue;
          const r = index.record(ri);
          if (!r) continue;
          const file = fileEvidence(r, ev, mod);
          keep({
            record: ri, confidence: file ? 'medium' : 'low', score: file ? 4 : 1, matchedBy: ['subject'], event: ev,
            recordSig: null, functions: [fn], why: file ?? 'the fix names the crashing function, but no file of the report ties them',
          });
        }
      }
    }
  }
  return [...best.values()].sort((a, b) => RANK[b.confidence] - RANK[a.confidence] || b.score - a.score || a.record - b.record);
}

function evidenceOf(c: CveCandidate, rec: CveRecord): Evidence[] {
  const ev = c.event;
  const out: Evidence[] = [headerEvidence(ev)];
  if (c.recordSig && c.matchedBy.includes('title')) out.push(derived(`title "${ev.title}" is the title of the report pasted in ${rec.id}`));
  if (c.recordSig && c.functions.length >= 2) {
    out.push(derived(`top frames in the order of ${rec.id}'s report: ${c.functions.join(' < ')} (${c.functions.length} of its ${c.recordSig.frames.length})`));
    for (const fn of c.functions.slice(0, 6)) {
      const f = ev.frames.find((x) => x.function && baseName(x.function) === fn);
      if (f) out.push(frameEvidence(ev, f));
      else {
        const i = ev.lines.findIndex((l) => l.includes(`${fn}+0x`));
        if (i >= 0) out.push({ source: ev.source.file, line: ev.source.startLine + i, text: ev.lines[i]!.trim().slice(0, 400) });
      }
    }
  }
  if (c.matchedBy.includes('subject')) out.push(derived(`the fix "${rec.subject}" names ${c.functions[0]}; ${c.why}`));
  return out;
}

/** The CVE matches of a report (medium and high confidence), with the version gate applied. */
export function matchCves(draft: Draft, index: CveIndex): KnownIssueMatch[] {
  const kernel = kernelUpstreamOf(draft.kernel.release, draft.kernel.version);
  const out: KnownIssueMatch[] = [];
  for (const c of cveCandidates(draft, index)) {
    if (out.length >= MAX_CVE_MATCHES) break;
    if (c.confidence === 'low') continue;
    const rec = index.record(c.record);
    if (!rec) continue;
    const g = gate(kernel, rec.versions, rec.id);
    const all = fixedVersions(rec.versions);
    const fixedIn = g.fixed ? [g.fixed, ...all.filter((v) => v !== g.fixed)] : all;
    const fix = rec.commit;
    const branchFix = g.fixed ? rec.versions.branches.find((b) => b.fixed === g.fixed && b.commit) : undefined;
    out.push({
      id: rec.id, title: rec.subject, fixedIn,
      references: [
        ...(fix ? [`https://git.kernel.org/stable/c/${fix} (${rec.subject})`] : []),
        ...(branchFix ? [`https://git.kernel.org/stable/c/${branchFix.commit} (the fix in ${branchFix.fixed}, ${branchFix.series} branch)`] : []),
        `https://www.cve.org/CVERecord?id=${rec.id}`,
      ],
      workarounds: [], evidence: evidenceOf(c, rec), affected: g.affected,
      source: 'cve', confidence: c.confidence, matchedBy: c.matchedBy, status: g.note, fixCommit: fix,
    });
  }
  return out;
}
