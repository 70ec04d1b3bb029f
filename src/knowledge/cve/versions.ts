// Per-branch affected and fixed versions of a CVE record, and the version gate for a running kernel.
//
// A record says it twice: `containers.cna.affected[]` (semver entries: `5.14` affected, `6.1.146` ..
// `6.1.*` unaffected, the mainline fix as `original_commit_for_fix`) and the `.dyad` file
// (`introduced:commit:fixed:commit` per stable branch, `0:0` = since the start of git, `:0:0` = no fix on
// that branch). Both are read; the dyad fills what the JSON lacks.

import { compareUpstream, kernelVersionOf, seriesOf } from '../version.js';

export interface BranchFix {
  /** Stable series, `6.1`. */
  series: string;
  /** First fixed version on that branch (`6.1.146`); null: the bug reached the branch and no fix is released. */
  fixed: string | null;
  /** Version the bug entered this branch when it came by a backport (`6.1.50`), else null. */
  introduced: string | null;
  /** The stable fix commit, abbreviated to 12 hex digits as the kernel's Fixes: tags do, when the dyad names it. */
  commit: string | null;
}

export interface RecordVersions {
  /** Mainline version that introduced the bug (`5.14`); null = since the start of git history. */
  introduced: string | null;
  /** Mainline version that has the fix (`6.16`). */
  mainlineFixed: string | null;
  branches: BranchFix[];
}

const VERSION_RE = /^\d+\.\d+(?:\.\d+)?(?:-rc\d+)?$/;

function isMainline(v: string): boolean {
  return /^\d+\.\d+(?:-rc\d+)?$/.test(v) || /^2\.6\.\d+$/.test(v);
}

function upsert(branches: BranchFix[], b: BranchFix): void {
  const old = branches.find((x) => x.series === b.series);
  if (!old) { branches.push(b); return; }
  if (!old.fixed && b.fixed) old.fixed = b.fixed;
  if (!old.introduced && b.introduced) old.introduced = b.introduced;
  if (!old.commit && b.commit) old.commit = b.commit;
}

function minVersion(a: string | null, b: string): string {
  return a === null || compareUpstream(b, a) < 0 ? b : a;
}

interface AffectedVersion { version?: unknown; lessThan?: unknown; lessThanOrEqual?: unknown; status?: unknown; versionType?: unknown }

/** Reads the versions of `affected[]` (semver entries; git ranges are the dyad's commits) and the dyad text. */
export function versionsOf(affected: unknown, dyad: string | null): RecordVersions {
  const out: RecordVersions = { introduced: null, mainlineFixed: null, branches: [] };
  let introducedSeen = false;
  const entries: AffectedVersion[] = [];
  if (Array.isArray(affected)) {
    for (const a of affected.slice(0, 16)) {
      const vs = (a as { versions?: unknown })?.versions;
      if (Array.isArray(vs)) for (const v of vs.slice(0, 200)) if (v && typeof v === 'object') entries.push(v as AffectedVersion);
    }
  }
  for (const e of entries) {
    const v = typeof e.version === 'string' ? e.version.trim() : '';
    if (!VERSION_RE.test(v) && v !== '0') continue;
    if (e.versionType === 'git') continue;
    if (e.status === 'affected' && e.lessThan === undefined && e.lessThanOrEqual === undefined && v !== '0') {
      if (isMainline(v)) { out.introduced = minVersion(out.introduced, v); introducedSeen = true; }
      else upsert(out.branches, { series: seriesOf(v)!, fixed: null, introduced: v, commit: null });
    } else if (e.status === 'unaffected' && v === '0' && typeof e.lessThan === 'string' && VERSION_RE.test(e.lessThan)) {
      out.introduced = minVersion(out.introduced, e.lessThan);
      introducedSeen = true;
    } else if (e.status === 'unaffected' && e.versionType === 'original_commit_for_fix') {
      out.mainlineFixed = v;
    } else if (e.status === 'unaffected' && typeof e.lessThanOrEqual === 'string' && /\.\*$/.test(e.lessThanOrEqual) && v !== '0') {
      if (isMainline(v)) out.mainlineFixed = out.mainlineFixed ?? v;
      else upsert(out.branches, { series: seriesOf(v)!, fixed: v, introduced: null, commit: null });
    }
  }
  for (const line of (dyad ?? '').split('\n').slice(0, 400)) {
    const m = /^([\d.]+(?:-rc\d+)?):([0-9a-f]{1,40}):([\d.]+(?:-rc\d+)?):([0-9a-f]{1,40})\s*$/.exec(line.trim());
    if (!m) continue;
    const [, iv, , fv, fc] = m as unknown as [string, string, string, string, string];
    if (iv !== '0' && isMainline(iv) && !introducedSeen) out.introduced = minVersion(out.introduced, iv);
    if (fv === '0') {
      // Introduced on a branch, no fix released there.
      if (iv !== '0') upsert(out.branches, { series: seriesOf(iv)!, fixed: null, introduced: isMainline(iv) ? null : iv, commit: null });
      continue;
    }
    if (isMainline(fv)) {
      if (!out.mainlineFixed) out.mainlineFixed = fv;
      continue;
    }
    const series = seriesOf(fv)!;
    const backported = iv !== '0' && !isMainline(iv) && seriesOf(iv) === series ? iv : null;
    upsert(out.branches, { series, fixed: fv, introduced: backported, commit: fc === '0' ? null : fc.slice(0, 12) });
  }
  out.branches.sort((a, b) => compareUpstream(a.series, b.series));
  return out;
}

