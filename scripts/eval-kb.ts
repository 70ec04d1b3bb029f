// `npm run eval:kb [-- --sample N --seed S --from TARBALL --kb DIR]`: the issue's Done-when on the snapshot.
// Every record whose description holds a crash report (or a seeded sample of them) has that report put into
// an ordinary log shape (dmesg, syslog, journalctl; other addresses, time stamps, pids; a kernel release
// below one of the record's fixes) and analyzed with the index: how many are matched to their record with
// high confidence and the right fixed version. Then the lab's own crashes: none may match with high confidence.
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyze } from '../src/analyze.js';
import { loadIndex } from '../src/knowledge/cve/index-file.js';
import { readSnapshot } from '../src/knowledge/cve/source.js';
import { updateIndex } from '../src/knowledge/cve/update.js';
import { reshapeAndMatch, rng, type ReshapeOutcome } from '../src/knowledge/cve/testkit.js';

const { values: v } = parseArgs({ options: {
  from: { type: 'string', default: '../shared/kb/kernel-cna-vulns-2026-06-01.tar.gz' },
  kb: { type: 'string' }, sample: { type: 'string' }, seed: { type: 'string', default: '17' }, misses: { type: 'string' },
} });
let dir = v.kb;
let tmp: string | null = null;
if (!dir) {
  tmp = mkdtempSync(join(tmpdir(), 'ktriage-kb-eval-'));
  dir = tmp;
  const u = await updateIndex(v.from!, dir);
  console.log(`index: ${u.counts.records} records, ${u.counts.withSignature} with a report, ${(u.bytes / 1e6).toFixed(1)} MB, ${u.ms} ms`);
}
const index = loadIndex(dir)!;
const desc = new Map<string, string>();
await readSnapshot(v.from!, (id, ext, text) => {
  if (ext !== 'json') return;
  try { desc.set(id, (JSON.parse(text) as { containers: { cna: { descriptions: { value: string }[] } } }).containers.cna.descriptions[0]!.value); } catch { /* skipped by update too */ }
});
const withSig: number[] = [];
index.ids.forEach((_, i) => { if (index.sigs.some((s) => s[0] === i)) withSig.push(i); });
// A seeded sample, or every record with a report.
const rand = rng(Number(v.seed));
let chosen = withSig;
if (v.sample) {
  const a = [...withSig];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [a[i], a[j]] = [a[j]!, a[i]!]; }
  chosen = a.slice(0, Number(v.sample)).sort((x, y) => x - y);
}
const out: ReshapeOutcome[] = [];
const t0 = Date.now();
chosen.forEach((ri, n) => {
  const rec = index.record(ri)!;
  const d = desc.get(rec.id);
  if (!d) return;
  out.push(reshapeAndMatch(d, rec, n, rand, (text) => analyze([{ name: 'reshaped.log', data: text }], { kb: index }).diagnosis));
});
const ms = Date.now() - t0;
const count = (f: (o: ReshapeOutcome) => boolean) => out.filter(f).length;
const pct = (a: number, b: number) => `${a}/${b} (${b ? ((100 * a) / b).toFixed(1) : '0'} %)`;
const tried = out.filter((o) => o.outcome !== 'no-report' && o.outcome !== 'no-version');
const strong = tried.filter((o) => o.strong);
console.log(`records with a crash report in the index: ${withSig.length}; evaluated: ${out.length}${v.sample ? ` (seeded sample, seed ${v.seed})` : ' (all)'}; ${ms} ms`);
console.log(`  not re-shapeable: no report lines ${count((o) => o.outcome === 'no-report')}, no stable or mainline fix to be below ${count((o) => o.outcome === 'no-version')}`);
console.log(`  high confidence + right fixed version: ${pct(count((o) => o.outcome === 'high'), tried.length)}`);
console.log(`  ... of records with a strong signature (specific title or >= 2 frames): ${pct(strong.filter((o) => o.outcome === 'high').length, strong.length)}`);
console.log(`  high, other fixed version: ${count((o) => o.outcome === 'high-wrong-fix')}; medium: ${count((o) => o.outcome === 'medium')}; not matched: ${count((o) => o.outcome === 'missed')}`);
console.log(`  the record first among the CVE matches: ${pct(count((o) => o.first), tried.length)}`);
console.log(`  logs where another record also matched with high confidence: ${pct(count((o) => o.othersHigh.length > 0), tried.length)}`);
for (const s of ['dmesg', 'syslog', 'journal']) {
  const t = tried.filter((o) => o.shape === s);
  console.log(`  ${s.padEnd(8)} ${pct(t.filter((o) => o.outcome === 'high').length, t.length)}`);
}
if (v.misses) writeFileSync(v.misses, out.filter((o) => o.outcome !== 'high' || o.othersHigh.length > 0).map((o) => JSON.stringify(o)).join('\n') + '\n');
// The lab's crashes of its own modules.
const lab = '../shared/lab/out';
if (existsSync(lab)) {
  let high = 0;
  let any = 0;
  const names = readdirSync(lab).filter((n) => existsSync(join(lab, n, 'console.log')));
  for (const n of names) {
    const k = analyze([join(lab, n, 'console.log')], { kb: index }).diagnosis.knownIssues.filter((x) => x.source === 'cve');
    any += k.length;
    high += k.filter((x) => x.confidence === 'high').length;
  }
  console.log(`lab console logs: ${names.length}; CVE matches: ${any} (high confidence: ${high})`);
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
