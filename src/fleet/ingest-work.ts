// The CPU work of one ingest, apart from the store: a ktriage JSON body parsed and checked (or a raw log
// analysed), its crash facts and bucket keys, the body's content address and its compressed form. Pure
// functions of the body: the ingest pool (ingest-pool.ts) runs them in worker threads so the event loop
// only moves bytes.
import { isUtf8 } from 'node:buffer';
import { checkReport, crashFacts, type CrashFacts } from './store.js';
import { packBody, type Body, type StoredBody } from './report-body.js';

/** What the store needs of one report: the facts and the body packed (report-body.ts). */
export interface Prepared {
  facts: CrashFacts;
  /** The body the store keeps: the JSON as sent, or the analysis of a raw log serialised; packed. */
  body: StoredBody;
}

/**
 * JSON.parse, refusing what Fastify's own parser refuses (prototype poisoning: a `__proto__` key, or a
 * `constructor` key holding a `prototype`). The tree is walked only when the text may spell one of them.
 */
export function parseJsonBody(text: string): unknown {
  const v: unknown = JSON.parse(text);
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const stack: unknown[] = [v];
    while (stack.length > 0) {
      const o = stack.pop();
      if (!o || typeof o !== 'object') continue;
      if (Object.prototype.hasOwnProperty.call(o, '__proto__')) throw new Error('Object contains forbidden prototype property');
      const c = (o as Record<string, unknown>).constructor;
      if (Object.prototype.hasOwnProperty.call(o, 'constructor') && c && typeof c === 'object' && Object.prototype.hasOwnProperty.call(c, 'prototype')) {
        throw new Error('Object contains forbidden prototype property');
      }
      for (const x of Object.values(o)) if (x && typeof x === 'object') stack.push(x);
    }
  }
  return v;
}

/**
 * A ktriage JSON report as sent: checked UTF-8 (the store hands the bytes to a text column, and one bad
 * body must not fail the batch it rides in), parsed, checked, its facts. Throws a one-line reason (a 400).
 */
export function prepareJson(body: Body): Prepared {
  if (typeof body !== 'string' && !isUtf8(body)) throw new Error('report is not UTF-8 text');
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let v: unknown;
  try {
    v = parseJsonBody(text);
  } catch (err) {
    throw new Error((err as Error).message.split('\n')[0]!.slice(0, 200));
  }
  const report = checkReport(v);
  return { facts: crashFacts(report), body: packBody(body) };
}

/** A raw kernel log or crash session, analysed here (the same analysis as `ktriage analyze`). */
export async function prepareRaw(body: Body): Promise<Prepared> {
  const { analyze } = await import('../analyze.js');
  const report = analyze([{ name: 'upload', data: typeof body === 'string' ? Buffer.from(body, 'utf8') : body }]);
  const json = JSON.stringify(report);
  return { facts: crashFacts(report), body: packBody(json) };
}
