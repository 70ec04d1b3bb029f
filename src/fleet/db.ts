// One SQL dialect (PostgreSQL's) on two engines: a PostgreSQL server through `pg` for deployments, and
// PGlite (PostgreSQL compiled to WebAssembly) embedded in the process by default, so that `ktriage serve`
// works with nothing installed. Everything above this file sees only `Db`.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (BEGIN ... COMMIT; ROLLBACK when it throws). */
  tx<T>(fn: (q: Sql) => Promise<T>): Promise<T>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** PGlite: a checkpoint, so the data directory is clean on disk; PostgreSQL: nothing. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `postgres://...` / `postgresql://...`: a PostgreSQL server. Otherwise PGlite in `dataDir`. */
  url?: string | null;
  /** PGlite's data directory (default `./ktriage-data`). One process owns it (a lock file). */
  dataDir?: string;
  /** pg pool size (default 10). */
  poolSize?: number;
}

export async function openDb(opts: OpenOptions = {}): Promise<Db> {
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) return openPostgres(opts.url, opts.poolSize ?? 10);
  if (opts.url) throw new Error(`unsupported database URL (expected postgres://...): ${opts.url.slice(0, 40)}`);
  return openPglite(opts.dataDir ?? 'ktriage-data');
}

async function openPostgres(url: string, max: number): Promise<Db> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error' on the pool: log it, never crash the process.
  pool.on('error', (err) => process.stderr.write(`ktriage fleet: database connection error: ${err.message}\n`));
  const probe = await pool.connect();
  probe.release();
  const query = async <T>(text: string, params?: unknown[]): Promise<T[]> =>
    (await pool.query(text, params as unknown[])).rows as T[];
  return {
    kind: 'postgres',
    query,
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await fn({ query: async <T>(t: string, p?: unknown[]) => (await client.query(t, p as unknown[])).rows as T[] });
        await client.query('COMMIT');
        return r;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(text) {
      await pool.query(text);
    },
    async checkpoint() {},
    async close() {
      await pool.end();
    },
  };
}

/** The lock file that makes one process the owner of a PGlite data directory. */
function takeLock(dir: string): () => void {
  const lock = join(dir, 'ktriage.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      let alive = false;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch (e) {
          alive = (e as NodeJS.ErrnoException).code === 'EPERM';
        }
      }
      if (alive) throw new Error(`data directory ${dir} is in use by process ${pid} (${lock})`);
      // The owner died (kill -9): the lock is stale; PostgreSQL's own recovery replays the WAL.
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`cannot lock data directory ${dir}`);
}

async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const release = takeLock(dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pgdata = join(dataDir, 'pgdata');
    const fresh = !existsSync(pgdata);
    // relaxedDurability false (the default): a query's promise resolves after its writes reached the files.
    const db = await PGlite.create({ dataDir: pgdata, relaxedDurability: false });
    void fresh;
    let closed = false;
    return {
      kind: 'pglite',
      async query<T>(text: string, params?: unknown[]) {
        return (await db.query<T>(text, params as unknown[])).rows;
      },
      async tx(fn) {
        return db.transaction(async (t) => fn({ query: async <T>(q: string, p?: unknown[]) => (await t.query<T>(q, p as unknown[])).rows }));
      },
      async exec(text) {
        await db.exec(text);
      },
      async checkpoint() {
        await db.exec('CHECKPOINT');
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          await db.exec('CHECKPOINT').catch(() => {});
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
