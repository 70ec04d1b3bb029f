// Bearer tokens: one ingest token (--ingest-token / KTRIAGE_INGEST_TOKEN), or a tokens file with one token
// per host group (`TOKEN GROUP` per line, # comments), and an optional read token for the UI and read API.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class Tokens {
  private byDigest = new Map<string, string>();

  add(token: string, group = 'default'): void {
    if (token.length < 8) throw new Error('a token must have at least 8 characters');
    this.byDigest.set(digest(token), group);
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The group of a valid token, or null (constant time per stored token). */
  check(header: string | undefined): string | null {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
    if (!m) return null;
    const d = Buffer.from(digest(m[1]!), 'hex');
    let found: string | null = null;
    for (const [k, g] of this.byDigest) if (timingSafeEqual(Buffer.from(k, 'hex'), d)) found = g;
    return found;
  }

  static fromFile(path: string): Tokens {
    const t = new Tokens();
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const s = line.replace(/#.*/, '').trim();
      if (!s) continue;
      const [tok, group] = s.split(/\s+/);
      t.add(tok!, group ?? 'default');
    }
    return t;
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
