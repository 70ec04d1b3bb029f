// Versioned schema migrations: each runs once, in order, in its own transaction, recorded in
// schema_migrations. Several `serve` processes starting at once on one PostgreSQL serialise on an
// advisory lock. Never edit a migration that has shipped: add the next one.
import type { Db } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'crashes, reports, buckets, hosts, jobs',
    sql: `
CREATE TABLE reports (
  sha256 text PRIMARY KEY,          -- content address of the ktriage JSON report
  body text NOT NULL,
  bytes integer NOT NULL
);
CREATE TABLE crashes (
  id bigserial PRIMARY KEY,
  ident text NOT NULL UNIQUE,       -- idempotency key: host + the crash's identity (see store.ts)
  host text NOT NULL,
  time_ms bigint NOT NULL,          -- crash time (report wall clock, ?time=, else arrival)
  received_ms bigint NOT NULL,
  kernel text,                      -- uname release
  kernel_version text,              -- the version string (#1 SMP ... Debian 6.1.192-2)
  title text NOT NULL,              -- '' when the report holds no crash
  kind text,
  bucket1 text,                     -- bucket ids (see buckets.ts), null when no crash
  bucket2 text,
  grouping_version integer NOT NULL,
  modules text[] NOT NULL DEFAULT '{}',
  third_party text[] NOT NULL DEFAULT '{}',
  findings text[] NOT NULL DEFAULT '{}',
  labels jsonb NOT NULL DEFAULT '{}',
  report_sha text NOT NULL,        -- reports.sha256 (no foreign key: written in the same statement)
  source text NOT NULL,             -- raw | json | vmcore
  aggregated boolean NOT NULL DEFAULT false
);
CREATE INDEX crashes_time ON crashes (time_ms);
CREATE INDEX crashes_host_time ON crashes (host, time_ms);
CREATE INDEX crashes_b1_time ON crashes (bucket1, time_ms);
CREATE INDEX crashes_b2_time ON crashes (bucket2, time_ms);
CREATE INDEX crashes_kernel ON crashes (kernel);
CREATE INDEX crashes_labels ON crashes USING gin (labels jsonb_path_ops);
CREATE INDEX crashes_modules ON crashes USING gin (modules);
CREATE INDEX crashes_pending ON crashes (id) WHERE NOT aggregated;

CREATE TABLE buckets (
  id text PRIMARY KEY,
  grouping_version integer NOT NULL,
  level smallint NOT NULL,          -- 1: normalised title; 2: title + top frames
  parent text,                      -- level 2: its level-1 bucket
  title text NOT NULL,
  frames text[] NOT NULL DEFAULT '{}',
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  crashes integer NOT NULL DEFAULT 0,
  hosts integer NOT NULL DEFAULT 0
);
CREATE INDEX buckets_list ON buckets (grouping_version, level, last_seen DESC);
CREATE TABLE bucket_hosts (
  bucket text NOT NULL, host text NOT NULL, first_seen bigint NOT NULL, last_seen bigint NOT NULL,
  crashes integer NOT NULL, PRIMARY KEY (bucket, host)
);
CREATE TABLE bucket_days (
  bucket text NOT NULL, day integer NOT NULL, crashes integer NOT NULL, PRIMARY KEY (bucket, day)
);
CREATE TABLE bucket_attrs (
  bucket text NOT NULL, attr text NOT NULL, value text NOT NULL, crashes integer NOT NULL,
  PRIMARY KEY (bucket, attr, value)
);
CREATE TABLE hosts (
  name text PRIMARY KEY,
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  crashes integer NOT NULL,
  kernel text,
  labels jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,               -- vmcore | rebucket
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'queued',   -- queued | running | done | failed
  attempts integer NOT NULL DEFAULT 0,
  lease_until bigint,
  lease_token text,
  worker text,
  created_ms bigint NOT NULL,
  finished_ms bigint,
  result jsonb,
  error text
);
CREATE INDEX jobs_claim ON jobs (id) WHERE state IN ('queued', 'running');
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
`,
  },
  {
    version: 2,
    name: 'aggregation queue instead of a flag on every crash',
    // Marking a crash aggregated rewrote its row and every index entry (the flag is in an index's
    // predicate, so the update is never HOT), for every crash: a narrow queue of ids does it with one
    // small insert (in the ingest statement) and one delete (in the aggregator's).
    sql: `
CREATE TABLE agg_pending (id bigint PRIMARY KEY);
INSERT INTO agg_pending SELECT id FROM crashes WHERE NOT aggregated;
DROP INDEX crashes_pending;
ALTER TABLE crashes DROP COLUMN aggregated;
`,
  },
  {
    version: 3,
    name: 'indexes for 1,000,000 crashes: timeline hosts, bucket hosts, crashes by report',
    // Measured on 1,000,000 simulated crashes over 10,000 hosts (bench fleet --bulk): the timeline's
    // hosts of one day read 33,000 heap rows (0.1-0.7 s) where an index-only scan reads the index; a large
    // bucket's first 200 hosts sorted 9,000 rows; re-bucketing looks crashes up by report.
    sql: `
CREATE INDEX crashes_time_host ON crashes (time_ms) INCLUDE (host);
DROP INDEX crashes_time;
CREATE INDEX bucket_hosts_first ON bucket_hosts (bucket, first_seen) INCLUDE (host, last_seen, crashes);
CREATE INDEX crashes_report ON crashes (report_sha);
`,
  },
  {
    version: 4,
    name: 'timeline of one bucket: its hosts from the index',
    // The same 1,000,000 crashes: one day of the largest bucket read its rows from the heap for their
    // host (p95 52 ms); with the host in the index the scan is index-only. Same number of indexes.
    sql: `
CREATE INDEX crashes_b1_time_host ON crashes (bucket1, time_ms) INCLUDE (host);
DROP INDEX crashes_b1_time;
CREATE INDEX crashes_b2_time_host ON crashes (bucket2, time_ms) INCLUDE (host);
DROP INDEX crashes_b2_time;
`,
  },
  {
    version: 5,
    name: 'report bodies compressed with lz4',
    // TOAST's default compression (pglz) was most of PostgreSQL's CPU per ingested report: 0.72 ms of
    // backend CPU per distinct 28 KB report, 0.37 ms with lz4 (bench/fleet.ts, distinct reports). New
    // bodies only; old ones stay readable. PGlite is built without lz4: there the statement does nothing.
    sql: `
DO $$ BEGIN ALTER TABLE reports ALTER COLUMN body SET COMPRESSION lz4; EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
`,
  },
  {
    version: 6,
    name: 'report bodies compressed by the ingest (brotli), stored without the database compressing them again',
    // report-body.ts: new rows fill body_br; rows written before keep body.
    sql: `
ALTER TABLE reports ADD COLUMN body_br bytea;
ALTER TABLE reports ALTER COLUMN body DROP NOT NULL;
ALTER TABLE reports ALTER COLUMN body_br SET STORAGE EXTERNAL;
ALTER TABLE reports ADD CONSTRAINT reports_has_body CHECK (body IS NOT NULL OR body_br IS NOT NULL);
`,
  },
];

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(db: Db): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_ms bigint NOT NULL)`);
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await db.tx(async (q) => {
      // Transaction-scoped advisory lock: concurrent starters wait, then see the row and skip.
      await q.query('SELECT pg_advisory_xact_lock(4242001)');
      const seen = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.length > 0) return false;
      for (const stmt of splitStatements(m.sql)) await q.query(stmt);
      await q.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits a migration into statements (ours hold no semicolons inside strings or bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.replace(/--[^\n]*/g, '').trim())
    .filter((s) => s.length > 0);
}

export async function schemaVersion(db: Db): Promise<number> {
  const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(r[0]?.v ?? 0);
}
