// The fleet store: idempotent ingest of ktriage reports, incremental bucket aggregates, and the queries
// the API and the UI read. SQL only (one dialect for PGlite and PostgreSQL); no analysis here: reports
// come from analyze() (raw uploads) or from clients that ran it.
import type { Report } from '../model/types.js';
import type { Db, Sql } from './db.js';
import { bucketKeys, GROUPING_VERSION } from './buckets.js';
import { fleetVersion } from './versions.js';
import { packBody, readBody, sha256, type Body, type StoredBody } from './report-body.js';

export { sha256, type Body, type StoredBody } from './report-body.js';

export const DAY_MS = 86_400_000;
export const INTEGRITY_FINDINGS = new Set(['syscall-table-hooked', 'rootkit-suspected', 'unknown-code-address', 'hidden-module']);

export type Labels = Record<string, string>;

export interface IngestMeta {
  host: string;
  /** Crash time when the report has no wall clock (ms since the epoch). */
  timeMs?: number | null;
  labels?: Labels;
  source: 'raw' | 'json' | 'vmcore';
}

export interface IngestResult {
  id: number;
  created: boolean;
  title: string;
  bucket1: string | null;
  bucket2: string | null;
}

/** What a crash row keeps of its report (everything else stays in the report body). */
export interface CrashFacts {
  title: string;
  kind: string | null;
  kernel: string | null;
  kernelVersion: string | null;
  modules: string[];
  thirdParty: string[];
  findings: string[];
  wallclockMs: number | null;
  identity: string;
  buckets: ReturnType<typeof bucketKeys>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A report from a client is hostile: its shape is checked, not trusted. Throws a one-line reason. */
export function checkReport(v: unknown): Report {
  const r = obj(v);
  if (r.schemaVersion === undefined || typeof r.schemaVersion !== 'string') throw new Error('not a ktriage JSON report (no schemaVersion)');
  if (!/^1\./.test(r.schemaVersion)) throw new Error(`unsupported report schemaVersion ${r.schemaVersion.slice(0, 20)}`);
  if (!Array.isArray(r.events)) throw new Error('report has no events array');
  if (r.crash !== null && (typeof r.crash !== 'object' || typeof obj(r.crash).title !== 'string' || typeof obj(r.crash).index !== 'number')) {
    throw new Error('report crash must be null or {index, title}');
  }
  return v as Report;
}

export function crashFacts(report: Report): CrashFacts {
  const crash = report.crash ? obj(report.crash) : null;
  const ev = crash ? obj(arr(report.events)[Number(crash.index)]) : {};
  const kernel = obj(report.kernel);
  const release = str(kernel.release)?.slice(0, 256) ?? null;
  const version = str(kernel.version)?.slice(0, 1024) ?? null;
  // Kernel module names have at most 55 characters (MODULE_NAME_LEN); longer ones (hostile input) are
  // kept clipped in the indexed columns, whole in the report.
  const modName = (m: unknown) => str(obj(m).name)?.slice(0, 128) ?? null;
  const modules = [...new Set(arr(report.modules).map(modName).filter((m): m is string => !!m))].slice(0, 512);
  const thirdParty = [...new Set(arr(report.modules).filter((m) => obj(m).thirdParty === true).map(modName).filter((m): m is string => !!m))].slice(0, 512);
  const findings = [...new Set(arr(obj(report.diagnosis).findings).map((f) => str(obj(f).id)).filter((x): x is string => !!x))].slice(0, 256);
  const time = obj(ev.time);
  const wall = str(time.wallclock);
  const wallMs = wall ? Date.parse(wall) : NaN;
  const title = str(crash?.title) ?? '';
  let buckets: ReturnType<typeof bucketKeys> = null;
  try {
    buckets = bucketKeys(report);
  } catch {
    buckets = null;
  }
  const identity = JSON.stringify([release, version, title, str(ev.header), typeof time.uptime === 'number' ? time.uptime : null, wall, ev.boot ?? null]);
  return {
    title: title.slice(0, 1024), kind: str(crash?.kind), kernel: release, kernelVersion: fleetVersion(release, version),
    modules, thirdParty, findings, wallclockMs: Number.isFinite(wallMs) ? wallMs : null, identity, buckets,
  };
}

interface PendingRow {
  ident: string; host: string; time_ms: number; received_ms: number; kernel: string | null; kernel_version: string | null;
  title: string; kind: string | null; bucket1: string | null; bucket2: string | null; grouping_version: number;
  modules: string[]; third_party: string[]; findings: string[]; labels: Labels; report_sha: string; source: string;
}

export class Store {
  private knownBuckets = new Set<string>();
  private queue: { row: PendingRow; body: StoredBody; resolve?: (r: { id: number; created: boolean }) => void; reject?: (e: unknown) => void }[] = [];
  private writing = 0;
  private pumpScheduled = false;
  /** The last body packed here and its result (a client pushing one report to many hosts). */
  private lastBody: Body = '';
  private lastStored: StoredBody | null = null;
  /** Group commit of concurrent ingests (off for a Store bound to one transaction). */
  batching = true;
  private aggregating: Promise<number> | null = null;
  groupingVersion = GROUPING_VERSION;

