// A worker thread of the ingest pool (ingest-pool.ts): runs prepareJson / prepareRaw on the bodies the
// server hands over and answers with the facts. Nothing else lives here.
import { parentPort } from 'node:worker_threads';
import { prepareJson, prepareRaw } from './ingest-work.js';
import type { IngestTask, IngestAnswer } from './ingest-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.js runs as a worker thread of the fleet service');
port.on('message', (t: IngestTask) => {
  // The bytes came over transferred (no copy); the answer holds the facts and the packed body.
  const body = Buffer.from(t.body.buffer, t.body.byteOffset, t.body.byteLength);
  const run = t.kind === 'json' ? Promise.resolve().then(() => prepareJson(body)) : prepareRaw(body);
  run.then(
    (p) => port.postMessage({ id: t.id, ok: true, facts: p.facts, body: p.body } satisfies IngestAnswer),
    (err: unknown) => port.postMessage({ id: t.id, ok: false, error: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300) } satisfies IngestAnswer),
  );
});
