// A worker thread of the ingest pool (ingest-pool.ts): runs prepareJson / prepareRaw on the bodies the
// server hands over and answers with the facts. Nothing else lives here.
import { parentPort } from 'node:worker_threads';
import { prepareJson, prepareRaw } from './ingest-work.js';
import type { IngestTask, IngestAnswer } from './ingest-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.js runs as a worker thread of the fleet service');
port.on('message', (t: IngestTask) => {
  // The bytes came over transferred (no copy); a JSON task's go back the same way with its facts.
  const body = Buffer.from(t.body.buffer, t.body.byteOffset, t.body.byteLength);
  const run = t.kind === 'json' ? Promise.resolve().then(() => prepareJson(body)) : prepareRaw(body);
  run.then(
    (p) => {
      if (t.kind === 'json') port.postMessage({ id: t.id, ok: true, facts: p.facts, sha: p.sha, bytes: t.body } satisfies IngestAnswer, [t.body.buffer as ArrayBuffer]);
      else port.postMessage({ id: t.id, ok: true, facts: p.facts, sha: p.sha, json: p.body as string } satisfies IngestAnswer);
    },
    (err: unknown) => port.postMessage({ id: t.id, ok: false, error: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300) } satisfies IngestAnswer),
  );
});