  constructor(readonly db: Db) {}

  async init(): Promise<void> {
    const r = await this.db.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'grouping_version'`);
    if (r[0]) this.groupingVersion = Number(r[0].value);
    else await this.db.query(`INSERT INTO meta (key, value) VALUES ('grouping_version', $1) ON CONFLICT DO NOTHING`, [String(GROUPING_VERSION)]);
  }

  /**
   * Stores one report; the promise resolves once the crash is committed (durable on PostgreSQL with its
   * default synchronous_commit; on PGlite when the WAL write reached the file). The same report from the
   * same host again (same crash identity, same given time) returns the first crash's id, created=false.
   */
  async ingest(report: Report, body: string, meta: IngestMeta): Promise<IngestResult> {
    return this.ingestFacts(crashFacts(report), this.pack(body), meta);
  }

  /** The same, for a report whose facts were computed and whose body was packed already (the ingest pool). */
  async ingestFacts(facts: CrashFacts, body: StoredBody, meta: IngestMeta): Promise<IngestResult> {
    const row = await this.rowOf(facts, body, meta);
    const r = this.batching ? await this.enqueue(row, body) : (await this.writeBatch([{ row, body }]))[0]!;
    return { id: r.id, created: r.created, title: facts.title, bucket1: row.bucket1, bucket2: row.bucket2 };
  }

  /**
   * Bulk load without HTTP (the bench's large fleets): the ingest's own statement over many rows at once,
   * with the facts of each distinct report computed once by the caller. Returns how many were created.
   */
  async ingestMany(items: { facts: CrashFacts; body: string; meta: IngestMeta }[]): Promise<number> {
    const batch: { row: PendingRow; body: StoredBody }[] = [];
    for (const x of items) {
      const body = this.pack(x.body);
      batch.push({ row: await this.rowOf(x.facts, body, x.meta), body });
    }
    return (await this.writeBatch(batch)).filter((r) => r.created).length;
  }

  /** A body packed in this thread (the vmcore jobs' reports, the bench's bulk load); the last one is kept. */
  private pack(body: Body): StoredBody {
    if (this.lastStored && body === this.lastBody) return this.lastStored;
    this.lastStored = packBody(body);
    this.lastBody = body;
    return this.lastStored;
  }

  private async rowOf(facts: CrashFacts, body: StoredBody, meta: IngestMeta): Promise<PendingRow> {
    const now = Date.now();
    const timeMs = facts.wallclockMs ?? meta.timeMs ?? now;
    const labels = meta.labels ?? {};
    const reportSha = body.sha;
    const identity = facts.title ? facts.identity : reportSha;
    const ident = sha256(JSON.stringify([meta.host, identity, facts.wallclockMs === null ? meta.timeMs ?? null : null]));
    const b = facts.buckets;
    if (b) await this.ensureBuckets(b, timeMs);
    return {
      ident, host: meta.host, time_ms: timeMs, received_ms: now, kernel: facts.kernel, kernel_version: facts.kernelVersion,
      title: facts.title, kind: facts.kind, bucket1: b?.level1.id ?? null, bucket2: b?.level2.id ?? null,
      grouping_version: this.groupingVersion, modules: facts.modules, third_party: facts.thirdParty, findings: facts.findings,
      labels, report_sha: reportSha, source: meta.source,
    };
  }

  /**
   * Group commit: ingests that arrive while a batch is being written wait for the next batch, written
   * as one statement and one commit (up to 500 rows); every request is answered after its batch
   * committed. PGlite writes one batch at a time, PostgreSQL up to four.
   */
  private enqueue(row: PendingRow, body: StoredBody): Promise<{ id: number; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, body, resolve, reject });
      this.schedulePump();
    });
  }

  /**
   * A batch starts on the event loop's check phase (setImmediate), after the poll phase handed over every
   * request whose bytes had arrived: a batch then holds all the requests that came in together. Started at
   * once, the first request of a burst would go alone, and PGlite (which runs in this thread) would keep
   * the loop from reading the others until it finished.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const parallel = this.db.kind === 'pglite' ? 1 : 4;
    while (this.writing < parallel && this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      this.writing++;
      this.writeBatch(batch)
        .then((rs) => batch.forEach((x, i) => x.resolve!(rs[i]!)), (err) => batch.forEach((x) => x.reject!(err)))
        .finally(() => {
          this.writing--;
          this.schedulePump();
        });
    }
  }

  private async writeBatch(batch: { row: PendingRow; body: StoredBody }[]): Promise<{ id: number; created: boolean }[]> {
    const bodies = new Map<string, StoredBody>();
    for (const x of batch) bodies.set(x.row.report_sha, x.body);
    // Rows in key order (reports by content address, crashes by identity): two batches in flight that
    // share keys then wait on one another in the same order, never in a deadlock.
    const shas = [...bodies.keys()].sort();
    const sorted = [...batch].sort((a, b) => (a.row.ident < b.row.ident ? -1 : a.row.ident > b.row.ident ? 1 : 0));
    // Each distinct body is one bind parameter of its own (its brotli bytes in base64, decoded by SQL: see
    // report-body.ts); the crash rows, small, go as one JSON array.
    const values = shas.map((_, i) => `($${3 + 3 * i}, decode($${4 + 3 * i}, 'base64'), $${5 + 3 * i}::int)`).join(', ');
    const params: unknown[] = [JSON.stringify(sorted.map((x) => x.row)), [...new Set(sorted.map((x) => x.row.ident))]];
    for (const k of shas) params.push(k, bodies.get(k)!.packed, bodies.get(k)!.bytes);
    const rows = await this.db.query<{ id: string | number; ident: string; created: boolean }>(
      `WITH r AS (INSERT INTO reports (sha256, body_br, bytes) VALUES ${values} ON CONFLICT DO NOTHING),
       c AS (INSERT INTO crashes (ident, host, time_ms, received_ms, kernel, kernel_version, title, kind, bucket1, bucket2,
               grouping_version, modules, third_party, findings, labels, report_sha, source)
             SELECT x.ident, x.host, x.time_ms, x.received_ms, x.kernel, x.kernel_version, x.title, x.kind, x.bucket1, x.bucket2,
               x.grouping_version, ARRAY(SELECT jsonb_array_elements_text(x.modules)), ARRAY(SELECT jsonb_array_elements_text(x.third_party)),
               ARRAY(SELECT jsonb_array_elements_text(x.findings)), x.labels, x.report_sha, x.source
             FROM jsonb_to_recordset($1::jsonb) AS x(ident text, host text, time_ms bigint, received_ms bigint, kernel text,
               kernel_version text, title text, kind text, bucket1 text, bucket2 text, grouping_version integer, modules jsonb,
               third_party jsonb, findings jsonb, labels jsonb, report_sha text, source text)
             ON CONFLICT (ident) DO NOTHING RETURNING id, ident),
       q AS (INSERT INTO agg_pending (id) SELECT id FROM c)
       SELECT id, ident, true AS created FROM c
       UNION ALL SELECT id, ident, false AS created FROM crashes WHERE ident = ANY($2::text[]) AND ident NOT IN (SELECT ident FROM c)`,
      params,
    );
    const byIdent = new Map(rows.map((r) => [r.ident, r]));
    const first = new Set<string>();
    return batch.map((x) => {
      const r = byIdent.get(x.row.ident);
      if (!r) throw new Error('ingest: the crash row was neither inserted nor found');
      // Two requests for the same crash in one batch: the first created it, the second is a duplicate.
      const created = r.created === true && !first.has(x.row.ident);
      first.add(x.row.ident);
      return { id: Number(r.id), created };
    });
  }

  private async ensureBuckets(b: NonNullable<ReturnType<typeof bucketKeys>>, timeMs: number, q: Sql = this.db, gv = this.groupingVersion): Promise<void> {
    if (this.knownBuckets.has(b.level2.id) && this.knownBuckets.has(b.level1.id)) return;
    await q.query(
      `INSERT INTO buckets (id, grouping_version, level, parent, title, frames, first_seen, last_seen)
       VALUES ($1, $3, 1, NULL, $4, '{}', $6, $6), ($2, $3, 2, $1, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
      [b.level1.id, b.level2.id, gv, b.level1.title, b.level2.frames, timeMs],
    );
    // Only a committed bucket may be remembered (a re-bucketing step's transaction may roll back).
    if (q !== this.db) return;
    if (this.knownBuckets.size > 100_000) this.knownBuckets.clear();
    this.knownBuckets.add(b.level1.id);
    this.knownBuckets.add(b.level2.id);
  }

