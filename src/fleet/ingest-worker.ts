// A worker thread of the ingest pool (ingest-pool.ts): runs prepareJson / prepareRaw on the bodies the
// server hands over and answers with the facts. Nothing else lives here.
import { parentPort } from 'node:worker_threads';
import { prepareJson, prepareRaw } from './ingest-work.js';
import type { IngestTask, IngestAnswer } from './ingest-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.js runs as a worker thread of the fleet service');
// Tasks come in batches (one message per turn of the server's event loop); the JSON ones are answered
// together once all ran, a raw log (an analysis, asynchronous) on its own when done.
port.on('message', (tasks: IngestTask[]) => {
  const answers: IngestAnswer[] = [];
  const failed = (id: number, err: unknown): IngestAnswer => ({ id, ok: false, error: String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300) });
  for (const t of tasks) {
    // The bytes came over transferred (no copy); the answer holds the facts and the packed body.
    const body = Buffer.from(t.body.buffer, t.body.byteOffset, t.body.byteLength);
    if (t.kind === 'json') {
      try {
        const p = prepareJson(body);
        answers.push({ id: t.id, ok: true, facts: p.facts, body: p.body });
      } catch (err) {
        answers.push(failed(t.id, err));
      }
    } else {
      prepareRaw(body).then(
        (p) => port.postMessage([{ id: t.id, ok: true, facts: p.facts, body: p.body }] satisfies IngestAnswer[]),
        (err: unknown) => port.postMessage([failed(t.id, err)] satisfies IngestAnswer[]),
      );
    }
  }
  if (answers.length > 0) port.postMessage(answers);
});
