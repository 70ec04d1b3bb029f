// Matches a report against the known-issue base: crash kind, functions on a stack (in order), modules,
// struct facts and header text; then says whether the running kernel is below the fix for its line.

import type { Evidence, KnownIssueMatch } from '../model/types.js';
import { type Draft, headerEvidence, refEvidence, stacksOf, type StackView, derived } from '../analysis/evidence.js';
import type { AffectedRange, KnownIssue, StructCondition } from './types.js';
import { KNOWN_ISSUES } from './issues/index.js';
import { compareVersions, kernelVersionOf, seriesOf, compareUpstream, type KernelVersion } from './version.js';

/** Ordered subsequence match of `want` in `names`; returns the matched indexes or null. */
function subsequence(names: string[], want: string[]): number[] | null {
  const idx: number[] = [];
  let k = 0;
  for (let i = 0; i < names.length && k < want.length; i++) {
    if (names[i] === want[k]) { idx.push(i); k++; }
  }
  return k === want.length ? idx : null;
}

function numericValue(v: string): number | null {
  const s = v.trim().toLowerCase();
  if (/^0x[0-9a-f]+$/.test(s)) return parseInt(s, 16);
  if (/^-?\d+$/.test(s)) return parseInt(s, 10);
  return null;
}

/** True when a printed member value equals one of the accepted values (`0xc` = `12`, enum names as words). */
export function valueMatches(printed: string, accepted: string[]): boolean {
  const p = printed.trim();
  const pn = numericValue(p);
  for (const a of accepted) {
    const an = numericValue(a);
    if (an !== null && pn !== null && an === pn) return true;
    if (an === null && new RegExp(`\\b${a.replace(/[^A-Za-z0-9_]/g, '')}\\b`).test(p)) return true;
  }
  return false;
}

function structEvidence(draft: Draft, conds: StructCondition[]): Evidence[] | null {
  const out: Evidence[] = [];
  for (const c of conds) {
    let hit: Evidence | null = null;
    for (const s of draft.dump?.structs ?? []) {
      for (const [name, value] of Object.entries(s.members)) {
        const last = name.split('.').pop();
        if (last === c.member && valueMatches(value, c.values)) {
          hit = refEvidence(s.source, `${s.type}${s.address ? ' ' + s.address : ''}: ${name} = ${value}`);
          break;
        }
      }
      if (hit) break;
    }
    if (!hit) return null;
    out.push(hit);
  }
  return out;
}

function stackEvidence(s: StackView, names: string[], fns: Set<string>): Evidence[] {
  const out: Evidence[] = [];
  if (s.rip?.function && fns.has(s.rip.function) && s.event) {
    out.push(headerEvidenceForRip(s));
  }
  for (const f of s.frames) {
    if (f.function && fns.has(f.function) && out.length < 6) out.push(s.evidence(f));
  }
  void names;
  return out;
}

function headerEvidenceForRip(s: StackView): Evidence {
  const ev = s.event!;
  const i = ev.lines.findIndex((l) => /^\s*(RIP|EIP|PC is at|pc :)/.test(l));
  if (i >= 0) return { source: ev.source.file, line: ev.source.startLine + i, text: ev.lines[i]!.slice(0, 400) };
  return headerEvidence(ev);
}

/** Whether the running kernel is in an affected range of the issue. */
export function affectedStatus(kv: KernelVersion | null, ranges: AffectedRange[]): { affected: 'yes' | 'no' | 'unknown'; fixed: string | null } {
  if (!kv) return { affected: 'unknown', fixed: null };
  const inRange = (r: AffectedRange, scheme: 'upstream' | KernelVersion['scheme'], v: string): 'yes' | 'no' | 'unknown' => {
    if (r.introduced && compareVersions(scheme, v, r.introduced) < 0) return 'no';
    if (!r.fixed) return 'unknown';
    return compareVersions(scheme, v, r.fixed) < 0 ? 'yes' : 'no';
  };
  // Distribution line first (RPM dist tags, Ubuntu, Debian package versions).
  const own = ranges.filter((r) => r.line === kv.line && kv.line !== 'upstream');
  if (own.length > 0) {
    for (const r of own) {
      if (kv.abiOnly && r.fixed && kv.full === r.fixed.replace(/\.\d+$/, '')) return { affected: 'unknown', fixed: r.fixed };
      const st = inRange(r, kv.scheme, kv.full);
      if (st !== 'no') return { affected: st, fixed: r.fixed ?? null };
    }
    return { affected: 'no', fixed: own[0]!.fixed ?? null };
  }
  // Upstream and Debian (which follows the stable series) use the upstream ranges; RPM and Ubuntu kernels
  // backport fixes without changing their upstream base, so upstream ranges say nothing for them.
  if ((kv.scheme === 'upstream' || kv.scheme === 'debian') && kv.upstream) {
    const up = ranges.filter((r) => r.line === 'upstream');
    const series = seriesOf(kv.upstream);
    const stable = up.find((r) => r.series && r.series === series);
    if (stable) return { affected: inRange(stable, 'upstream', kv.upstream), fixed: stable.fixed ?? null };
    const mainline = up.find((r) => !r.series);
    if (mainline) {
      if (mainline.introduced && compareUpstream(kv.upstream, mainline.introduced) < 0) return { affected: 'no', fixed: mainline.fixed ?? null };
      if (mainline.fixed && compareUpstream(kv.upstream, mainline.fixed) >= 0) return { affected: 'no', fixed: mainline.fixed };
      // Older series may have received a stable backport this base does not record.
      const fixSeries = mainline.fixed ? seriesOf(mainline.fixed) : null;
      const sameSeries = fixSeries !== null && series !== null && compareUpstream(series, fixSeries) >= 0;
      return { affected: mainline.fixed && sameSeries ? 'yes' : 'unknown', fixed: mainline.fixed ?? null };
    }
  }
  return { affected: 'unknown', fixed: null };
}

