// Test helpers: every fleet test runs on both stores. PGlite always; PostgreSQL at
// KTRIAGE_TEST_DATABASE_URL (.ci/run starts Debian's server and sets it). Without the variable the
// PostgreSQL runs skip with a message on a developer's machine, and fail in CI (CI=true).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDb, type Db } from './db.js';

export interface TestStore {
  name: 'pglite' | 'postgres';
  /** Why the store cannot run here (the test skips with it), or null. */
  skip: string | null;
  /** A fresh, empty database; `url` for child processes (`--database URL`, or '' for PGlite at dataDir). */
  open(): Promise<{ db: Db; url: string; dataDir: string; drop(): Promise<void> }>;
}

export const PG_URL = process.env.KTRIAGE_TEST_DATABASE_URL ?? '';

export function testStores(): TestStore[] {
  const pgSkip = PG_URL ? null : 'KTRIAGE_TEST_DATABASE_URL is not set: the PostgreSQL runs need a server (.ci/run starts one)';
  if (pgSkip && process.env.CI === 'true') throw new Error(`CI: ${pgSkip}`);
  return [
    {
      name: 'pglite', skip: null,
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'ktriage-fleet-test-'));
        const dataDir = join(dir, 'data');
        const db = await openDb({ dataDir });
        let closed = false;
        const close = db.close.bind(db);
        db.close = async () => {
          if (!closed) await close();
          closed = true;
        };
        return { db, url: '', dataDir, async drop() { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
      },
    },
    {
      name: 'postgres', skip: pgSkip,
      async open() {
        const name = `ktfleet_${randomBytes(6).toString('hex')}`;
        const admin = await openDb({ url: PG_URL, poolSize: 1 });
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.close();
        const u = new URL(PG_URL);
        u.pathname = `/${name}`;
        const url = u.toString();
        const db = await openDb({ url });
        let closed = false;
        const close = db.close.bind(db);
        db.close = async () => {
          if (!closed) await close();
          closed = true;
        };
        return {
          db, url, dataDir: '', async drop() {
            await db.close();
            const a = await openDb({ url: PG_URL, poolSize: 1 });
            await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
            await a.close();
          },
        };
      },
    },
  ];
}
