// Read queries of the API and the UI. Each reads indexed aggregates (buckets, bucket_days, bucket_attrs,
// bucket_hosts, hosts) or one index range of crashes, so that pages stay fast with millions of crashes.
import type { Store } from './store.js';
import { DAY_MS } from './store.js';
import { branchOf, compareFleetVersions } from './versions.js';
import { readBody } from './report-body.js';

export interface CrashFilter {
  host?: string; kernel?: string; module?: string; kind?: string; title?: string; bucket?: string;
  labels?: Record<string, string>; from?: number; to?: number; limit?: number; offset?: number;
}

export interface CrashRow {
  id: number; host: string; time: string; timeMs: number; kernel: string | null; kernelVersion: string | null; title: string;
  kind: string | null; bucket1: string | null; bucket2: string | null; modules: string[]; thirdParty: string[];
  findings: string[]; labels: Record<string, string>; source: string;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);
const jsonOf = (v: unknown): Record<string, string> => (typeof v === 'string' ? JSON.parse(v) : (v as Record<string, string>) ?? {});

function crashRow(r: Row): CrashRow {
  const t = num(r.time_ms);
  return {
    id: num(r.id), host: String(r.host), time: new Date(t).toISOString(), timeMs: t, kernel: (r.kernel as string) ?? null,
    kernelVersion: (r.kernel_version as string) ?? null, title: String(r.title), kind: (r.kind as string) ?? null,
    bucket1: (r.bucket1 as string) ?? null, bucket2: (r.bucket2 as string) ?? null, modules: (r.modules as string[]) ?? [],
    thirdParty: (r.third_party as string[]) ?? [], findings: (r.findings as string[]) ?? [], labels: jsonOf(r.labels),
    source: String(r.source),
  };
}

const CRASH_COLS = `id, host, time_ms, kernel, kernel_version, title, kind, bucket1, bucket2, modules, third_party, findings, labels, source`;

export async function listCrashes(store: Store, f: CrashFilter): Promise<{ crashes: CrashRow[]; limit: number; offset: number }> {
  const where: string[] = [];
  const p: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    p.push(v);
    where.push(sql.replace('?', `$${p.length}`));
  };
  if (f.host) add('host = ?', f.host);
  if (f.kernel) add('(kernel = ? OR kernel_version = $' + (p.length + 1) + ')', f.kernel);
  if (f.module) add('modules @> ARRAY[?]::text[]', f.module);
  if (f.kind) add('kind = ?', f.kind);
  if (f.title) add(`title ILIKE ? ESCAPE '\\'`, `%${f.title.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (f.bucket) add(f.bucket.startsWith('b1-') ? 'bucket1 = ?' : 'bucket2 = ?', f.bucket);
  if (f.labels && Object.keys(f.labels).length > 0) add('labels @> ?::jsonb', JSON.stringify(f.labels));
  if (f.from !== undefined) add('time_ms >= ?', f.from);
  if (f.to !== undefined) add('time_ms < ?', f.to);
  const limit = Math.min(Math.max(1, f.limit ?? 50), 500);
  const offset = Math.min(Math.max(0, f.offset ?? 0), 100_000);
  const rows = await store.db.query<Row>(
    `SELECT ${CRASH_COLS} FROM crashes ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY time_ms DESC, id DESC LIMIT ${limit} OFFSET ${offset}`, p);
  return { crashes: rows.map(crashRow), limit, offset };
}

export async function getCrash(store: Store, id: number): Promise<{ crash: CrashRow; report: unknown; reportBody: string } | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const rows = await store.db.query<Row>(`SELECT ${CRASH_COLS}, report_sha FROM crashes WHERE id = $1`, [id]);
  const r = rows[0];
  if (!r) return null;
  const body = readBody((await store.db.query<{ body: string | null; body_br: Uint8Array | null }>('SELECT body, body_br FROM reports WHERE sha256 = $1', [r.report_sha]))[0]) ?? 'null';
  return { crash: crashRow(r), report: JSON.parse(body), reportBody: body };
}

export interface BucketRow {
  id: string; level: number; parent: string | null; title: string; frames: string[]; firstSeen: string; lastSeen: string;
  firstSeenMs: number; lastSeenMs: number; crashes: number; hosts: number; groupingVersion: number;
}

function bucketRow(r: Row): BucketRow {
  return {
    id: String(r.id), level: num(r.level), parent: (r.parent as string) ?? null, title: String(r.title), frames: (r.frames as string[]) ?? [],
    firstSeen: new Date(num(r.first_seen)).toISOString(), lastSeen: new Date(num(r.last_seen)).toISOString(),
    firstSeenMs: num(r.first_seen), lastSeenMs: num(r.last_seen), crashes: num(r.crashes), hosts: num(r.hosts),
    groupingVersion: num(r.grouping_version),
  };
}

export async function listBuckets(store: Store, o: { level?: number; sort?: string; limit?: number; offset?: number; parent?: string; title?: string }): Promise<BucketRow[]> {
  const sort = o.sort === 'hosts' ? 'hosts DESC' : o.sort === 'crashes' ? 'crashes DESC' : o.sort === 'first' ? 'first_seen DESC' : 'last_seen DESC';
  const p: unknown[] = [store.groupingVersion, o.level === 1 ? 1 : 2];
  let extra = '';
  if (o.parent) {
    p.push(o.parent);
    extra += ` AND parent = $${p.length}`;
  }
  if (o.title) {
    p.push(`%${o.title.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    extra += ` AND title ILIKE $${p.length} ESCAPE '\\'`;
  }
  const limit = Math.min(Math.max(1, o.limit ?? 50), 500);
  const offset = Math.min(Math.max(0, o.offset ?? 0), 100_000);
  const rows = await store.db.query<Row>(
    `SELECT * FROM buckets WHERE grouping_version = $1 AND level = $2 AND crashes > 0${extra} ORDER BY ${sort}, id LIMIT ${limit} OFFSET ${offset}`, p);
  return rows.map(bucketRow);
}

