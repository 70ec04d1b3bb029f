// A cache of the decoded kallsyms table, keyed by the kernel's BUILD-ID (VMCOREINFO `BUILD-ID=`), so that
// the second look at a dump of the same kernel (`ps`, `bt`, `analyze` ...) does not decode ~400 pages of
// kallsyms again. Under $XDG_CACHE_HOME/ktriage (else ~/.cache/ktriage); off with KTRIAGE_NO_CACHE=1 or
// --no-cache. Addresses are stored without the KASLR offset (VMCOREINFO KERNELOFFSET), so dumps of the same
// build from other boots hit too; absolute (percpu) symbols are flagged and not moved.
//
// File: magic `KTSYMC\0\x01`, u32 format version, u32 header bytes, then the header (JSON: build id, count,
// encoding, payload length, SHA-256 of the payload), then the payload: addresses (u64 each), type bytes,
// absolute flags, name offsets (u32, count + 1), name bytes. Never trusted blindly: a file whose magic,
// version, build id, lengths or checksum do not match, or whose table does not put `_stext` where this dump's
// VMCOREINFO says, is ignored and rebuilt. Writes go to a temporary file renamed into place.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Dump } from './dump.js';
import { MAX_SYMS, SymbolTable, verifyAgainstDump, type KallsymsEncoding, type KallsymsResult } from './kallsyms.js';

const MAGIC = Buffer.from('KTSYMC\x00\x01', 'latin1');
export const SYMCACHE_VERSION = 1;
const MAX_CACHE_BYTES = 256 << 20;

export function cacheDir(explicit?: string): string | null {
  if (explicit) return explicit;
  const x = process.env.XDG_CACHE_HOME;
  if (x && x.startsWith('/')) return join(x, 'ktriage');
  let home: string;
  try {
    home = homedir();
  } catch {
    return null;
  }
  return home ? join(home, '.cache', 'ktriage') : null;
}

export function symcachePath(buildId: string, dir?: string): string | null {
  const d = cacheDir(dir);
  return d && /^[0-9a-f]{8,128}$/.test(buildId) ? join(d, `kallsyms-${buildId}.bin`) : null;
}

interface Header {
  buildId: string;
  count: number;
  encoding: KallsymsEncoding;
  payload: number;
  nameBytes: number;
  sha256: string;
}

/** Moves addresses by `delta` (mod 2^64), except the absolute ones. */
function shift(addr: BigUint64Array, absolute: Uint8Array | null, delta: bigint): void {
  if (delta === 0n) return;
  const w = new Uint32Array(addr.buffer, addr.byteOffset, addr.length * 2);
  const dLo = Number(delta & 0xffffffffn);
  const dHi = Number((delta >> 32n) & 0xffffffffn);
  for (let i = 0; i < addr.length; i++) {
    if (absolute && absolute[i]) continue;
    const lo = w[i * 2]! + dLo;
    w[i * 2] = lo >>> 0;
    w[i * 2 + 1] = (w[i * 2 + 1]! + dHi + (lo >= 0x100000000 ? 1 : 0)) >>> 0;
  }
}

const M64 = (1n << 64n) - 1n;

/** Writes the table; any failure (read-only home, full disk) is silent: the cache is only an optimisation. */
export function saveCachedKallsyms(dump: Dump, r: KallsymsResult, dir?: string): string | null {
  const buildId = dump.vmcoreinfo.buildId;
  // Only a table decoded cleanly from a dump without warnings (truncated, incomplete, split) is kept.
  if (!buildId || !r.table || !r.encoding || r.gaps.length || dump.warnings.length) return null;
  const path = symcachePath(buildId, dir);
  if (!path) return null;
  const p = r.table.packed;
  const n = p.addr.length;
  const addr = new BigUint64Array(p.addr);
  shift(addr, r.absolute ?? null, (-(dump.vmcoreinfo.kernelOffset ?? 0n)) & M64);
  const abs = r.absolute ?? new Uint8Array(n);
  const parts = [
    Buffer.from(addr.buffer, addr.byteOffset, addr.byteLength), Buffer.from(p.types.buffer, p.types.byteOffset, n), Buffer.from(abs.buffer, abs.byteOffset, n),
    Buffer.from(p.nameOff.buffer, p.nameOff.byteOffset, (n + 1) * 4), Buffer.from(p.nameBytes.buffer, p.nameBytes.byteOffset, p.nameBytes.byteLength),
  ];
  const payload = Buffer.concat(parts);
  const header: Header = { buildId, count: n, encoding: r.encoding, payload: payload.length, nameBytes: p.nameBytes.byteLength, sha256: createHash('sha256').update(payload).digest('hex') };
  const hj = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(16);
  MAGIC.copy(pre, 0);
  pre.writeUInt32LE(SYMCACHE_VERSION, 8);
  pre.writeUInt32LE(hj.length, 12);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'w', 0o600);
    try {
      for (const b of [pre, hj, payload]) writeSync(fd, b);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    return path;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    return null;
  }
}

