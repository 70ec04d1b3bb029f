// VMCOREINFO: the KEY=VALUE note the kernel publishes for dump tools (kernel/crash_core.c and
// arch/*/kernel/*crash*.c write it). Parsed into a typed object; unknown keys are kept, never rejected.


export interface VmcoreInfo {
  osrelease: string | null;
  pageSize: number | null;
  /** KASLR offset of the kernel text (hex in the note). */
  kernelOffset: bigint | null;
  /** Seconds since the epoch when the kernel crashed (CRASHTIME). */
  crashTime: number | null;
  buildId: string | null;
  /** SYMBOL(name) = kernel virtual address. */
  symbols: Map<string, bigint>;
  /** SIZE(type) in bytes. */
  sizes: Map<string, number>;
  /** OFFSET(type.member) in bytes. */
  offsets: Map<string, number>;
  /** LENGTH(name) element counts. */
  lengths: Map<string, number>;
  /** NUMBER(name), signed. */
  numbers: Map<string, bigint>;
  /** Every other KEY=VALUE line, as text. */
  other: Map<string, string>;
  /** Lines that are not KEY=VALUE (bounded). */
  malformed: number;
}

const MAX_VMCOREINFO = 1 << 20;

function parseHex(v: string): bigint | null {
  const s = v.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,16}$/i.test(s)) return null;
  return BigInt('0x' + s);
}

function parseDec(v: string): bigint | null {
  const s = v.trim();
  if (!/^-?[0-9]{1,20}$/.test(s)) return null;
  return BigInt(s);
}

function small(v: bigint | null): number | null {
  if (v === null || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(v);
}

/** small(parseDec(v)) without a BigInt for the usual short decimal (it runs for ~200 lines at start-up). */
function smallDec(v: string): number | null {
  const s = v.trim();
  return s.length <= 15 && /^[0-9]+$/.test(s) ? Number(s) : small(parseDec(s));
}

const ENTRY_KINDS = new Set(['SYMBOL', 'SIZE', 'OFFSET', 'LENGTH', 'NUMBER']);

export function parseVmcoreInfo(text: string | Buffer): VmcoreInfo {
  const raw = typeof text === 'string' ? text : text.subarray(0, MAX_VMCOREINFO).toString('latin1');
  const info: VmcoreInfo = {
    osrelease: null, pageSize: null, kernelOffset: null, crashTime: null, buildId: null,
    symbols: new Map(), sizes: new Map(), offsets: new Map(), lengths: new Map(), numbers: new Map(),
    other: new Map(), malformed: 0,
  };
  for (const line0 of raw.slice(0, MAX_VMCOREINFO).split('\n')) {
    const line = line0.charCodeAt(line0.length - 1) === 0 ? line0.replace(/\0+$/, '') : line0;
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      info.malformed++;
      continue;
    }
    const key = line.slice(0, eq);
    const val = line.slice(eq + 1);
    // KIND(name): what /^(SYMBOL|SIZE|OFFSET|LENGTH|NUMBER)\((.+)\)$/ matches, without a regex per line.
    const open = key.indexOf('(');
    const kind = open > 0 && key.length - open > 2 && key.charCodeAt(key.length - 1) === 41 ? key.slice(0, open) : '';
    if (kind && ENTRY_KINDS.has(kind) && !/[\r\u2028\u2029]/.test(key)) {
      const name = key.slice(open + 1, -1);
      if (kind === 'SYMBOL') {
        const v = parseHex(val);
        if (v !== null) info.symbols.set(name, v);
        else info.malformed++;
      } else if (kind === 'NUMBER') {
        const v = parseDec(val);
        if (v !== null) info.numbers.set(name, v);
        else info.malformed++;
      } else {
        const v = smallDec(val);
        if (v === null) {
          info.malformed++;
          continue;
        }
        (kind === 'SIZE' ? info.sizes : kind === 'OFFSET' ? info.offsets : info.lengths).set(name, v);
      }
      continue;
    }
    switch (key) {
      case 'OSRELEASE':
        info.osrelease = val;
        break;
      case 'PAGESIZE':
        info.pageSize = small(parseDec(val));
        break;
      case 'KERNELOFFSET':
        info.kernelOffset = parseHex(val);
        break;
      case 'CRASHTIME':
        info.crashTime = small(parseDec(val));
        break;
      case 'BUILD-ID':
        info.buildId = /^[0-9a-f]+$/i.test(val) ? val.toLowerCase() : null;
        break;
      default:
        if (info.other.size < 4096) info.other.set(key, val);
    }
  }
  return info;
}

/** The kernel version as a comparable number (major*65536 + minor*256 + patch), null if unknown. */
export function kernelVersionCode(release: string | null): number | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release ?? '');
  if (!m) return null;
  return Number(m[1]) * 65536 + Math.min(255, Number(m[2])) * 256 + Math.min(255, Number(m[3] ?? 0));
}