/** What the gate says about one record for the running kernel. */
export interface GateResult {
  affected: 'yes' | 'no' | 'unknown';
  /** The first fixed version for this kernel (its branch's, else the next branch's or mainline's). */
  fixed: string | null;
  /** One sentence: `affected, fixed in 6.1.95`, `this kernel already has the fix (6.1.95)`, ... */
  note: string;
}

/** The kernel's upstream version as far as the log tells it, or why it cannot be known. */
export interface KernelUpstream {
  version: string | null;
  /** Why no version: `RHEL kernel` ... (null when a version is known). */
  why: string | null;
  /** For distribution kernels whose version says nothing: the vendor (for the errata pointer). */
  vendor: 'redhat' | 'ubuntu' | 'suse' | 'other' | null;
}

/**
 * The upstream stable version of the running kernel: plain upstream releases (`6.1.90`, `6.15.0-rc5-...`),
 * Debian (`Debian 6.1.192-2` in the version string), Ubuntu where the banner carries its stable base
 * (`(Ubuntu 5.15.0-91.101-generic 5.15.131)`). RPM kernels (RHEL, Fedora's el/fc tags, Amazon Linux) backport
 * fixes without changing their base version: unknown, see the vendor's errata.
 */
export function kernelUpstreamOf(release: string | null, version: string | null): KernelUpstream {
  const rel = (release ?? '').trim().slice(0, 256);
  const ver = (version ?? '').slice(0, 1024);
  const ubuBase = /\(Ubuntu [^\s()]+ (\d+\.\d+\.\d+)\)/.exec(ver);
  if (ubuBase) return { version: ubuBase[1]!, why: null, vendor: null };
  const kv = kernelVersionOf(release, version);
  if (kv?.scheme === 'debian' && kv.upstream) return { version: kv.upstream, why: null, vendor: null };
  if (kv?.scheme === 'rpm') {
    const rh = /el\d/.test(kv.line);
    return { version: null, why: `${rh ? 'RHEL-family' : 'RPM distribution'} kernel ${rel}: its version does not tell which upstream fixes it carries`, vendor: rh ? 'redhat' : 'other' };
  }
  if (kv?.scheme === 'ubuntu') return { version: null, why: `Ubuntu kernel ${rel}: the log does not name its upstream stable base`, vendor: 'ubuntu' };
  if (/-default$|\.\d+-default$/.test(rel) || /SUSE|SLE/.test(ver)) return { version: null, why: `SUSE kernel ${rel}: backported fixes are not in its version`, vendor: 'suse' };
  // Debian's and Ubuntu's ABI releases (`6.1.0-37-amd64`) without the package version say nothing either.
  if (/^\d+\.\d+\.0-\d+(?:\.\d+)?-[a-z]/.test(rel)) return { version: null, why: `distribution kernel ${rel}: the log does not carry its package version`, vendor: 'other' };
  const up = /^(\d+\.\d+(?:\.\d+)?)(-rc\d+)?(?:[+~_-].*)?$/.exec(rel);
  if (up) return { version: up[1]! + (up[2] ?? ''), why: null, vendor: null };
  return { version: null, why: rel ? `kernel release ${rel} is not an upstream version` : 'the log names no kernel release', vendor: null };
}

