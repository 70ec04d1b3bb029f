// `ktriage serve`: the fleet service on Fastify. JSON API under /api/v1 (OpenAPI from the route schemas
// by @fastify/swagger at /api/v1/openapi.json), the web UI (ui.ts), /healthz and /metrics.
import { createWriteStream, mkdirSync, rmSync, statSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { availableParallelism } from 'node:os';
import { VERSION } from '../version.js';
import type { Db } from './db.js';
import { migrate, schemaVersion } from './migrations.js';
import { checkReport, Store, type IngestMeta, type Labels } from './store.js';
import { IngestPool, BadReport } from './ingest-pool.js';
import { parseJsonBody } from './ingest-work.js';
import type { Prepared } from './ingest-work.js';
import * as Q from './queries.js';
import { detectColumnsYielding, loadColumns, type Pattern, type PatternResult } from './patterns.js';
import { Tokens } from './auth.js';
import { registerUi } from './ui.js';
import { DAY_MS } from './store.js';

export interface ServeOptions {
  db: Db;
  ingestTokens: Tokens;
  /** When set, the UI and the read API need one of these tokens too. */
  readTokens?: Tokens | null;
  /** Where uploaded vmcores are spooled (default: a `vmcores` folder in the working directory). */
  spoolDir?: string;
  /** Largest report body (default 16 MiB) and vmcore (default 8 GiB). */
  maxReportBytes?: number;
  maxVmcoreBytes?: number;
  /** Ingest requests in flight before 429 (default 256); raw analyses at once before 503 (default 2). */
  maxInflight?: number;
  maxAnalyses?: number;
  /** Job lease (default 120 s). */
  leaseMs?: number;
  /** Worker threads that parse and analyse reports (default: the CPUs but one, 1-4; 0: in the event loop). */
  ingestThreads?: number;
  logger?: boolean;
}

export interface FleetApp {
  app: FastifyInstance;
  store: Store;
  /** Folds pending crashes into the aggregates now (tests, the simulator's push). */
  flush(): Promise<number>;
  close(): Promise<void>;
}

const LABEL_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const HOST = /^[A-Za-z0-9_.:-]{1,253}$/;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function parseLabels(raw: unknown): Labels {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > 32) throw new HttpError(400, 'at most 32 labels');
  const out: Labels = {};
  for (const l of list) {
    if (typeof l !== 'string') throw new HttpError(400, 'label must be key=value');
    const i = l.indexOf('=');
    const k = i > 0 ? l.slice(0, i) : '';
    const v = l.slice(i + 1);
    if (!LABEL_KEY.test(k) || v.length === 0 || v.length > 256) throw new HttpError(400, 'label must be key=value (key [A-Za-z0-9_.-]{1,64}, value 1-256 characters)');
    out[k] = v;
  }
  return out;
}

function parseTime(raw: unknown): number | null {
  if (raw === undefined || raw === '') return null;
  const t = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (!Number.isFinite(t)) throw new HttpError(400, 'time must be an ISO 8601 date');
  return t;
}

function parseHost(raw: unknown): string {
  if (typeof raw !== 'string' || !HOST.test(raw)) throw new HttpError(400, 'host is required: 1-253 characters of [A-Za-z0-9_.:-]');
  return raw;
}

const crashSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, host: { type: 'string' }, time: { type: 'string' }, timeMs: { type: 'number' },
    kernel: { type: ['string', 'null'] }, kernelVersion: { type: ['string', 'null'] }, title: { type: 'string' },
    kind: { type: ['string', 'null'] }, bucket1: { type: ['string', 'null'] }, bucket2: { type: ['string', 'null'] },
    modules: { type: 'array', items: { type: 'string' } }, thirdParty: { type: 'array', items: { type: 'string' } },
    findings: { type: 'array', items: { type: 'string' } }, labels: { type: 'object', additionalProperties: { type: 'string' } },
    source: { type: 'string' },
  },
} as const;
const bucketSchema = {
  type: 'object', additionalProperties: true,
  properties: {
    id: { type: 'string' }, level: { type: 'integer' }, parent: { type: ['string', 'null'] }, title: { type: 'string' },
    frames: { type: 'array', items: { type: 'string' } }, firstSeen: { type: 'string' }, lastSeen: { type: 'string' },
    crashes: { type: 'integer' }, hosts: { type: 'integer' }, groupingVersion: { type: 'integer' },
  },
} as const;
const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const pageQuery = { limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0, maximum: 100000 } } as const;

