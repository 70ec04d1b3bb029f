// HTTP clients of the fleet service: `ktriage push` (reports and vmcores), `ktriage worker` (jobs), the
// simulator's pusher. Requests retry on 429/503 (the service's overload answers) with bounded backoff.
import { createReadStream, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { analyze, detectInputKind } from '../analyze.js';

export interface ClientOptions {
  server: string;
  token?: string;
  /** Attempts on 429/503/network errors (default 6). */
  attempts?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function request(o: ClientOptions, method: string, path: string, body?: { type: string; data: string | Buffer | (() => Readable); length?: number }): Promise<{ status: number; json: unknown }> {
  const url = new URL(path, o.server);
  if (!/^https?:$/.test(url.protocol)) throw new Error(`server must be an http(s) URL: ${o.server}`);
  const attempts = o.attempts ?? 6;
  for (let i = 0; ; i++) {
    try {
      const headers: Record<string, string> = {};
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let payload: NonNullable<RequestInit['body']> | undefined;
      if (body) {
        headers['content-type'] = body.type;
        if (typeof body.data === 'function') {
          payload = Readable.toWeb(body.data()) as unknown as NonNullable<RequestInit['body']>;
          if (body.length !== undefined) headers['content-length'] = String(body.length);
        } else payload = body.data as NonNullable<RequestInit['body']>;
      }
      const res = await fetch(url, { method, headers, body: payload, ...(typeof body?.data === 'function' ? { duplex: 'half' } : {}) } as RequestInit);
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = { error: text.slice(0, 200) };
      }
      if ((res.status === 429 || res.status === 503) && i + 1 < attempts) {
        const ra = Number(res.headers.get('retry-after'));
        await sleep(Math.min(10_000, (Number.isFinite(ra) && ra > 0 ? ra * 1000 : 200) * (1 + i) + Math.random() * 100));
        continue;
      }
      return { status: res.status, json };
    } catch (err) {
      if (i + 1 >= attempts) throw new Error(`cannot reach ${url.origin}: ${(err as Error).message}`);
      await sleep(200 * (1 + i));
    }
  }
}

export interface PushTarget {
  host?: string;
  time?: string;
  labels?: string[];
}

function query(t: PushTarget): string {
  const p = new URLSearchParams();
  p.set('host', t.host ?? hostname());
  if (t.time) p.set('time', t.time);
  for (const l of t.labels ?? []) p.append('label', l);
  return p.toString();
}

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(65536);
    const n = readSync(fd, b, 0, b.length, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Sends one file: a vmcore is streamed to /vmcores, a ktriage JSON report as JSON, anything else as text. */
export async function pushFile(o: ClientOptions, file: string, t: PushTarget): Promise<{ status: number; json: unknown }> {
  const h = head(file);
  const kind = detectInputKind(h);
  if (kind === 'vmcore' || kind === 'zstd') {
    const size = statSync(file).size;
    return request(o, 'POST', `/api/v1/vmcores?${query(t)}`, { type: 'application/octet-stream', data: () => createReadStream(file), length: size });
  }
  const text = h.toString('utf8').trimStart();
  const { readFileSync } = await import('node:fs');
  if (text.startsWith('{') && text.includes('"schemaVersion"')) {
    return request(o, 'POST', `/api/v1/reports?${query(t)}`, { type: 'application/json', data: readFileSync(file) });
  }
  return request(o, 'POST', `/api/v1/reports?${query(t)}`, { type: 'text/plain; charset=utf-8', data: readFileSync(file) });
}

export interface WorkerOptions extends ClientOptions {
  name?: string;
  /** Stop after this many jobs (default: run until stopped). */
  maxJobs?: number;
  /** Stop when no job came for this long (default: never). */
  idleExitMs?: number;
  pollMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** `ktriage worker`: claims jobs, analyses vmcores with analyze(), hands the report back under its lease. */
export async function runWorker(o: WorkerOptions): Promise<number> {
  const name = o.name ?? `${hostname()}:${process.pid}`;
  let done = 0;
  let idleSince = Date.now();
  while (!o.signal?.aborted && (o.maxJobs === undefined || done < o.maxJobs)) {
    const c = await request(o, 'POST', '/api/v1/jobs/claim', { type: 'application/json', data: JSON.stringify({ worker: name }) });
    if (c.status === 204) {
      if (o.idleExitMs !== undefined && Date.now() - idleSince > o.idleExitMs) break;
      await sleep(o.pollMs ?? 1000);
      continue;
    }
    if (c.status !== 200) throw new Error(`claim failed: ${c.status} ${JSON.stringify(c.json).slice(0, 200)}`);
    const job = c.json as { id: number; kind: string; leaseToken: string };
    o.log?.(`job ${job.id} (${job.kind}) claimed`);
    const dir = mkdtempSync(join(tmpdir(), 'ktriage-worker-'));
    try {
      if (job.kind === 'rebucket') {
        // The server does each step under this worker's lease; a step commits with the job's cursor.
        for (;;) {
          const st = await request(o, 'POST', `/api/v1/jobs/${job.id}/step`, { type: 'application/json', data: JSON.stringify({ lease: job.leaseToken }) });
          if (st.status !== 200) throw new Error(`rebucket step of job ${job.id} failed: ${st.status} ${JSON.stringify(st.json).slice(0, 200)}`);
          const j = st.json as { done: boolean; crashes: number };
          if (j.done) {
            o.log?.(`job ${job.id}: rebucketed ${j.crashes} crashes`);
            break;
          }
        }
        done++;
        idleSince = Date.now();
        continue;
      }
      if (job.kind !== 'vmcore') {
        await request(o, 'POST', `/api/v1/jobs/${job.id}/complete`, { type: 'application/json', data: JSON.stringify({ lease: job.leaseToken, error: `unknown job kind ${job.kind}` }) });
        continue;
      }
      const res = await fetch(new URL(`/api/v1/jobs/${job.id}/vmcore?lease=${job.leaseToken}`, o.server), { headers: o.token ? { authorization: `Bearer ${o.token}` } : {} });
      if (res.status !== 200 || !res.body) throw new Error(`download of job ${job.id} failed: ${res.status}`);
      const path = join(dir, 'vmcore');
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(path));
      const report = analyze([{ name: 'vmcore', path }]);
      const r = await request(o, 'POST', `/api/v1/jobs/${job.id}/complete`, { type: 'application/json', data: JSON.stringify({ lease: job.leaseToken, report }) });
      o.log?.(`job ${job.id}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      done++;
      idleSince = Date.now();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return done;
}