  /** Folds crashes not yet aggregated into the bucket and host aggregates; returns how many it folded. */
  aggregate(batch = this.db.kind === 'pglite' ? 2000 : 10_000): Promise<number> {
    if (this.aggregating) return this.aggregating.then(() => this.aggregate(batch));
    this.aggregating = this.aggregateAll(batch).finally(() => {
      this.aggregating = null;
    });
    return this.aggregating;
  }

  private async aggregateAll(batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.aggregateOnce(batch);
      total += n;
      if (n < batch) return total;
    }
  }

  /**
   * One short transaction: takes up to `batch` queued crash ids and folds them into every aggregate in a
   * single statement (no temporary tables, one round trip). A bucket's host count grows by the
   * (bucket, host) pairs this batch inserted (`xmax = 0`: inserted, not updated), so its cost does not
   * grow with the store.
   */
  private async aggregateOnce(batch: number): Promise<number> {
    return this.db.tx(async (q) => {
      // One aggregator at a time across all serve processes sharing the database.
      const lock = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(4242002) AS ok');
      if (!lock[0]?.ok) return 0;
      const r = await q.query<{ n: string | number }>(`
        WITH p AS (DELETE FROM agg_pending WHERE id IN (SELECT id FROM agg_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id),
        b AS (SELECT c.host, c.time_ms, c.kernel, c.kernel_version, c.modules, c.bucket1, c.bucket2, c.labels
              FROM crashes c JOIN p ON c.id = p.id),
        lv AS (SELECT bucket1 AS bucket, host, time_ms, kernel_version, modules FROM b WHERE bucket1 IS NOT NULL
               UNION ALL SELECT bucket2, host, time_ms, kernel_version, modules FROM b WHERE bucket2 IS NOT NULL),
        bh AS (INSERT INTO bucket_hosts (bucket, host, first_seen, last_seen, crashes)
               SELECT bucket, host, min(time_ms), max(time_ms), count(*) FROM lv GROUP BY bucket, host
               ON CONFLICT (bucket, host) DO UPDATE SET first_seen = least(bucket_hosts.first_seen, EXCLUDED.first_seen),
                 last_seen = greatest(bucket_hosts.last_seen, EXCLUDED.last_seen), crashes = bucket_hosts.crashes + EXCLUDED.crashes
               RETURNING bucket, (xmax = 0) AS inserted),
        bd AS (INSERT INTO bucket_days (bucket, day, crashes)
               SELECT bucket, floor(time_ms / ${DAY_MS})::int, count(*) FROM lv GROUP BY 1, 2
               ON CONFLICT (bucket, day) DO UPDATE SET crashes = bucket_days.crashes + EXCLUDED.crashes),
        ba AS (INSERT INTO bucket_attrs (bucket, attr, value, crashes)
               SELECT bucket, 'kernel', kernel_version, count(*) FROM lv WHERE kernel_version IS NOT NULL GROUP BY 1, 3
               UNION ALL SELECT bucket, 'module', m, count(*) FROM lv, unnest(modules) AS m GROUP BY 1, 3
               ON CONFLICT (bucket, attr, value) DO UPDATE SET crashes = bucket_attrs.crashes + EXCLUDED.crashes),
        bu AS (UPDATE buckets bk SET crashes = bk.crashes + d.n, first_seen = least(bk.first_seen, d.f),
                 last_seen = greatest(bk.last_seen, d.l), hosts = bk.hosts + coalesce(nh.k, 0)
               FROM (SELECT bucket, count(*) AS n, min(time_ms) AS f, max(time_ms) AS l FROM lv GROUP BY bucket) d
                 LEFT JOIN (SELECT bucket, count(*) AS k FROM bh WHERE inserted GROUP BY bucket) nh ON nh.bucket = d.bucket
               WHERE bk.id = d.bucket),
        h AS (INSERT INTO hosts (name, first_seen, last_seen, crashes, kernel, labels)
              SELECT a.host, a.f, a.l, a.n, z.kernel, z.labels FROM
                (SELECT host, min(time_ms) AS f, max(time_ms) AS l, count(*) AS n FROM b GROUP BY host) a
                JOIN (SELECT DISTINCT ON (host) host, kernel, labels, time_ms FROM b ORDER BY host, time_ms DESC) z ON z.host = a.host
              ON CONFLICT (name) DO UPDATE SET first_seen = least(hosts.first_seen, EXCLUDED.first_seen),
                crashes = hosts.crashes + EXCLUDED.crashes,
                kernel = CASE WHEN EXCLUDED.last_seen >= hosts.last_seen THEN EXCLUDED.kernel ELSE hosts.kernel END,
                labels = CASE WHEN EXCLUDED.last_seen >= hosts.last_seen THEN EXCLUDED.labels ELSE hosts.labels END,
                last_seen = greatest(hosts.last_seen, EXCLUDED.last_seen))
        SELECT count(*) AS n FROM p`, [batch]);
      return Number(r[0]?.n ?? 0);
    });
  }