/** The version gate: is `kernel` (an upstream version) affected by a record with these versions? */
export function gate(kernel: KernelUpstream, v: RecordVersions, cveId: string): GateResult {
  if (!kernel.version) {
    const errata = kernel.vendor === 'redhat' ? ` (see https://access.redhat.com/security/cve/${cveId})`
      : kernel.vendor === 'ubuntu' ? ` (see https://ubuntu.com/security/${cveId})`
        : kernel.vendor === 'suse' ? ` (see https://www.suse.com/security/cve/${cveId}/)` : '';
    return { affected: 'unknown', fixed: null, note: `unknown for this kernel: ${kernel.why ?? 'no version'}; check the vendor's errata for ${cveId}${errata}` };
  }
  const k = kernel.version;
  const series = seriesOf(k);
  // A mainline version `6.11` as the introducing one includes its release candidates (6.11-rc1 on).
  const introducedAt = v.introduced && /^\d+\.\d+$/.test(v.introduced) ? `${v.introduced}-rc1` : v.introduced;
  if (v.introduced && introducedAt && compareUpstream(k, introducedAt) < 0) {
    // A bug backported into an older branch is on that branch's line.
    const b = v.branches.find((x) => x.series === series && x.introduced);
    if (!b) return { affected: 'no', fixed: null, note: `this kernel predates the bug (introduced in ${v.introduced})` };
  }
  const branch = series ? v.branches.find((x) => x.series === series) : undefined;
  if (branch) {
    if (branch.introduced && compareUpstream(k, branch.introduced) < 0) return { affected: 'no', fixed: branch.fixed, note: `this kernel predates the bug on the ${series} branch (introduced in ${branch.introduced})` };
    if (branch.fixed) {
      return compareUpstream(k, branch.fixed) < 0
        ? { affected: 'yes', fixed: branch.fixed, note: `affected, fixed in ${branch.fixed}` }
        : { affected: 'no', fixed: branch.fixed, note: `this kernel already has the fix (${branch.fixed}): a different bug with the same signature, or a regression` };
    }
  }
  if (v.mainlineFixed) {
    if (compareUpstream(k, v.mainlineFixed) >= 0) {
      return { affected: 'no', fixed: v.mainlineFixed, note: `this kernel already has the fix (mainline ${v.mainlineFixed}): a different bug with the same signature, or a regression` };
    }
    // Same series as the mainline fix: a release candidate before it.
    if (series && series === seriesOf(v.mainlineFixed)) return { affected: 'yes', fixed: v.mainlineFixed, note: `affected, fixed in ${v.mainlineFixed}` };
    const next = v.branches.filter((b) => b.fixed && series && compareUpstream(b.series, series) > 0)[0];
    const first = next?.fixed ?? v.mainlineFixed;
    return { affected: 'yes', fixed: first, note: `affected; no fix released on the ${series} branch, first fixed in ${first}` };
  }
  return { affected: 'unknown', fixed: null, note: 'the record names no fixed version' };
}

/** All fixed versions of a record, oldest branch first, mainline last (`6.1.146`, ..., `6.16`). */
export function fixedVersions(v: RecordVersions): string[] {
  const out = v.branches.filter((b) => b.fixed).map((b) => b.fixed!);
  if (v.mainlineFixed) out.push(v.mainlineFixed);
  return out;
}
