// Report bodies packed for the store and read back: hostile text survives byte for byte, and rows written
// before migration 6 (text `body`) still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { packBody, readBody, sha256 } from './report-body.js';

test('a body with every kind of hostile text packs and reads back unchanged, hashed as its UTF-8 bytes', () => {
  const text = JSON.stringify({ comm: '<script>alert(1)</script>', ansi: '\u001b[31mred\u001b[0m', nul: '\u0000', emoji: '🐧 ünïcode', long: 'x'.repeat(1 << 20) });
  for (const body of [text, Buffer.from(text, 'utf8')]) {
    const s = packBody(body);
    assert.equal(s.sha, createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    assert.equal(s.sha, sha256(text));
    assert.equal(s.bytes, Buffer.byteLength(text));
    // PostgreSQL's pg hands bytea back as a Buffer, PGlite as a Uint8Array: both read.
    const z = Buffer.from(s.packed, 'base64');
    assert.equal(readBody({ body_br: z }), text);
    assert.equal(readBody({ body: null, body_br: new Uint8Array(z) }), text);
    // 1 MB of one letter compresses to almost nothing.
    assert.ok(z.length < 2000, `${z.length} bytes`);
  }
});

test('an older row (text body, no body_br) reads as its text; no row reads as undefined', () => {
  assert.equal(readBody({ body: '{"a":1}', body_br: null }), '{"a":1}');
  assert.equal(readBody(undefined), undefined);
  assert.equal(packBody('').bytes, 0);
  assert.equal(readBody({ body_br: Buffer.from(packBody('').packed, 'base64') }), '');
});