/** Why a cache file is not used (tests), or null when it is good. */
export function checkCacheFile(buf: Buffer, buildId: string): { why: string } | { header: Header; payload: Buffer } {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) return { why: 'not a ktriage symbol cache' };
  if (buf.readUInt32LE(8) !== SYMCACHE_VERSION) return { why: `format version ${buf.readUInt32LE(8)}` };
  const hl = buf.readUInt32LE(12);
  if (hl > 4096 || 16 + hl > buf.length) return { why: 'header length' };
  let h: Header;
  try {
    h = JSON.parse(buf.toString('utf8', 16, 16 + hl)) as Header;
  } catch {
    return { why: 'header is not JSON' };
  }
  if (h.buildId !== buildId) return { why: 'another build id' };
  const n = h.count;
  if (!Number.isInteger(n) || n <= 0 || n > MAX_SYMS) return { why: 'count' };
  if (!['absolute-percpu', 'base-relative', 'place-relative'].includes(h.encoding)) return { why: 'encoding' };
  const payload = buf.subarray(16 + hl);
  if (payload.length !== h.payload || h.payload !== n * 8 + n + n + (n + 1) * 4 + h.nameBytes) return { why: 'payload length' };
  if (createHash('sha256').update(payload).digest('hex') !== h.sha256) return { why: 'checksum' };
  return { header: h, payload };
}

/** The cached table of this dump's kernel, validated; null on any doubt (then the caller decodes and rewrites). */
export function loadCachedKallsyms(dump: Dump, dir?: string): KallsymsResult | null {
  const buildId = dump.vmcoreinfo.buildId;
  if (!buildId) return null;
  const path = symcachePath(buildId, dir);
  if (!path) return null;
  let buf: Buffer;
  try {
    if (statSync(path).size > MAX_CACHE_BYTES) return null;
    buf = readFileSync(path);
  } catch {
    return null;
  }
  const c = checkCacheFile(buf, buildId);
  if ('why' in c) return null;
  const n = c.header.count;
  // Copies into aligned typed arrays (the payload's offsets are not 8-aligned).
  const pl = c.payload;
  let o = 0;
  const take = (len: number): Uint8Array => {
    const u = new Uint8Array(len);
    u.set(pl.subarray(o, o + len));
    o += len;
    return u;
  };
  const addr = new BigUint64Array(take(n * 8).buffer);
  const types = take(n);
  const abs = take(n);
  const nameOff = new Uint32Array(take((n + 1) * 4).buffer);
  const nameBytes = take(c.header.nameBytes);
  if (nameOff[0] !== 0 || nameOff[n] !== nameBytes.length) return null;
  for (let i = 0; i < n; i++) if (nameOff[i]! > nameOff[i + 1]!) return null;
  const absolute = c.header.encoding === 'absolute-percpu' ? abs : null;
  shift(addr, absolute, dump.vmcoreinfo.kernelOffset ?? 0n);
  const table = new SymbolTable({ addr, types, nameOff, nameBytes });
  // The dump itself must agree: _stext where VMCOREINFO puts it, then a sample of names and addresses
  // decoded from the dump's own tables (a dump of the same build id but damaged kallsyms may have written it).
  const stext = dump.vmcoreinfo.symbols.get('_stext');
  if (stext === undefined || table.byName('_stext')[0]?.address !== stext) return null;
  if (!verifyAgainstDump(dump, table, c.header.encoding)) return null;
  return { table, encoding: c.header.encoding, gaps: [], from: 'cache', absolute };
}