  /**
   * Recomputes every crash's bucket keys from its stored report under a new grouping version, then the
   * aggregates (`ktriage fleet rebucket`, after a change of the rules in buckets.ts or src/title/).
   */
  async rebucket(onProgress?: (done: number) => void): Promise<{ crashes: number; groupingVersion: number; buckets: number }> {
    const { from, to } = this.rebucketVersions();
    let done = 0;
    let after = '';
    for (;;) {
      const r = await this.db.tx((q) => this.rebucketStep(q, from, to, after));
      done += r.crashes;
      onProgress?.(done);
      if (r.last === null) break;
      after = r.last;
    }
    return { crashes: done, ...(await this.rebucketFinish(from, to)) };
  }

  /** The grouping versions a re-bucketing goes from and to. */
  rebucketVersions(): { from: number; to: number } {
    const from = this.groupingVersion;
    return { from, to: GROUPING_VERSION > from ? GROUPING_VERSION : from + 1 };
  }

  /**
   * One step of a re-bucketing, in the caller's transaction: up to `limit` distinct reports (content
   * address after `after`, in order) of crashes still on grouping version `from` get their keys under `to`.
   * Resumable: a step done twice finds its crashes already moved. Returns the last address (null: none left).
   */
  async rebucketStep(q: Sql, from: number, to: number, after: string, limit = 100): Promise<{ last: string | null; crashes: number; reports: number }> {
    const shas = await q.query<{ report_sha: string }>(
      `SELECT DISTINCT report_sha FROM crashes WHERE grouping_version = $1 AND report_sha > $2 ORDER BY report_sha LIMIT $3`, [from, after, limit]);
    let crashes = 0;
    for (const { report_sha } of shas) {
      const body = readBody((await q.query<{ body: string | null; body_br: Uint8Array | null }>('SELECT body, body_br FROM reports WHERE sha256 = $1', [report_sha]))[0]);
      let b: ReturnType<typeof bucketKeys> = null;
      try {
        if (body !== undefined) b = bucketKeys(checkReport(JSON.parse(body)), to);
      } catch {
        b = null;
      }
      const first = (await q.query<{ t: string | number }>('SELECT min(time_ms) AS t FROM crashes WHERE report_sha = $1', [report_sha]))[0];
      if (b) await this.ensureBuckets(b, Number(first?.t ?? Date.now()), q, to);
      const r = await q.query<{ n: string | number }>(
        `WITH u AS (UPDATE crashes SET bucket1 = $2, bucket2 = $3, grouping_version = $4
           WHERE report_sha = $1 AND grouping_version = $5 RETURNING 1) SELECT count(*) AS n FROM u`,
        [report_sha, b?.level1.id ?? null, b?.level2.id ?? null, to, from],
      );
      crashes += Number(r[0]?.n ?? 0);
    }
    return { last: shas.length < limit ? null : shas[shas.length - 1]!.report_sha, crashes, reports: shas.length };
  }

