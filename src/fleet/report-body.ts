// A report body as the store keeps it: its UTF-8 bytes compressed with brotli (quality 1) by the ingest
// (in the ingest pool's worker threads when there are any), sent to the database as base64 text that SQL
// decodes into the bytea column `reports.body_br` (stored without the database's own compression).
// Why not the text column with the database's compression: PGlite (PostgreSQL in WebAssembly, in the
// server's thread) spent ~1 ms per distinct 28 KB report compressing it with pglz (to 12 KB) and writing
// it; brotli here takes ~0.07 ms to 4.4 KB, and PGlite's insert of that ~0.2 ms. Base64 text, not a bytea
// parameter: PGlite serialises bytea parameters slowly (0.7 ms for 4 KB), PostgreSQL's decode() is cheap.
// Rows written before migration 6 keep their text `body`; readBody() reads either.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { createHash } from 'node:crypto';

/** A report's text: a string, or its UTF-8 bytes as they came off the socket. */
export type Body = string | Buffer;

/** A body ready for the store: its content address, its size, its compressed bytes in base64. */
export interface StoredBody {
  sha: string;
  /** UTF-8 bytes of the body (reports.bytes). */
  bytes: number;
  /** brotli of the UTF-8 bytes, base64. */
  packed: string;
}

/** The content address of a body: the digest of its UTF-8 bytes (a string is hashed as UTF-8). */
export function sha256(s: Body): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Compresses a body for the store; `sha` when the caller has it already. */
export function packBody(body: Body, sha = sha256(body)): StoredBody {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const z = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
  });
  return { sha, bytes: bytes.length, packed: z.toString('base64') };
}

/** The text of a reports row: `body_br` (brotli bytes; a Buffer from pg, a Uint8Array from PGlite) or the older `body`. */
export function readBody(row: { body?: string | null; body_br?: Uint8Array | null } | undefined): string | undefined {
  if (!row) return undefined;
  if (row.body_br) return brotliDecompressSync(row.body_br).toString('utf8');
  return row.body ?? undefined;
}