export type BucketState = 'new' | 'ongoing' | 'resolved' | 'regressed';

/**
 * A bucket's state, by version order within each kernel branch it occurred on (not by time):
 * resolved when the branch's newest version in the fleet has run and shows no crash of it; regressed when
 * a version of the branch between its crashes showed none (fixed) and a later one shows it again; new when
 * first seen in the last two days of the fleet's data; else ongoing.
 */
export function bucketState(bucketVersions: string[], fleetVersions: string[], firstSeenMs: number, latestMs: number): BucketState {
  const byBranch = (vs: string[]) => {
    const m = new Map<string, string[]>();
    for (const v of vs) {
      const b = branchOf(v);
      if (!b) continue;
      if (!m.has(b)) m.set(b, []);
      m.get(b)!.push(v);
    }
    for (const l of m.values()) l.sort(compareFleetVersions);
    return m;
  };
  const mine = byBranch(bucketVersions);
  const fleet = byBranch(fleetVersions);
  let regressed = false;
  let resolvedEverywhere = mine.size > 0;
  for (const [branch, vs] of mine) {
    const all = fleet.get(branch) ?? vs;
    const has = new Set(vs);
    const idx = all.map((v) => has.has(v));
    const last = idx.lastIndexOf(true);
    const first = idx.indexOf(true);
    if (last < all.length - 1) continue; // the newest version of the branch is clean: resolved there
    resolvedEverywhere = false;
    for (let i = first + 1; i < last; i++) if (!idx[i]) regressed = true;
  }
  if (resolvedEverywhere) return 'resolved';
  if (regressed) return 'regressed';
  if (latestMs - firstSeenMs < 2 * DAY_MS) return 'new';
  return 'ongoing';
}

export async function fleetVersions(store: Store): Promise<string[]> {
  const rows = await store.db.query<{ value: string }>(`SELECT DISTINCT value FROM bucket_attrs WHERE attr = 'kernel'`);
  return rows.map((r) => r.value);
}

export async function latestCrashMs(store: Store): Promise<number> {
  const r = await store.db.query<{ t: unknown }>('SELECT max(time_ms) AS t FROM crashes');
  return num(r[0]?.t);
}

export async function getBucket(store: Store, id: string) {
  const rows = await store.db.query<Row>('SELECT * FROM buckets WHERE id = $1', [id]);
  const r = rows[0];
  if (!r) return null;
  const bucket = bucketRow(r);
  const [days, attrs, hosts, children, fv, latest] = await Promise.all([
    store.db.query<Row>('SELECT day, crashes FROM bucket_days WHERE bucket = $1 ORDER BY day', [id]),
    store.db.query<Row>('SELECT attr, value, crashes FROM bucket_attrs WHERE bucket = $1 ORDER BY crashes DESC, value LIMIT 400', [id]),
    store.db.query<Row>('SELECT host, first_seen, last_seen, crashes FROM bucket_hosts WHERE bucket = $1 ORDER BY first_seen LIMIT 200', [id]),
    bucket.level === 1 ? store.db.query<Row>('SELECT * FROM buckets WHERE parent = $1 ORDER BY crashes DESC LIMIT 50', [id]) : Promise.resolve([]),
    fleetVersions(store),
    latestCrashMs(store),
  ]);
  const kernels = attrs.filter((a) => a.attr === 'kernel').map((a) => ({ version: String(a.value), crashes: num(a.crashes) }));
  const modules = attrs.filter((a) => a.attr === 'module').map((a) => ({ module: String(a.value), crashes: num(a.crashes) }));
  return {
    ...bucket,
    state: bucketState(kernels.map((k) => k.version), fv, bucket.firstSeenMs, latest),
    perDay: days.map((d) => ({ day: new Date(num(d.day) * DAY_MS).toISOString().slice(0, 10), crashes: num(d.crashes) })),
    kernels, modules,
    hostList: hosts.map((h) => ({ host: String(h.host), firstSeen: new Date(num(h.first_seen)).toISOString(), lastSeen: new Date(num(h.last_seen)).toISOString(), crashes: num(h.crashes) })),
    children: children.map(bucketRow),
  };
}

