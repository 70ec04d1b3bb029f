// Test and evaluation support (not used by the product): puts the crash report pasted in a CVE record into an
// ordinary log shape (dmesg with time stamps, syslog, journalctl -k) with other addresses, time stamps and
// pids, and a kernel release below the record's fix, so that matching can be measured on the records
// themselves (tests, scripts/eval-kb.ts).

import { readLog } from '../../readers/log/index.js';
import type { CveRecord } from './record.js';
import { signatureOfEvent, specificTitle } from './signature.js';
import { seriesOf } from '../version.js';

export type LogShape = 'dmesg' | 'syslog' | 'journal';
export const SHAPES: LogShape[] = ['dmesg', 'syslog', 'journal'];

/** A small seeded generator (mulberry32): the same seed gives the same sample and the same logs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The pasted report's lines of the first event that gives a signature, without their prefixes. */
export function pastedReport(description: string): string[] | null {
  const r = readLog('description', description, { maxEvents: 8 });
  const ev = r.events.find((e) => { const s = signatureOfEvent(e); return s.title !== null || s.frames.length > 0; });
  if (!ev) return null;
  const lines = description.split('\n').slice(ev.source.startLine - 1, ev.source.endLine);
  return lines.map((l) => l.replace(/\r$/, '').replace(/^\s+/, '').replace(/^\[\s*\d+\.\d+\]\s?/, '').replace(/^\[\s*[TC]\d+\]\s?/, '').replace(/^\s+/, ''));
}

/** A kernel the record says is affected: one below a branch's fix (`6.1.145` for `6.1.146`), or an -rc of the mainline fix. */
export function affectedVersion(rec: CveRecord, rand: () => number): { version: string; fixed: string } | null {
  const stable = rec.versions.branches.filter((b) => b.fixed && /^\d+\.\d+\.(\d+)$/.test(b.fixed) && Number(b.fixed.split('.')[2]) >= 2
    && !(b.introduced && b.introduced === `${seriesOf(b.fixed)}.${Number(b.fixed.split('.')[2]) - 1}`));
  if (stable.length > 0) {
    const b = stable[Math.floor(rand() * stable.length)]!;
    const [x, y, z] = b.fixed!.split('.');
    return { version: `${x}.${y}.${Number(z) - 1}`, fixed: b.fixed! };
  }
  const m = rec.versions.mainlineFixed;
  if (m && /^\d+\.\d+$/.test(m)) return { version: `${m}-rc3`, fixed: m };
  return null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rand() * 16)];
  return s;
}

/**
 * The report as one machine's log would hold it: addresses (8-16 hex digits, not frame offsets) and pids
 * replaced, the CPU line's release set to `release`, time stamps from a new base; a boot banner with the
 * release first, a few ordinary lines around the report.
 */