export async function createFleetApp(o: ServeOptions): Promise<FleetApp> {
  await migrate(o.db);
  const store = new Store(o.db);
  await store.init();
  const maxReport = o.maxReportBytes ?? 16 * 1024 * 1024;
  const maxVmcore = o.maxVmcoreBytes ?? 8 * 1024 * 1024 * 1024;
  const maxInflight = o.maxInflight ?? 256;
  // One core stays the event loop's; the others (up to 4) parse and analyse.
  const pool = new IngestPool(Math.max(0, Math.floor(o.ingestThreads ?? Math.max(1, Math.min(4, availableParallelism() - 1)))));
  // Raw analyses at once: one per ingest thread (per core), at least 2.
  const maxAnalyses = o.maxAnalyses ?? Math.max(2, pool.size);
  const leaseMs = o.leaseMs ?? 120_000;
  const spool = o.spoolDir ?? join(process.cwd(), 'vmcores');
  const metrics = { ingested: 0, duplicates: 0, rejected429: 0, rejected503: 0, errors: 0, analyses: 0, vmcores: 0, jobsDone: 0 };
  let inflight = 0;
  let analyses = 0;

  const app = Fastify({
    logger: o.logger ?? false,
    bodyLimit: maxReport,
    // Hostile clients: bounded headers and time to send a request.
    routerOptions: { maxParamLength: 300 },
    requestTimeout: 120_000,
    connectionTimeout: 0,
    keepAliveTimeout: 10_000,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  });
  app.addHook('onClose', async () => pool.close());
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ktriage fleet API', version: VERSION, description: 'Crash reports of a fleet: ingest, buckets, hosts, patterns.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // JSON bodies are parsed once, and a report's own text is what the store keeps (never serialised again).
  app.removeContentTypeParser('application/json');
  // A report's bytes go to the ingest pool as they came (parsed off the event loop, stored undecoded);
  // other JSON bodies (the workers' job calls) are parsed here.
  const reportBytes = new WeakMap<object, Buffer>();
  const isReport = (req: FastifyRequest) => req.method === 'POST' && req.url.startsWith('/api/v1/reports');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: maxReport }, (req, body, done) => {
    const bytes = body as Buffer;
    if (isReport(req)) {
      reportBytes.set(req, bytes);
      return done(null, null);
    }
    try {
      done(null, parseJsonBody(bytes.toString('utf8')));
    } catch (err) {
      done(new HttpError(400, (err as Error).message.split('\n')[0]!.slice(0, 200)), undefined);
    }
  });
  app.addContentTypeParser('text/plain', { parseAs: 'buffer', bodyLimit: maxReport }, (req, body, done) => {
    if (isReport(req)) reportBytes.set(req, body as Buffer);
    done(null, null);
  });
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const status = err instanceof HttpError ? err.status : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
    if (status === 503) {
      metrics.errors++;
      reply.header('Retry-After', '2');
    }
    // One line; the database's own message for a 503 stays in the log.
    if (status >= 500) app.log.error(err);
    const msg = status >= 500 && !(err instanceof HttpError) ? 'service unavailable: the store did not answer' : err.message.split('\n')[0]!.slice(0, 300);
    void reply.code(status).send({ error: msg });
  });

  const needIngest = async (req: FastifyRequest) => {
    if (!o.ingestTokens.check(req.headers.authorization)) throw new HttpError(401, 'a valid ingest token is required (Authorization: Bearer TOKEN)');
  };
  const needRead = async (req: FastifyRequest) => {
    if (!o.readTokens || o.readTokens.size === 0) return;
    const h = req.headers.authorization ?? (typeof (req.query as Record<string, unknown>)?.token === 'string' ? `Bearer ${(req.query as Record<string, string>).token}` : undefined);
    if (!o.readTokens.check(h) && !o.ingestTokens.check(h)) throw new HttpError(401, 'a valid read token is required');
  };
  // Ingest requests are counted from their first byte (onRequest) to their answer (onResponse).
  const counted = new WeakSet<FastifyRequest>();
  app.addHook('onRequest', async (req) => {
    if (req.method === 'POST' && (req.url.startsWith('/api/v1/reports') || req.url.startsWith('/api/v1/vmcores'))) {
      inflight++;
      counted.add(req);
    }
  });
  app.addHook('onResponse', async (req) => {
    if (counted.has(req)) inflight--;
  });
  const gate = async (_req: FastifyRequest, reply: FastifyReply) => {
    if (inflight > maxInflight) {
      metrics.rejected429++;
      reply.header('Retry-After', '1');
      throw new HttpError(429, 'too many requests in flight: retry later');
    }
  };

  // Aggregates follow ingest within about half a second (or at once past 5,000 pending crashes).
  let pending = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    pending = 0;
    return store.aggregate();
  };
  const schedule = () => {
    pending++;
    if (pending >= 5000) void flush().catch((e) => app.log.error(e));
    else if (!timer) timer = setTimeout(() => void flush().catch((e) => app.log.error(e)), 500);
  };

  const ingestOne = async (p: Prepared, meta: Omit<IngestMeta, 'source'>, source: 'raw' | 'json' | 'vmcore') => {
    const r = await store.ingestFacts(p.facts, p.body, { ...meta, source });
    if (r.created) {
      metrics.ingested++;
      schedule();
    } else metrics.duplicates++;
    return r;
  };

  app.post('/api/v1/reports', {
    schema: {
      summary: 'Ingest one report: raw (text/plain, analysed here) or ktriage JSON (application/json)',
      security: [{ bearer: [] }],
      querystring: { type: 'object', required: ['host'], properties: { host: { type: 'string' }, time: { type: 'string' }, label: { type: 'array', items: { type: 'string' } } } },
      response: { 202: { type: 'object', properties: { id: { type: 'integer' }, created: { type: 'boolean' }, title: { type: 'string' }, bucket1: { type: ['string', 'null'] }, bucket2: { type: ['string', 'null'] } } }, 400: errorSchema, 401: errorSchema, 413: errorSchema, 429: errorSchema, 503: errorSchema },
    },
    preHandler: [needIngest, gate],
  }, async (req, reply) => {
    {
      const q = req.query as Record<string, unknown>;
      // The query is checked before any work is spent on the body.
      const meta = { host: parseHost(q.host), timeMs: parseTime(q.time), labels: parseLabels(q.label) };
      let prepared: Prepared;
      let source: 'raw' | 'json';
      const ct = String(req.headers['content-type'] ?? '');
      const bytes = reportBytes.get(req);
      if (ct.startsWith('application/json')) {
        if (!bytes || bytes.length === 0) throw new HttpError(400, 'empty report');
        prepared = await pool.run('json', bytes).catch(badRequest);
        source = 'json';
      } else if (ct.startsWith('text/plain')) {
        if (!bytes || bytes.length === 0) throw new HttpError(400, 'empty report');
        if (analyses >= maxAnalyses) {
          metrics.rejected503++;
          reply.header('Retry-After', '1');
          throw new HttpError(503, 'the analysers are busy: retry later');
        }
        analyses++;
        try {
          prepared = await pool.run('raw', bytes).catch(badRequest);
          metrics.analyses++;
        } finally {
          analyses--;
        }
        source = 'raw';
      } else throw new HttpError(415, 'Content-Type must be text/plain (a kernel log or crash session) or application/json (a ktriage report)');
      const r = await ingestOne(prepared, meta, source);
      return reply.code(202).send(r);
    }
  });

  app.post('/api/v1/vmcores', {
    schema: {
      summary: 'Upload a vmcore (application/octet-stream, streamed to disk with a size cap); a worker analyses it',
      security: [{ bearer: [] }],
      querystring: { type: 'object', required: ['host'], properties: { host: { type: 'string' }, time: { type: 'string' }, label: { type: 'array', items: { type: 'string' } } } },
      response: { 202: { type: 'object', properties: { job: { type: 'integer' }, bytes: { type: 'integer' } } }, 400: errorSchema, 401: errorSchema, 413: errorSchema },
    },
    bodyLimit: maxVmcore,
    preHandler: [needIngest, gate],
  }, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const host = parseHost(q.host);
    const timeMs = parseTime(q.time);
    const labels = parseLabels(q.label);
    const ct = String(req.headers['content-type'] ?? '');
    if (!ct.startsWith('application/octet-stream')) throw new HttpError(415, 'Content-Type must be application/octet-stream');
    mkdirSync(spool, { recursive: true });
    const path = join(spool, `${Date.now()}-${randomBytes(8).toString('hex')}.vmcore`);
    let bytes = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        if (bytes > maxVmcore) cb(new HttpError(413, `vmcore larger than ${maxVmcore} bytes`));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(req.body as NodeJS.ReadableStream, cap, createWriteStream(path, { flags: 'wx' }));
    } catch (err) {
      rmSync(path, { force: true });
      throw err instanceof HttpError ? err : new HttpError(400, 'upload interrupted');
    }
    if (bytes === 0) {
      rmSync(path, { force: true });
      throw new HttpError(400, 'empty vmcore');
    }
    const rows = await o.db.query<{ id: unknown }>(
      `INSERT INTO jobs (kind, payload, created_ms) VALUES ('vmcore', $1, $2) RETURNING id`,
      [JSON.stringify({ path, bytes, host, timeMs, labels }), Date.now()],
    );
    metrics.vmcores++;
    return reply.code(202).send({ job: Number(rows[0]!.id), bytes });
  });

  // Jobs (workers): claim with FOR UPDATE SKIP LOCKED and a lease; an expired lease is claimed again.
  app.post('/api/v1/jobs/claim', {
    schema: { summary: 'Claim the next job (workers)', security: [{ bearer: [] }], body: { type: 'object', properties: { worker: { type: 'string', maxLength: 200 } } } },
    preHandler: [needIngest],
  }, async (req, reply) => {
    const worker = String((req.body as { worker?: string } | undefined)?.worker ?? 'worker').slice(0, 200);
    const now = Date.now();
    const token = randomBytes(16).toString('hex');
    await o.db.query(`UPDATE jobs SET state = 'failed', error = 'too many attempts', finished_ms = $1
      WHERE state = 'running' AND lease_until < $1 AND attempts >= 5`, [now]);
    const rows = await o.db.query<Record<string, unknown>>(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1, lease_token = $2, worker = $3
       WHERE id = (SELECT id FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < $4)
                   ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
       RETURNING id, kind, attempts, lease_until`, [now + leaseMs, token, worker, now]);
    const j = rows[0];
    if (!j) return reply.code(204).send();
    return { id: Number(j.id), kind: j.kind, attempts: Number(j.attempts), leaseToken: token, leaseUntil: new Date(Number(j.lease_until)).toISOString() };
  });
  const leaseOf = async (id: number, token: string) => {
    const rows = await o.db.query<{ payload: unknown }>(`SELECT payload FROM jobs WHERE id = $1 AND lease_token = $2 AND state = 'running'`, [id, token]);
    if (!rows[0]) throw new HttpError(409, 'the lease of this job is not yours (expired or done)');
    const p = rows[0].payload;
    return (typeof p === 'string' ? JSON.parse(p) : p) as { path: string; host: string; timeMs: number | null; labels: Labels };
  };
  app.get('/api/v1/jobs/:id/vmcore', { schema: { summary: 'The dump of a vmcore job (the lease holder only)', security: [{ bearer: [] }] }, preHandler: [needIngest] }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const p = await leaseOf(id, String((req.query as Record<string, unknown>).lease ?? ''));
    const size = statSync(p.path).size;
    return reply.header('content-type', 'application/octet-stream').header('content-length', size).send(createReadStream(p.path));
  });
  app.post('/api/v1/jobs/:id/renew', { schema: { summary: 'Extend a lease', security: [{ bearer: [] }] }, preHandler: [needIngest] }, async (req) => {
    const id = Number((req.params as { id: string }).id);
    const token = String((req.body as { lease?: string } | undefined)?.lease ?? '');
    const r = await o.db.query(`UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND state = 'running' RETURNING id`, [Date.now() + leaseMs, id, token]);
    if (!r[0]) throw new HttpError(409, 'the lease of this job is not yours (expired or done)');
    return { ok: true };
  });
  app.post('/api/v1/jobs/:id/complete', {
    schema: { summary: 'Finish a job with its result (a vmcore job: the ktriage JSON report)', security: [{ bearer: [] }] },
    preHandler: [needIngest],
  }, async (req) => {
    const id = Number((req.params as { id: string }).id);
    const b = (req.body ?? {}) as { lease?: string; report?: unknown; error?: string };
    const p = await leaseOf(id, String(b.lease ?? ''));
    let result: unknown = null;
    if (b.error) {
      await o.db.query(`UPDATE jobs SET state = 'failed', error = $3, finished_ms = $4 WHERE id = $1 AND lease_token = $2`, [id, b.lease, String(b.error).slice(0, 1000), Date.now()]);
      return { ok: true, state: 'failed' };
    }
    const report = asBadRequest(() => checkReport(b.report));
    const body = JSON.stringify(report);
    // The crash (idempotent on its identity) and the job's end in one transaction: done once.
    result = await o.db.tx(async (q) => {
      const done = await q.query(`UPDATE jobs SET state = 'done', finished_ms = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id`, [id, b.lease, Date.now()]);
      if (!done[0]) throw new HttpError(409, 'the lease of this job is not yours (expired or done)');
      const s = new Store({ ...o.db, query: q.query.bind(q) } as Db);
      s.groupingVersion = store.groupingVersion;
      s.batching = false;
      const r = await s.ingest(report, body, { host: p.host, timeMs: p.timeMs, labels: p.labels, source: 'vmcore' });
      await q.query(`UPDATE jobs SET result = $2 WHERE id = $1`, [id, JSON.stringify(r)]);
      return r;
    });
    rmSync(p.path, { force: true });
    metrics.jobsDone++;
    schedule();
    return { ok: true, state: 'done', crash: result };
  });
  app.get('/api/v1/jobs/:id', { schema: { summary: 'A job', security: [{ bearer: [] }] }, preHandler: [needRead] }, async (req) => {
    const rows = await o.db.query<Record<string, unknown>>(`SELECT id, kind, state, attempts, worker, created_ms, finished_ms, result, error FROM jobs WHERE id = $1`, [Number((req.params as { id: string }).id)]);
    const j = rows[0];
    if (!j) throw new HttpError(404, 'no such job');
    return { id: Number(j.id), kind: j.kind, state: j.state, attempts: Number(j.attempts), worker: j.worker, result: typeof j.result === 'string' ? JSON.parse(j.result) : j.result, error: j.error };
  });

  // Re-bucketing as a job (`ktriage fleet rebucket --server`): a worker claims it and drives it step by
  // step under its lease; each step (up to 100 distinct reports) commits with the job's cursor, so a job
  // whose worker died resumes where it stopped, and the last step ends the job in its own transaction.
  app.post('/api/v1/admin/rebucket', { schema: { summary: 'Queue a re-bucketing of every crash (a worker runs it)', security: [{ bearer: [] }] }, preHandler: [needIngest] }, async (_req, reply) => {
    const open = await o.db.query<{ id: unknown }>(`SELECT id FROM jobs WHERE kind = 'rebucket' AND state IN ('queued', 'running') ORDER BY id LIMIT 1`);
    if (open[0]) return reply.code(202).send({ job: Number(open[0].id), queued: false });
    const v = store.rebucketVersions();
    const rows = await o.db.query<{ id: unknown }>(`INSERT INTO jobs (kind, payload, created_ms) VALUES ('rebucket', $1, $2) RETURNING id`,
      [JSON.stringify({ from: v.from, to: v.to, after: '', crashes: 0 }), Date.now()]);
    return reply.code(202).send({ job: Number(rows[0]!.id), queued: true });
  });
  app.post('/api/v1/jobs/:id/step', { schema: { summary: 'Run the next step of a rebucket job (the lease holder only)', security: [{ bearer: [] }] }, preHandler: [needIngest] }, async (req) => {
    const id = Number((req.params as { id: string }).id);
    const lease = String((req.body as { lease?: string } | undefined)?.lease ?? '');
    const limit = Math.min(1000, Math.max(1, Math.floor(Number((req.body as { limit?: number } | undefined)?.limit ?? 100)) || 100));
    let finished = false;
    const r = await o.db.tx(async (q) => {
      const j = await q.query<{ payload: unknown; kind: string }>(`SELECT payload, kind FROM jobs WHERE id = $1 AND lease_token = $2 AND state = 'running' FOR UPDATE`, [id, lease]);
      if (!j[0]) throw new HttpError(409, 'the lease of this job is not yours (expired or done)');
      if (j[0].kind !== 'rebucket') throw new HttpError(400, 'not a rebucket job');
      const p = (typeof j[0].payload === 'string' ? JSON.parse(j[0].payload) : j[0].payload) as { from: number; to: number; after: string; crashes: number };
      const st = await store.rebucketStep(q, p.from, p.to, p.after, limit);
      const next = { ...p, after: st.last ?? p.after, crashes: p.crashes + st.crashes };
      if (st.last === null) {
        await store.rebucketFinishTx(q, p.from, p.to);
        await q.query(`UPDATE jobs SET state = 'done', finished_ms = $2, payload = $3, result = $3 WHERE id = $1`, [id, Date.now(), JSON.stringify(next)]);
        finished = true;
      } else {
        await q.query(`UPDATE jobs SET payload = $2, lease_until = $3 WHERE id = $1`, [id, JSON.stringify(next), Date.now() + leaseMs]);
      }
      return { done: st.last === null, crashes: next.crashes, reports: st.reports, groupingVersion: p.to };
    });
    if (finished) {
      patternCache.clear();
      const a = await store.afterRebucket();
      metrics.jobsDone++;
      return { ...r, buckets: a.buckets };
    }
    return r;
  });

  app.post('/api/v1/admin/aggregate', { schema: { summary: 'Fold pending crashes into the aggregates now', security: [{ bearer: [] }] }, preHandler: [needIngest] }, async () => ({ folded: await flush() }));

  // Read API.
  app.get('/api/v1/crashes', {
    schema: {
      summary: 'Crashes, newest first (filters: host, kernel, module, kind, title, bucket, label, from, to)',
      querystring: { type: 'object', properties: { host: { type: 'string' }, kernel: { type: 'string' }, module: { type: 'string' }, kind: { type: 'string' }, title: { type: 'string' }, bucket: { type: 'string' }, label: { type: 'array', items: { type: 'string' } }, from: { type: 'string' }, to: { type: 'string' }, ...pageQuery } },
      response: { 200: { type: 'object', properties: { crashes: { type: 'array', items: crashSchema }, limit: { type: 'integer' }, offset: { type: 'integer' } } } },
    },
    preHandler: [needRead],
  }, async (req) => Q.listCrashes(store, crashFilter(req.query as Record<string, unknown>)));
  app.get('/api/v1/crashes/:id', { schema: { summary: 'One crash with its full ktriage report' }, preHandler: [needRead] }, async (req) => {
    const c = await Q.getCrash(store, Number((req.params as { id: string }).id));
    if (!c) throw new HttpError(404, 'no such crash');
    return { crash: c.crash, report: c.report };
  });
  app.get('/api/v1/buckets', {
    schema: { summary: 'Buckets (level 1: title; level 2: title and top frames)', querystring: { type: 'object', properties: { level: { type: 'integer', enum: [1, 2] }, sort: { type: 'string', enum: ['last', 'first', 'crashes', 'hosts'] }, parent: { type: 'string' }, title: { type: 'string' }, ...pageQuery } }, response: { 200: { type: 'object', properties: { buckets: { type: 'array', items: bucketSchema } } } } },
    preHandler: [needRead],
  }, async (req) => ({ buckets: await Q.listBuckets(store, req.query as Record<string, never>) }));
  app.get('/api/v1/buckets/:id', { schema: { summary: 'One bucket: per-day counts, hosts, kernels, modules, state' }, preHandler: [needRead] }, async (req) => {
    const b = await Q.getBucket(store, String((req.params as { id: string }).id));
    if (!b) throw new HttpError(404, 'no such bucket');
    return b;
  });
  app.get('/api/v1/hosts', { schema: { summary: 'Hosts, most recent crash first', querystring: { type: 'object', properties: { label: { type: 'array', items: { type: 'string' } }, ...pageQuery } } }, preHandler: [needRead] },
    async (req) => ({ hosts: await Q.listHosts(store, { ...(req.query as Record<string, number>), label: parseLabels((req.query as Record<string, unknown>).label) }) }));
  app.get('/api/v1/hosts/:host', { schema: { summary: 'One host and its recent crashes' }, preHandler: [needRead] }, async (req) => {
    const h = await Q.getHost(store, String((req.params as { host: string }).host));
    if (!h) throw new HttpError(404, 'no such host');
    return h;
  });

  // Patterns: one computation at a time (concurrent requests share it); a result is cached until a crash
  // arrives, and served stale (with `stale: true`) while the next one is computed, for up to
  // PATTERN_STALE_MS: a request never waits for a recompute when a result for its range exists.
  const PATTERN_STALE_MS = 15 * 60_000;
  const patternCache = new Map<string, { key: string; computedAt: number; patterns: Pattern[] }>();
  let computing: Promise<void> | null = null;
  const computePatterns = async (range: string, key: string, from: number, to: number) => {
    const cols = await loadColumns(o.db, from, to, { parallel: o.db.kind === 'postgres' ? 2 : 1 });
    // The tests run in this thread after the last statement: pending requests go first, and between them.
    await new Promise((r) => setImmediate(r));
    const ps = await detectColumnsYielding(cols);
    patternCache.set(range, { key, computedAt: Date.now(), patterns: ps });
    if (patternCache.size > 16) patternCache.delete(patternCache.keys().next().value!);
  };
  /** Runs `job` after the computation in progress (one at a time); resolves when it finished. */
  const serialised = (job: () => Promise<void>): Promise<void> => {
    const run: Promise<void> = (computing ?? Promise.resolve()).catch(() => {}).then(job).finally(() => {
      if (computing === run) computing = null;
    });
    computing = run;
    return run;
  };
  const patternJobs = new Map<string, Promise<void>>();
  /** Patterns over [from, to) (default: the `days` before the latest crash). */
  const patterns = async (days: number, fromMs?: number, toMs?: number): Promise<PatternResult> => {
    // The cache key reads indexes and the small buckets table, never counts the crashes (0.1-0.7 s at
    // 1,000,000): the newest id and time, and the crashes aggregated so far (moves within a second of any).
    const st = await o.db.query<{ n: unknown; m: unknown; t: unknown }>(
      `SELECT (SELECT coalesce(sum(crashes), 0) FROM buckets WHERE level = 1) AS n, max(id) AS m, max(time_ms) AS t FROM crashes`);
    const to = toMs ?? Number(st[0]?.t ?? 0) + 1;
    const from = fromMs ?? to - days * DAY_MS;
    // The range as asked (a default range moves with the newest crash) and the data it covers.
    const range = `${fromMs ?? ''}/${toMs ?? ''}/${fromMs === undefined ? days : ''}/${store.groupingVersion}`;
    const key = `${st[0]?.n}/${st[0]?.m}/${from}/${to}`;
    const hit = patternCache.get(range);
    if (hit?.key === key) return { patterns: hit.patterns, computedAt: new Date(hit.computedAt).toISOString(), stale: false };
    let job = patternJobs.get(range + '\0' + key);
    if (!job) {
      job = serialised(() => computePatterns(range, key, from, to)).finally(() => patternJobs.delete(range + '\0' + key));
      patternJobs.set(range + '\0' + key, job);
    }
    if (hit && Date.now() - hit.computedAt < PATTERN_STALE_MS) {
      job.catch((err: unknown) => app.log.error(err));
      return { patterns: hit.patterns, computedAt: new Date(hit.computedAt).toISOString(), stale: true };
    }
    await job;
    const done = patternCache.get(range)!;
    return { patterns: done.patterns, computedAt: new Date(done.computedAt).toISOString(), stale: done.key !== key };
  };
  app.get('/api/v1/patterns', {
    schema: { summary: 'Cross-host patterns (fleet-simultaneous, fleet-spreading, fleet-compromise, fleet-regression) with their evidence and statistics', querystring: { type: 'object', properties: { days: { type: 'integer', minimum: 1, maximum: 3650 }, from: { type: 'string' }, to: { type: 'string' }, id: { type: 'string' } } } },
    preHandler: [needRead],
  }, async (req) => {
    const q = req.query as { days?: number; id?: string; from?: string; to?: string };
    const r = await patterns(q.days ?? 30, timeOf(q.from), timeOf(q.to));
    return { ...r, patterns: q.id ? r.patterns.filter((p) => p.id === q.id) : r.patterns };
  });
  app.get('/api/v1/timeline', { schema: { summary: 'Hosts x time: crashes of the hosts with most crashes in a range', querystring: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, bucket: { type: 'string' }, label: { type: 'array', items: { type: 'string' } }, hosts: { type: 'integer', minimum: 1, maximum: 500 } } } }, preHandler: [needRead] },
    async (req) => Q.timeline(store, timelineFilter(req.query as Record<string, unknown>)));

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      return { ok: true, database: o.db.kind, schema: await schemaVersion(o.db), groupingVersion: store.groupingVersion };
    } catch {
      return reply.code(503).send({ ok: false });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const jobs = await o.db.query<{ state: string; n: unknown }>('SELECT state, count(*) AS n FROM jobs GROUP BY state').catch(() => []);
    const lines = [
      '# HELP ktriage_fleet_reports_ingested_total Crashes stored.', '# TYPE ktriage_fleet_reports_ingested_total counter', `ktriage_fleet_reports_ingested_total ${metrics.ingested}`,
      '# HELP ktriage_fleet_reports_duplicate_total Reports already stored (idempotent ingest).', '# TYPE ktriage_fleet_reports_duplicate_total counter', `ktriage_fleet_reports_duplicate_total ${metrics.duplicates}`,
      '# HELP ktriage_fleet_rejected_total Requests refused under overload.', '# TYPE ktriage_fleet_rejected_total counter',
      `ktriage_fleet_rejected_total{code="429"} ${metrics.rejected429}`, `ktriage_fleet_rejected_total{code="503"} ${metrics.rejected503}`,
      '# HELP ktriage_fleet_store_errors_total Requests the store failed.', '# TYPE ktriage_fleet_store_errors_total counter', `ktriage_fleet_store_errors_total ${metrics.errors}`,
      '# HELP ktriage_fleet_analyses_total Raw reports analysed.', '# TYPE ktriage_fleet_analyses_total counter', `ktriage_fleet_analyses_total ${metrics.analyses}`,
      '# HELP ktriage_fleet_vmcores_total Vmcores received.', '# TYPE ktriage_fleet_vmcores_total counter', `ktriage_fleet_vmcores_total ${metrics.vmcores}`,
      '# HELP ktriage_fleet_inflight Ingest requests in flight.', '# TYPE ktriage_fleet_inflight gauge', `ktriage_fleet_inflight ${inflight}`,
      '# HELP ktriage_fleet_jobs Jobs by state.', '# TYPE ktriage_fleet_jobs gauge',
      ...jobs.map((j) => `ktriage_fleet_jobs{state="${j.state.replace(/[^a-z]/g, '')}"} ${Number(j.n)}`),
    ];
    return reply.header('content-type', 'text/plain; version=0.0.4').send(lines.join('\n') + '\n');
  });

  registerUi(app, store, { needRead, patterns, timeline: (q) => Q.timeline(store, { ...timelineFilter(q), include: Array.isArray(q.include) ? q.include.map(String) : undefined }), crashFilter });

  return {
    app, store, flush,
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      await app.close();
      await store.aggregate().catch(() => 0);
      await o.db.close();
    },
  };
}

/** A report the ingest pool refused (not JSON, not a ktriage report) is the client's 400; anything else a 503. */
function badRequest(err: unknown): never {
  if (err instanceof BadReport) throw new HttpError(400, err.message);
  // A worker lost (its report took too long, or it ran out of memory): the request may be retried.
  throw new HttpError(503, (err as Error).message);
}

function asBadRequest<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}

function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new HttpError(400, 'from/to must be ISO 8601 dates');
  return t;
}

export function crashFilter(q: Record<string, unknown>): Q.CrashFilter {
  const s = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? String(q[k]).slice(0, 1000) : undefined);
  return {
    host: s('host'), kernel: s('kernel'), module: s('module'), kind: s('kind'), title: s('title'), bucket: s('bucket'),
    labels: parseLabels(q.label === '' ? undefined : q.label), from: timeOf(q.from), to: timeOf(q.to),
    limit: q.limit === undefined ? undefined : Number(q.limit), offset: q.offset === undefined ? undefined : Number(q.offset),
  };
}

function timelineFilter(q: Record<string, unknown>) {
  return {
    from: timeOf(q.from), to: timeOf(q.to), bucket: typeof q.bucket === 'string' && q.bucket ? q.bucket : undefined,
    label: parseLabels(q.label === '' ? undefined : q.label), hosts: q.hosts === undefined ? undefined : Number(q.hosts),
  };
}