export async function listHosts(store: Store, o: { limit?: number; offset?: number; label?: Record<string, string> }) {
  const limit = Math.min(Math.max(1, o.limit ?? 100), 1000);
  const offset = Math.min(Math.max(0, o.offset ?? 0), 100_000);
  const p: unknown[] = [];
  let where = '';
  if (o.label && Object.keys(o.label).length) {
    p.push(JSON.stringify(o.label));
    where = 'WHERE labels @> $1::jsonb';
  }
  const rows = await store.db.query<Row>(`SELECT * FROM hosts ${where} ORDER BY last_seen DESC, name LIMIT ${limit} OFFSET ${offset}`, p);
  return rows.map((h) => ({
    host: String(h.name), firstSeen: new Date(num(h.first_seen)).toISOString(), lastSeen: new Date(num(h.last_seen)).toISOString(),
    crashes: num(h.crashes), kernel: (h.kernel as string) ?? null, labels: jsonOf(h.labels),
  }));
}

export async function getHost(store: Store, name: string) {
  const rows = await store.db.query<Row>('SELECT * FROM hosts WHERE name = $1', [name]);
  const h = rows[0];
  const crashes = await listCrashes(store, { host: name, limit: 200 });
  if (!h && crashes.crashes.length === 0) return null;
  return {
    host: name, firstSeen: h ? new Date(num(h.first_seen)).toISOString() : null, lastSeen: h ? new Date(num(h.last_seen)).toISOString() : null,
    crashes: h ? num(h.crashes) : crashes.crashes.length, kernel: (h?.kernel as string) ?? null, labels: h ? jsonOf(h.labels) : {},
    recent: crashes.crashes,
  };
}

/**
 * Timeline rows: hosts (ordered by their first crash in the range) × their crashes. `include` hosts (a
 * pattern's: at 10,000 hosts a 12-hour range holds ~1,400 hosts with one crash each, and the most-crashes
 * cut would drop the eight that died together) come first, up to 500; the rest are the hosts with the most
 * crashes in the range, up to `hosts` (default 150).
 */
export async function timeline(store: Store, o: { from?: number; to?: number; bucket?: string; label?: Record<string, string>; hosts?: number; include?: string[] }) {
  const maxHosts = Math.min(Math.max(1, o.hosts ?? 150), 500);
  const p: unknown[] = [];
  const where: string[] = [];
  if (o.from !== undefined) { p.push(o.from); where.push(`time_ms >= $${p.length}`); }
  if (o.to !== undefined) { p.push(o.to); where.push(`time_ms < $${p.length}`); }
  if (o.bucket) { p.push(o.bucket); where.push(`${o.bucket.startsWith('b1-') ? 'bucket1' : 'bucket2'} = $${p.length}`); }
  if (o.label && Object.keys(o.label).length) { p.push(JSON.stringify(o.label)); where.push(`labels @> $${p.length}::jsonb`); }
  const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
  // The hosts with the most crashes in the range, then all their crashes in it (bounded).
  const include = [...new Set(o.include ?? [])].slice(0, 500);
  const wanted = include.length
    ? await store.db.query<Row>(`SELECT host, min(time_ms) AS f, count(*) AS n FROM crashes ${w ? w + ' AND' : 'WHERE'} host = ANY($${p.length + 1}::text[]) GROUP BY host`, [...p, include])
    : [];
  const top = await store.db.query<Row>(`SELECT host, min(time_ms) AS f, count(*) AS n FROM crashes ${w} GROUP BY host ORDER BY n DESC, host LIMIT ${maxHosts}`, p);
  const seen = new Set(wanted.map((h) => String(h.host)));
  const hosts = [...wanted, ...top.filter((h) => !seen.has(String(h.host))).slice(0, Math.max(0, maxHosts - wanted.length))];
  const names = hosts.map((h) => String(h.host));
  if (names.length === 0) return { hosts: [], points: [], from: o.from ?? null, to: o.to ?? null };
  p.push(names);
  const points = await store.db.query<Row>(
    `SELECT id, host, time_ms, bucket2, title FROM crashes ${w ? w + ' AND' : 'WHERE'} host = ANY($${p.length}::text[]) ORDER BY time_ms LIMIT 20000`, p);
  const order = hosts.sort((a, b) => num(a.f) - num(b.f) || String(a.host).localeCompare(String(b.host))).map((h) => String(h.host));
  return {
    hosts: order,
    points: points.map((r) => ({ id: num(r.id), host: String(r.host), timeMs: num(r.time_ms), bucket: (r.bucket2 as string) ?? null, title: String(r.title) })),
    from: o.from ?? null, to: o.to ?? null,
  };
}