/** Matches the draft against every known issue; most specific matches first. */
export function matchKnownIssues(draft: Draft, issues: readonly KnownIssue[] = KNOWN_ISSUES): KnownIssueMatch[] {
  const stacks = stacksOf(draft);
  const kv = kernelVersionOf(draft.kernel.release, draft.kernel.version);
  const scored: { m: KnownIssueMatch; score: number }[] = [];
  for (const issue of issues) {
    const c = issue.match;
    const evidence: Evidence[] = [];
    const by: string[] = [];
    let score = 0;
    // Kind: some event of an accepted kind (a dump alone, with no events, passes).
    const kindEvents = c.kinds && draft.events.length > 0 ? draft.events.filter((e) => c.kinds!.includes(e.kind)) : draft.events;
    if (c.kinds && draft.events.length > 0 && kindEvents.length === 0) continue;
    const relevant = stacks.filter((s) => s.event === null || kindEvents.includes(s.event));
    if (c.anyFunction) {
      const fns = new Set(c.anyFunction);
      const s = relevant.find((st) => (st.rip?.function && fns.has(st.rip.function)) || st.frames.some((f) => f.function && fns.has(f.function)));
      if (!s) continue;
      evidence.push(...stackEvidence(s, [], fns));
      by.push('function');
      score += 2;
    }
    if (c.stack) {
      let found = false;
      for (const s of relevant) {
        const names = [s.rip?.function ?? '', ...s.frames.map((f) => f.function ?? '')];
        const idx = subsequence(names, c.stack);
        if (idx) {
          found = true;
          by.push('stack');
          score += 2 * c.stack.length;
          evidence.push(...stackEvidence(s, c.stack, new Set(c.stack)).slice(0, c.stack.length));
          break;
        }
      }
      if (!found) continue;
    }
    if (c.modules) {
      const want = new Set(c.modules);
      const loaded = [
        ...draft.modules.map((m) => m.name), ...draft.events.flatMap((e) => e.frames.map((f) => f.module ?? '')),
        ...(draft.dump?.loadedModules ?? []).map((m) => m.name),
      ];
      const hit = loaded.find((m) => want.has(m));
      if (!hit) continue;
      evidence.push(derived(`module ${hit} is loaded`));
      by.push('module');
      score += 1;
    }
    if (c.header) {
      let re: RegExp;
      try { re = new RegExp(c.header); } catch { continue; }
      const ev = kindEvents.find((e) => re.test(e.header));
      const panicHit = draft.panic?.message && re.test(draft.panic.message);
      if (!ev && !panicHit) continue;
      if (ev) evidence.push(headerEvidence(ev));
      else evidence.push(derived(draft.panic!.message!));
      by.push('header');
      score += 2;
    }
    if (c.structs) {
      const ev = structEvidence(draft, c.structs);
      if (!ev) continue;
      evidence.push(...ev);
      by.push('struct');
      score += 3 * c.structs.length;
    }
    if (score === 0) continue;
    if (c.supportingStructs) {
      const ev = structEvidence(draft, c.supportingStructs);
      if (ev) { evidence.push(...ev); score += 3 * c.supportingStructs.length; }
    }
    const st = affectedStatus(kv, issue.affected);
    const fixedIn = st.fixed ? [st.fixed, ...issue.fixedIn.filter((f) => f !== st.fixed)] : [...issue.fixedIn];
    scored.push({
      score,
      m: {
        id: issue.id, title: issue.title, fixedIn, references: [...issue.references], workarounds: [...issue.workarounds],
        evidence: dedupe(evidence), affected: st.affected,
        source: 'ktriage', confidence: score >= 4 ? 'high' : 'medium', matchedBy: by,
        status: st.affected === 'yes' ? `affected${st.fixed ? `, fixed in ${st.fixed}` : ''}`
          : st.affected === 'no' ? `this kernel already has the fix${st.fixed ? ` (${st.fixed})` : ''}: a different bug with the same signature, or a regression`
            : `unknown for this kernel${st.fixed ? `; fixed in ${st.fixed} on its line` : ''}`,
        fixCommit: null,
      },
    });
  }
  scored.sort((a, b) => b.score - a.score);
  return scored.map((s) => s.m);
}

function dedupe(ev: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return ev.filter((e) => {
    const k = `${e.source}:${e.line}:${e.text}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
