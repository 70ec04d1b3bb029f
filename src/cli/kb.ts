// `ktriage kb update|search|show`: the local CVE index (src/knowledge/cve/). Options and printing only.
import { parseArgs } from 'node:util';
import { updateIndex, UpdateError } from '../knowledge/cve/update.js';
import { loadIndex, IndexError, type CveIndex } from '../knowledge/cve/index-file.js';
import { kbDir, searchIndex, showRecord } from '../knowledge/cve/search.js';
import { escapeTerminal as t } from '../util/escape.js';
import { type CliIO, usageError, progress, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE } from './io.js';

export const USAGE = 'usage: ktriage kb update --from PATH | kb search TEXT|--title T|--function F | kb show CVE-ID  [--kb DIR] [--json]';

export async function runKb(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, allowPositionals: true,
      options: {
        from: { type: 'string' }, kb: { type: 'string' }, json: { type: 'boolean' },
        title: { type: 'string' }, function: { type: 'string' }, limit: { type: 'string' },
      },
    });
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  const v = parsed.values;
  const dir = kbDir(v.kb);
  switch (sub) {
    case 'update': return update(v.from ?? parsed.positionals[0], dir, Boolean(v.json), io);
    case 'search': {
      const text = parsed.positionals.join(' ').trim() || undefined;
      if (!text && !v.title && !v.function) return usageError(io, 'kb search needs TEXT, --title T or --function F');
      const limit = v.limit === undefined ? 50 : Number(v.limit);
      if (!Number.isInteger(limit) || limit < 1) return usageError(io, `--limit needs a positive number, not '${v.limit}'`);
      const index = open(dir, io);
      if (!index) return EXIT_USAGE;
      const r = searchIndex(index, { text, title: v.title, function: v.function }, limit);
      if (v.json) io.stdout.write(JSON.stringify({ hits: r.hits, more: r.more }, null, 2) + '\n');
      else {
        for (const h of r.hits) io.stdout.write(`${t(h.id)}\t${t(h.subject)}\t${t(h.matched)}\t${t(h.fixedIn.join(' '))}\n`);
        if (r.more) io.stderr.write(`ktriage: more than ${limit} records match (--limit N shows more)\n`);
      }
      return r.hits.length > 0 ? EXIT_OK : EXIT_PARTIAL;
    }
    case 'show': {
      const id = parsed.positionals[0];
      if (!id) return usageError(io, 'kb show needs a CVE-ID');
      const index = open(dir, io);
      if (!index) return EXIT_USAGE;
      const r = showRecord(index, id);
      if (!r) return usageError(io, `${id}: not in the index (${index.meta.counts.records} records of ${index.meta.date ?? 'an unknown date'})`);
      if (v.json) { io.stdout.write(JSON.stringify(r, null, 2) + '\n'); return EXIT_OK; }
      const out: string[] = [`${t(r.id)}  ${t(r.subject)}`];
      if (r.commit) out.push(`  Fix commit   ${t(r.commit)}`);
      out.push(`  Introduced   ${t(r.versions.introduced ?? 'since the start of git history')}`);
      for (const b of r.versions.branches) out.push(`  ${t(b.series).padEnd(12)} ${b.fixed ? `fixed in ${t(b.fixed)}` : 'no fix released on this branch'}${b.introduced ? ` (bug came with ${t(b.introduced)})` : ''}`);
      if (r.versions.mainlineFixed) out.push(`  mainline     fixed in ${t(r.versions.mainlineFixed)}`);
      for (const f of r.files.slice(0, 20)) out.push(`  File         ${t(f)}`);
      for (const s of r.signatures) {
        out.push(`  Report       ${t(s.title ?? '(no usable title)')}  [${t(s.kind)}]`);
        if (s.frames.length) out.push(`    frames     ${s.frames.map((f) => t(f)).join(' < ')}`);
      }
      if (r.identifiers.length) out.push(`  Names        ${r.identifiers.map((x) => t(x)).join(', ')}`);
      out.push(`  Source       ${t(index.meta.from)} (${t(index.meta.commit ?? 'no commit')}, ${t(index.meta.date ?? 'no date')}); CVE Terms of Use: kb show --json, or the index's meta`);
      io.stdout.write(out.join('\n') + '\n');
      return EXIT_OK;
    }
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(USAGE + '\n');
      return sub === undefined ? EXIT_USAGE : EXIT_OK;
    default:
      return usageError(io, `unknown kb command '${sub}' (${USAGE})`);
  }
}

function open(dir: string, io: CliIO): CveIndex | null {
  try {
    const index = loadIndex(dir);
    if (!index) usageError(io, `no CVE index in ${dir}: run 'ktriage kb update --from PATH' first`);
    return index;
  } catch (err) {
    usageError(io, (err as IndexError).message);
    return null;
  }
}

async function update(from: string | undefined, dir: string, json: boolean, io: CliIO): Promise<number> {
  if (!from) return usageError(io, 'kb update needs --from PATH (a checkout of the CNA vulns repository, a directory of its layout, or a tarball)');
  const prog = progress(io);
  try {
    const r = await updateIndex(from, dir, (m) => prog.update(m));
    prog.done();
    const c = r.counts;
    if (json) io.stdout.write(JSON.stringify({ path: r.path, bytes: r.bytes, ms: r.ms, counts: c, source: { from: r.meta.from, kind: r.meta.kind, commit: r.meta.commit, date: r.meta.date }, skipped: r.skipReasons }, null, 2) + '\n');
    else {
      io.stdout.write(
        `kb: ${c.records} records (${c.withSignature} with a crash report, ${c.signatures} signatures); ` +
        `skipped ${c.skippedRecords} records and ${c.skippedFiles} other files${c.cutDescriptions ? `; ${c.cutDescriptions} descriptions read in part` : ''}\n` +
        `kb: index ${t(r.path)}, ${(r.bytes / 1e6).toFixed(1)} MB, built in ${(r.ms / 1000).toFixed(1)} s\n` +
        `kb: source ${t(r.meta.from)} (${r.meta.kind}${r.meta.commit ? ` ${r.meta.commit}` : ''}, ${t(r.meta.date ?? 'no date')})\n` +
        `kb: the data is under the CVE Terms of Use${r.meta.termsOfUse ? ' (kept in the index)' : ' (the snapshot has no LICENSES/cve-tou.txt)'}\n`);
      for (const s of r.skipReasons) io.stderr.write(`ktriage: skipped ${t(s)}\n`);
    }
    return c.skippedRecords > 0 ? EXIT_PARTIAL : EXIT_OK;
  } catch (err) {
    prog.done();
    return usageError(io, err instanceof UpdateError ? err.message : `kb update failed: ${(err as Error).message}`);
  }
}