export function reshape(report: string[], shape: LogShape, version: string, rand: () => number, debian: boolean): string {
  const pid = 100 + Math.floor(rand() * 30000);
  const release = debian ? `${seriesOf(version)}.0-${10 + Math.floor(rand() * 30)}-amd64` : version;
  const verString = debian ? `#1 SMP PREEMPT_DYNAMIC Debian ${version}-1 (2025-07-01)` : '#1 SMP PREEMPT_DYNAMIC Tue Jul  1 10:00:00 UTC 2025';
  const body = report.map((l) => l
    .replace(/(^|[^+/\w])(0x)?([0-9a-f]{8,16})\b/g, (_m, pre: string, ox: string | undefined, h: string) => `${pre}${ox ?? ''}${hex(rand, h.length)}`)
    .replace(/\bPID: \d+/g, `PID: ${pid}`)
    .replace(/\bpid: \d+/g, `pid: ${pid}`)
    .replace(/(by task [^\s/]+(?:\/[^\s/]+)?)\/\d+\b/, `$1/${pid}`)
    .replace(/((?:Not tainted|Tainted: [A-Z ]+?) )\d+\.\d+[^\s]*( #\d+)?/, (_m, pre: string) => `${pre}${release} ${debian ? `#1 Debian ${version}-1` : '#1'}`));
  const boot = [
    `Linux version ${release} (builder@build.example) (gcc (GCC) 12.2.0, GNU ld 2.40) ${verString}`,
    'Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro console=ttyS0',
    'x86/fpu: Supporting XSAVE feature 0x001: \'x87 floating point registers\'',
  ];
  const before = ['EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.', 'random: crng init done'];
  const after = ['systemd-journald[212]: Received SIGTERM from PID 1 (systemd).'];
  let t = 0;
  const base = 50 + rand() * 5000;
  const lines: { t: number; text: string }[] = [];
  for (const b of boot) { lines.push({ t, text: b }); t += 0.000137; }
  t = 2 + rand();
  for (const b of before) { lines.push({ t, text: b }); t += 0.5; }
  t = base;
  for (const b of body) { lines.push({ t, text: b }); t += Math.floor(rand() * 40) / 1e6; }
  for (const b of after) { t += 1.25; lines.push({ t, text: b }); }
  const host = 'node' + Math.floor(rand() * 100);
  const wall = (s: number) => {
    const d = new Date(Date.UTC(2025, 6, 1, 8, 0, 0) + s * 1000);
    const dd = String(d.getUTCDate());
    return `${MONTHS[d.getUTCMonth()]} ${shape === 'syslog' ? dd.padStart(2, ' ') : dd.padStart(2, '0')} ${d.toISOString().slice(11, 19)}`;
  };
  const stamp = (s: number) => `[${s.toFixed(6).padStart(12, ' ')}]`;
  return lines.map(({ t: s, text }) => {
    if (shape === 'dmesg') return `${stamp(s)} ${text}`;
    if (shape === 'syslog') return `${wall(s)} ${host} kernel: ${stamp(s)} ${text}`;
    return `${wall(s)} ${host} kernel: ${text}`;
  }).join('\n') + '\n';
}

export interface ReshapeOutcome {
  id: string;
  shape: LogShape;
  /** `high`: matched with high confidence and the right fixed version; `high-wrong-fix`; `medium`; `missed`; `no-report`; `no-version`. */
  outcome: 'high' | 'high-wrong-fix' | 'medium' | 'missed' | 'no-report' | 'no-version';
  /** The record came first among the CVE matches. */
  first: boolean;
  expectedFix: string | null;
  got: { confidence: string; fixedIn: string | null; status: string } | null;
  /** The record's signature is strong: a specific title (specificTitle()), or two frames past the machinery. */
  strong: boolean;
  /** Other records matched with high confidence (the same bug filed twice, or a false match). */
  othersHigh: string[];
}

/** Puts record `rec`'s pasted report into shape `i % 3` and analyzes it with the index. */
export function reshapeAndMatch(
  description: string, rec: CveRecord, i: number, rand: () => number,
  analyzeText: (text: string) => { knownIssues: { id: string; confidence: string; fixedIn: string[]; status: string; source: string }[] },
): ReshapeOutcome {
  const shape = SHAPES[i % SHAPES.length]!;
  const sig = rec.signatures[0];
  const strong = Boolean(sig && (specificTitle(sig.title) || sig.frames.length >= 2));
  const base = { id: rec.id, shape, first: false, got: null, strong, othersHigh: [] as string[] };
  const report = pastedReport(description);
  if (!report) return { ...base, outcome: 'no-report', expectedFix: null };
  const av = affectedVersion(rec, rand);
  if (!av) return { ...base, outcome: 'no-version', expectedFix: null };
  const text = reshape(report, shape, av.version, rand, i % 2 === 1);
  const ki = analyzeText(text).knownIssues.filter((k) => k.source === 'cve');
  const m = ki.find((k) => k.id === rec.id);
  const got = m ? { confidence: m.confidence, fixedIn: m.fixedIn[0] ?? null, status: m.status } : null;
  const first = ki[0]?.id === rec.id;
  base.othersHigh = ki.filter((k) => k.id !== rec.id && k.confidence === 'high').map((k) => k.id);
  if (!m) return { ...base, outcome: 'missed', expectedFix: av.fixed, got, first };
  if (m.confidence !== 'high') return { ...base, outcome: 'medium', expectedFix: av.fixed, got, first };
  return { ...base, outcome: m.fixedIn[0] === av.fixed ? 'high' : 'high-wrong-fix', expectedFix: av.fixed, got, first };
}

export interface HandMadeRecord {
  id: string;
  subject: string;
  /** The commit message body after the subject (a pasted report goes here). */
  body: string;
  files: string[];
  /** Mainline version that introduced the bug, `0` for since git's start. */
  introduced: string;
  /** Stable fixes, `6.1.95`, and the mainline fix last, `6.10`. */
  fixes: string[];
}

const fakeSha = (seed: string, n: number): string => {
  let h = 0x811c9dc5;
  let out = '';
  for (let k = 0; out.length < 40; k++) {
    for (const c of `${seed}:${n}:${k}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
};

/**
 * A record in the kernel CNA's exact layout (hand-made, for tests): the CVE JSON 5 record as bippy writes it
 * (descriptions, affected with git and semver entries, programFiles, references, title), its .dyad and
 * .sha1 files.
 */
export function handMadeRecord(r: HandMadeRecord): { json: string; dyad: string; sha1: string } {
  const intro = fakeSha(r.id, 0);
  const commits = r.fixes.map((_, i) => fakeSha(r.id, i + 1));
  const mainline = commits[commits.length - 1]!;
  const semver: Record<string, string>[] = [];
  if (r.introduced !== '0') {
    semver.push({ version: r.introduced, status: 'affected' });
    semver.push({ version: '0', lessThan: r.introduced, status: 'unaffected', versionType: 'semver' });
  }
  r.fixes.forEach((f, i) => {
    if (i < r.fixes.length - 1) semver.push({ version: f, lessThanOrEqual: `${f.split('.').slice(0, 2).join('.')}.*`, status: 'unaffected', versionType: 'semver' });
    else semver.push({ version: f, lessThanOrEqual: '*', status: 'unaffected', versionType: 'original_commit_for_fix' });
  });
  const json = {
    containers: {
      cna: {
        providerMetadata: { orgId: 'f4215fc3-5b6b-47ff-a258-f7189bd81038' },
        descriptions: [{ lang: 'en', value: `In the Linux kernel, the following vulnerability has been resolved:\n\n${r.subject}\n\n${r.body}` }],
        affected: [
          {
            product: 'Linux', vendor: 'Linux', defaultStatus: 'unaffected', repo: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git',
            programFiles: r.files,
            versions: commits.map((c) => ({ version: intro, lessThan: c, status: 'affected', versionType: 'git' })),
          },
          {
            product: 'Linux', vendor: 'Linux', defaultStatus: 'affected', repo: 'https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git',
            programFiles: r.files, versions: semver,
          },
        ],
        references: commits.map((c) => ({ url: `https://git.kernel.org/stable/c/${c}` })),
        title: r.subject,
        x_generator: { engine: 'bippy-1.2.0' },
      },
    },
    cveMetadata: { assignerOrgId: 'f4215fc3-5b6b-47ff-a258-f7189bd81038', cveId: r.id, state: 'PUBLISHED' },
    dataType: 'CVE_RECORD',
    dataVersion: '5.1.1',
  };
  const dyad = ['# dyad version: 1.2.0', `# \tgetting vulnerable:fixed pairs for git id ${mainline}`,
    ...r.fixes.map((f, i) => `${r.introduced}:${r.introduced === '0' ? '0' : intro}:${f}:${commits[i]}`)].join('\n') + '\n';
  return { json: JSON.stringify(json, null, 3), dyad, sha1: `${mainline}\n` };
}
