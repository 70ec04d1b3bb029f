// Kernel version comparison for known-issue matching.
//
// Four schemes, each compared the way its own packaging tools compare them:
// - upstream: `6.1.192`, `5.10`, `6.8-rc3` (numeric components; `-rcN` sorts before the release);
// - rpm: `4.18.0-305.3.1.el8_4` (rpmvercmp on version, then on release, as rpm's lib/rpmvercmp.c does);
// - debian: `6.1.192-2`, `4.19.98-1+deb10u1` (dpkg --compare-versions: epoch, upstream, revision, with `~`);
// - ubuntu: `5.15.0-91.101` package versions (dpkg semantics) and `5.15.0-91-generic` releases (ABI only).
//
// Every function is total: malformed input compares as text or yields null, never throws.

export type VersionScheme = 'upstream' | 'rpm' | 'debian' | 'ubuntu';

/** A running kernel's version as the known-issue base needs it. */
export interface KernelVersion {
  scheme: VersionScheme;
  /**
   * Distribution line the version belongs to: `upstream`, `debian`, `ubuntu`, or the RPM dist tag's
   * major line (`el6`, `el7`, `el8`, `el9`, `fc39`...).
   */
  line: string;
  /** The version in its scheme, ready for compareVersions (e.g. `4.18.0-305.3.1.el8_4`, `6.1.192-2`). */
  full: string;
  /** The upstream base version it derives from (`4.18.0`, `6.1.192`), null when unknown. */
  upstream: string | null;
  /** Ubuntu releases (`5.15.0-91-generic`) name only the ABI, not the upload: comparisons inside one ABI are unknown. */
  abiOnly?: boolean;
}

const MAX_VERSION_LEN = 256;

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two digit strings of any length numerically (leading zeros ignored). */
function compareDigits(a: string, b: string): -1 | 0 | 1 {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * rpm's rpmvercmp(): splits both strings into alternating alphabetic and numeric segments, ignoring other
 * separators; `~` sorts before everything (even the end), `^` after the end but before anything else;
 * numeric segments are newer than alphabetic ones; when one string runs out, the longer one is newer.
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  a = a.slice(0, MAX_VERSION_LEN);
  b = b.slice(0, MAX_VERSION_LEN);
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const isAlnum = (c: string) => /[A-Za-z0-9]/.test(c);
  for (;;) {
    while (i < a.length && !isAlnum(a[i]!) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]!) && b[j] !== '~' && b[j] !== '^') j++;
    // Tilde: sorts before anything, even the end of the string.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++; j++;
      continue;
    }
    // Caret: like the end of the string, but newer than the end.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++; j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /[0-9]/.test(a[i]!);
    const re = numeric ? /[0-9]/ : /[A-Za-z]/;
    let ie = i;
    let je = j;
    while (ie < a.length && re.test(a[ie]!)) ie++;
    while (je < b.length && re.test(b[je]!)) je++;
    const sa = a.slice(i, ie);
    const sb = b.slice(j, je);
    // Segments of different types: numeric is newer.
    if (sb.length === 0) return numeric ? 1 : -1;
    if (numeric) {
      const c = compareDigits(sa, sb);
      if (c !== 0) return c;
    } else if (sa !== sb) {
      return sa < sb ? -1 : 1;
    }
    i = ie;
    j = je;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** dpkg's order of one character in a non-digit part: `~` first, then the end, then letters, then the rest. */
function dpkgOrder(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[0-9]/.test(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp() on one part (upstream version or revision). */
function dpkgPart(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = dpkgOrder(a[i]);
      const bc = dpkgOrder(b[j]);
      if (ac !== bc) return sign(ac - bc);
      i++; j++;
    }
    let di = i;
    let dj = j;
    while (di < a.length && /[0-9]/.test(a[di]!)) di++;
    while (dj < b.length && /[0-9]/.test(b[dj]!)) dj++;
    firstDiff = compareDigits(a.slice(i, di) || '0', b.slice(j, dj) || '0');
    if (firstDiff !== 0) return firstDiff as -1 | 1;
    i = di;
    j = dj;
  }
  return 0;
}

function splitDebian(v: string): { epoch: string; upstream: string; revision: string } {
  let epoch = '0';
  let rest = v.trim();
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[0-9]+$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash > 0) return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
  return { epoch, upstream: rest, revision: '' };
}

/** dpkg --compare-versions semantics: epoch, then upstream version, then Debian revision. */
export function dpkgCompare(a: string, b: string): -1 | 0 | 1 {
  const x = splitDebian(a.slice(0, MAX_VERSION_LEN));
  const y = splitDebian(b.slice(0, MAX_VERSION_LEN));
  const e = compareDigits(x.epoch, y.epoch);
  if (e !== 0) return e;
  const u = dpkgPart(x.upstream, y.upstream);
  if (u !== 0) return u;
  return dpkgPart(x.revision, y.revision);
}

