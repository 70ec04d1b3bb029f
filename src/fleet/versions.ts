// Kernel versions as the fleet compares them: `line:full` (`debian:6.1.192-2`, `el8:4.18.0-305.3.1.el8_4`,
// `upstream:6.8.1`), ordered by the scheme's own rules (src/knowledge/version.ts) within a branch
// (`debian:6.1`): a bucket is resolved or regressed by version order, not by time.
import { compareVersions, kernelVersionOf, seriesOf, type VersionScheme } from '../knowledge/version.js';

const versionCache = new Map<string, string | null>();
export function fleetVersion(release: string | null, version: string | null): string | null {
  const key = `${release}\0${version}`;
  const hit = versionCache.get(key);
  if (hit !== undefined || versionCache.has(key)) return hit ?? null;
  const v = fleetVersionOf(release, version);
  if (versionCache.size >= 10_000) versionCache.clear();
  versionCache.set(key, v);
  return v;
}

function fleetVersionOf(release: string | null, version: string | null): string | null {
  const kv = kernelVersionOf(release, version);
  if (!kv) return release ? `release:${release}` : null;
  return `${kv.line}:${kv.full}`;
}

function schemeOf(line: string): VersionScheme | null {
  if (line === 'debian' || line === 'ubuntu' || line === 'upstream') return line;
  if (line === 'release') return null;
  return 'rpm';
}

/** `debian:6.1` for `debian:6.1.192-2`; null when the version cannot be ordered. */
export function branchOf(v: string): string | null {
  const i = v.indexOf(':');
  if (i < 0) return null;
  const line = v.slice(0, i);
  if (!schemeOf(line)) return null;
  const s = seriesOf(v.slice(i + 1));
  return s ? `${line}:${s}` : null;
}

/** Orders two versions of one branch (-1, 0, 1); versions of different branches compare as text. */
export function compareFleetVersions(a: string, b: string): -1 | 0 | 1 {
  const ia = a.indexOf(':');
  const ib = b.indexOf(':');
  const la = a.slice(0, ia);
  const scheme = schemeOf(la);
  if (ia < 0 || ib < 0 || la !== b.slice(0, ib) || !scheme) return a < b ? -1 : a > b ? 1 : 0;
  return compareVersions(scheme, a.slice(ia + 1), b.slice(ib + 1));
}