  /**
   * Ends a re-bucketing: crashes stored on `from` meanwhile are moved too, the old buckets and every
   * aggregate are dropped, the grouping version switches, and the aggregator folds everything again.
   */
  async rebucketFinish(from: number, to: number): Promise<{ groupingVersion: number; buckets: number }> {
    await this.db.tx((q) => this.rebucketFinishTx(q, from, to));
    return this.afterRebucket();
  }

  /** rebucketFinish's transaction (the rebucket job runs it with the job's own end). */
  async rebucketFinishTx(t: Sql, from: number, to: number): Promise<void> {
    // No aggregator runs meanwhile (they take this lock too), so no increment survives the reset.
    await t.query('SELECT pg_advisory_xact_lock(4242002)');
    for (let after = ''; ;) {
      const r = await this.rebucketStep(t, from, to, after);
      if (r.last === null) break;
      after = r.last;
    }
    await t.query(`DELETE FROM bucket_hosts`);
    await t.query(`DELETE FROM bucket_days`);
    await t.query(`DELETE FROM bucket_attrs`);
    await t.query(`DELETE FROM buckets WHERE grouping_version <> $1`, [to]);
    // The new buckets' aggregates and the hosts are rebuilt from scratch by the aggregator.
    await t.query(`UPDATE buckets SET crashes = 0, hosts = 0`);
    await t.query(`DELETE FROM hosts`);
    await t.query(`INSERT INTO agg_pending (id) SELECT id FROM crashes ON CONFLICT DO NOTHING`);
    await t.query(`INSERT INTO meta (key, value) VALUES ('grouping_version', $1)
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(to)]);
  }

  /** After the transaction that finished a re-bucketing committed: this process's version, aggregates. */
  async afterRebucket(): Promise<{ groupingVersion: number; buckets: number }> {
    const m = await this.db.query<{ value: string }>(`SELECT value FROM meta WHERE key = 'grouping_version'`);
    if (m[0]) this.groupingVersion = Number(m[0].value);
    this.knownBuckets.clear();
    await this.aggregate();
    const nb = await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM buckets WHERE grouping_version = $1', [this.groupingVersion]);
    return { groupingVersion: this.groupingVersion, buckets: Number(nb[0]?.n ?? 0) };
  }
}