/** Upstream kernel versions: `6.1.192` > `6.1.9` > `6.1` > `6.1-rc7`; missing components count as 0. */
export function compareUpstream(a: string, b: string): -1 | 0 | 1 {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)*)(?:-rc(\d+))?/.exec(v.trim().slice(0, MAX_VERSION_LEN));
    if (!m) return null;
    return { nums: m[1]!.split('.').map((s) => s.slice(0, 12)), rc: m[2] ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return a === b ? 0 : a < b ? -1 : 1;
  const n = Math.max(x.nums.length, y.nums.length);
  for (let k = 0; k < n; k++) {
    const c = compareDigits(x.nums[k] ?? '0', y.nums[k] ?? '0');
    if (c !== 0) return c;
  }
  if (x.rc === y.rc) return 0;
  if (x.rc === null) return 1;
  if (y.rc === null) return -1;
  return compareDigits(x.rc, y.rc);
}

function splitRpm(v: string): { epoch: string; version: string; release: string } {
  let rest = v.trim();
  let epoch = '0';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[0-9]+$/.test(rest.slice(0, colon))) {
    epoch = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.indexOf('-');
  if (dash > 0) return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
  return { epoch, version: rest, release: '' };
}

/** RPM EVR comparison: epoch, version (rpmvercmp), release (rpmvercmp; an absent release matches any). */
export function rpmCompare(a: string, b: string): -1 | 0 | 1 {
  const x = splitRpm(a.slice(0, MAX_VERSION_LEN));
  const y = splitRpm(b.slice(0, MAX_VERSION_LEN));
  const e = compareDigits(x.epoch, y.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0) return v;
  if (x.release === '' || y.release === '') return 0;
  return rpmvercmp(x.release, y.release);
}

/** Compares two versions of one scheme. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): -1 | 0 | 1 {
  switch (scheme) {
    case 'upstream': return compareUpstream(a, b);
    case 'rpm': return rpmCompare(a, b);
    case 'debian':
    case 'ubuntu': return dpkgCompare(a, b);
  }
}

const ARCH_SUFFIX = /\.(x86_64|i[3-6]86|aarch64|ppc64le|ppc64|s390x|noarch|armv7hl)$/;

/**
 * Works out the running kernel's version from `uname -r` (release) and `uname -v` (version): RPM releases
 * carry a dist tag (`.el8_4`), Debian's version string names the package (`Debian 6.1.192-2`), Ubuntu's
 * carries `#101-Ubuntu` (the upload number) with the release `5.15.0-91-generic`.
 */
export function kernelVersionOf(release: string | null, version: string | null): KernelVersion | null {
  const rel = (release ?? '').trim().slice(0, MAX_VERSION_LEN);
  const ver = (version ?? '').slice(0, 1024);
  const deb = /\bDebian (\d+:)?(\d+\.\d+(?:\.\d+)?[^\s)]*)/.exec(ver);
  if (deb) {
    const full = (deb[1] ?? '') + deb[2]!;
    return { scheme: 'debian', line: 'debian', full, upstream: upstreamOf(deb[2]!) };
  }
  const ubu = /#(\d+)(?:~[^\s]*)?-Ubuntu\b/.exec(ver);
  const relUbuntu = /^(\d+\.\d+\.\d+)-(\d+)(?:\.(\d+))?(?:-([a-z][a-z0-9-]*))?$/.exec(rel);
  if (relUbuntu && (ubu || /-(generic|lowlatency|aws|azure|gcp|oracle|kvm|ibm)\b/.test(rel))) {
    const base = `${relUbuntu[1]}-${relUbuntu[2]}`;
    const upload = relUbuntu[3] ?? ubu?.[1] ?? null;
    return {
      scheme: 'ubuntu', line: 'ubuntu', full: upload ? `${base}.${upload}` : base, upstream: relUbuntu[1]!,
      ...(upload ? {} : { abiOnly: true }),
    };
  }
  const rpm = /^(\d+\.\d+(?:\.\d+)*)-([0-9][0-9A-Za-z._+~^-]*?\.(el\d+|fc\d+|amzn\d+|an\d+|uek\d*)[0-9A-Za-z._+~^]*)$/.exec(rel.replace(ARCH_SUFFIX, ''));
  if (rpm) {
    const tag = rpm[3]!;
    return { scheme: 'rpm', line: tag, full: `${rpm[1]}-${rpm[2]}`, upstream: rpm[1]! };
  }
  const up = /^(\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)/.exec(rel);
  if (up) return { scheme: 'upstream', line: 'upstream', full: up[1]!, upstream: upstreamOf(up[1]!) };
  return null;
}

function upstreamOf(v: string): string | null {
  const m = /^(\d+\.\d+(?:\.\d+)?)/.exec(v);
  return m ? m[1]! : null;
}

/** The upstream series of a version: `6.1` for `6.1.192`; 2.6 kernels are numbered one level deeper (`2.6.32`). */
export function seriesOf(v: string): string | null {
  const old = /^(2\.6\.\d+)/.exec(v);
  if (old) return old[1]!;
  const m = /^(\d+\.\d+)/.exec(v);
  return m ? m[1]! : null;
}
