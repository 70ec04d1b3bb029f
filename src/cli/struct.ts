// `ktriage struct TYPE[.MEMBER] [ADDR] VMCORE` (--json): a type's layout or an object's values from the
// dump's own BTF (or --btf FILE), shaped like crash's `struct`: without ADDR the members with their offsets
// (`struct -o`) and SIZE, with ADDR (hex or a symbol) the values (integers in decimal, pointers in hex with
// the symbol they point at, char arrays as strings, nested structs). `TYPE --btf FILE` alone prints a layout
// without a dump. MEMBER is a path: `thread_info.cpu`, `mem[1].base`; with ADDR, `->` follows pointers
// (`task_struct.real_parent->comm`).
import { Dump } from '../readers/vmcore/dump.js';
import { type Btf, readBtf, readBtfFile, btfGaps, parsePath } from '../readers/vmcore/btf.js';
import { readCoreSymbols } from '../readers/vmcore/symbol-files.js';
import { KernelContext, MissingLayout, ReadFault, hex, type Symbols } from '../readers/vmcore/kernel.js';
import type { SymbolHit } from '../readers/vmcore/kallsyms.js';
import { layoutLines, type Value } from '../readers/vmcore/typed.js';
import { KernelSymbols, readModules } from '../readers/vmcore/modules.js';
import type { Gap } from '../model/types.js';
import { escapeTerminal } from '../util/escape.js';
import type { CommandIO } from './dmesg.js';
import { SOURCE_HELP, SOURCE_USAGE, fail, failGaps, openDump, parseVerbArgs, reportGaps } from './vmcore-verb.js';

export const USAGE = `usage: ktriage struct [--json] ${SOURCE_USAGE} TYPE[.MEMBER] [ADDR] VMCORE | TYPE[.MEMBER] --btf FILE

A type's layout (members and offsets, SIZE) or, at ADDR (hex or a symbol), an object's values, from the
vmcore's BTF, shaped like crash's \`struct\`. MEMBER is a path (\`thread_info.cpu\`, \`mem[1].base\`); with
ADDR, \`->\` follows pointers (\`task_struct.real_parent->comm\`). With --btf FILE and no VMCORE, the layout.
  -o       accepted for crash's \`struct -o\` (offsets are always shown)
  --json   the layout {type, kind, size, members | values, member?} or the value {type, member, memberType,
           address, value}, with "gaps"
${SOURCE_HELP}`;

const NO_SYMBOLS: Symbols = { byName: () => [], lookup: () => null };

/** `struct task_struct.comm` → type `struct task_struct`, path `comm`; null when malformed. */
export function parseSpec(spec: string): { type: string; path: string } | null {
  const m = /^\s*((?:struct|union|enum)\s+)?([A-Za-z_][A-Za-z0-9_]*)((?:\.|\[).*)?$/.exec(spec);
  if (!m) return null;
  const path = (m[3] ?? '').replace(/^\./, '');
  return { type: `${m[1] ? m[1].trim() + ' ' : ''}${m[2]}`, path };
}

function quote(s: string): string {
  return `"${escapeTerminal(s.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

function symbolOf(symbols: Symbols, v: bigint): string {
  if (v < 0xffff800000000000n) return '';
  const h: SymbolHit | null = symbols.lookup(v);
  if (!h || h.size === null || h.offset >= h.size) return '';
  const name = `${h.name}${h.offset ? `+${h.offset}` : ''}`;
  return ` <${escapeTerminal(h.module ? `${name} [${h.module}]` : name)}>`;
}

/** gdb/crash-style text of a value; `indent` is the current depth in two-space steps. */
export function formatValue(v: Value, symbols: Symbols, indent: number): string {
  const pad = '  '.repeat(indent);
  switch (v.kind) {
    case 'int':
      if (v.bool) return v.value === 0n ? 'false' : v.value === 1n ? 'true' : String(v.value);
      if (v.enumName) return escapeTerminal(v.enumName);
      if (v.char) return `${v.value} ${quote(String.fromCharCode(Number(v.value & 0xffn))).replace(/^"|"$/g, "'")}`;
      return String(v.value);
    case 'ptr': return `0x${v.value.toString(16)}${symbolOf(symbols, v.value)}`;
    case 'float': return String(v.value);
    case 'string': return quote(v.value);
    case 'unknown': return `<${escapeTerminal(v.why)}>`;
    case 'array': {
      const more = v.omitted > 0 ? `...(${v.omitted} more)` : '';
      if (v.elems.every((e) => e.kind !== 'struct' && e.kind !== 'array')) return `{${[...v.elems.map((e) => formatValue(e, symbols, indent + 1)), ...(more ? [more] : [])].join(', ')}}`;
      const items = v.elems.map((e) => `${pad}  ${formatValue(e, symbols, indent + 1)}`);
      if (more) items.push(`${pad}  ${more}`);
      return `{\n${items.join(',\n')}\n${pad}}`;
    }
    case 'struct': {
      const items = v.members.map((m) => `${pad}  ${m.name ? `${escapeTerminal(m.name)} = ` : ''}${formatValue(m.value, symbols, indent + 1)}`);
      if (v.omitted > 0) items.push(`${pad}  ...(${v.omitted} more members)`);
      return `{\n${items.join(',\n')}\n${pad}}`;
    }
  }
}

/** A value for --json: integers as numbers when exact (else decimal strings), pointers as hex strings. */
export function valueJson(v: Value): unknown {
  switch (v.kind) {
    case 'int': {
      const n = Number(v.value);
      const value = Number.isSafeInteger(n) ? n : v.value.toString();
      return v.enumName !== undefined ? { value, enum: v.enumName } : v.bool ? v.value !== 0n : value;
    }
    case 'ptr': return hex(v.value);
    case 'float': return v.value;
    case 'string': return v.value;
    case 'unknown': return { unknown: v.why };
    case 'array': return v.omitted > 0 ? { elements: v.elems.map(valueJson), omitted: v.omitted } : v.elems.map(valueJson);
    case 'struct': {
      const o: Record<string, unknown> = {};
      let anon = 0;
      for (const m of v.members) o[m.name || `(anonymous ${anon++})`] = valueJson(m.value);
      if (v.omitted > 0) o['(omitted members)'] = v.omitted;
      return o;
    }
  }
}

/** Whether part of a value could not be decoded (the display caps on elements and nodes do not count). */
function hasUnknown(v: Value): boolean {
  if (v.kind === 'unknown') return v.why !== 'output limit reached' && v.why !== 'void';
  if (v.kind === 'array') return v.elems.some(hasUnknown);
  if (v.kind === 'struct') return v.members.some((m) => hasUnknown(m.value));
  return false;
}

function layoutText(btf: Btf, id: number, path: string, typeLabel: string): string {
  const head = btf.declare(id, '').replace(/ \{\.\.\.\}$/, '') || typeLabel;
  const size = btf.sizeOfType(id);
  if (path) {
    const m = btf.memberPath(id, path)!;
    const bits = m.bitSize ? ` : ${m.bitSize}` : '';
    const at = m.bitSize ? `${Math.floor(m.bitOffset / 8)}:${m.bitOffset % 8}` : String(m.bitOffset / 8);
    return `${head} {\n  [${at}] ${escapeTerminal(btf.declare(m.type, path))}${bits};\n}\n`;
  }
  const t = btf.type(btf.resolve(id));
  if (t.kind !== 'struct' && t.kind !== 'union') {
    if (t.kind === 'enum' || t.kind === 'enum64') return `${head} {\n${t.values.map((v) => `  ${escapeTerminal(v.name)} = ${v.value}`).join(',\n')}\n};\nSIZE: ${size ?? '?'}\n`;
    return `${escapeTerminal(btf.declare(id, ''))}\nSIZE: ${size ?? '?'}\n`;
  }
  const lines = layoutLines(btf, id);
  const width = Math.max(3, ...lines.map((l) => (l.byteOffset === null ? 0 : String(l.byteOffset).length + (l.bit !== null ? 2 : 0) + 2)));
  const body = lines.map((l) => {
    const off = l.byteOffset === null ? '' : `[${l.byteOffset}${l.bit !== null ? `:${l.bit}` : ''}]`;
    return `${off.padStart(width + 2)} ${'    '.repeat(l.depth - 1)}${escapeTerminal(l.text)}`;
  });
  return `${head} {\n${body.join('\n')}\n}\nSIZE: ${size ?? '?'}\n`;
}

function layoutJson(btf: Btf, id: number, path: string): object {
  const size = btf.sizeOfType(id);
  if (path) {
    const m = btf.memberPath(id, path)!;
    return { type: btf.typeName(id), size, member: { path, type: btf.typeName(m.type), offset: Math.floor(m.bitOffset / 8), bitOffset: m.bitOffset, bitSize: m.bitSize || null, size: btf.sizeOfType(m.type) } };
  }
  const t = btf.type(btf.resolve(id));
  const members = t.kind === 'struct' || t.kind === 'union'
    ? t.members.map((m) => ({ name: m.name, type: btf.typeName(m.type), offset: Math.floor(m.bitOffset / 8), bitOffset: m.bitOffset, bitSize: m.bitSize || null, size: btf.sizeOfType(m.type) }))
    : undefined;
  const values = t.kind === 'enum' || t.kind === 'enum64' ? t.values.map((v) => ({ name: v.name, value: Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value.toString() })) : undefined;
  return { type: btf.typeName(id), kind: t.kind, size, ...(members ? { members } : {}), ...(values ? { values } : {}) };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  // `TYPE[.MEMBER] --btf FILE` alone reads a layout without a dump.
  const parsed = parseVerbArgs(args, io, { verb: 'struct', usage: USAGE, options: { offsets: { type: 'boolean', short: 'o' } }, needs: 'TYPE[.MEMBER], [ADDR] and one VMCORE', fits: (pos, src) => (pos.length === 1 && src.btf !== undefined) || pos.length === 2 || pos.length === 3 });
  if (typeof parsed === 'number') return parsed;
  const { sources, positionals: pos } = parsed;
  const fileOnly = pos.length === 1;
  const spec = parseSpec(pos[0]!);
  if (!spec || (spec.path && !spec.path.includes('->') && !parsePath(spec.path))) {
    return fail(io, `struct: ${pos[0]!}: not TYPE[.MEMBER] (${USAGE.split('\n')[0]})`);
  }
  const file = fileOnly ? null : pos[pos.length - 1]!;
  const addrArg = pos.length === 3 ? pos[1]! : null;
  if (spec.path.includes('->') && addrArg === null) {
    return fail(io, 'struct: -> follows a pointer in memory: give an ADDR');
  }
  let dump: Dump | null = null;
  if (file !== null) {
    const d = openDump(file, io);
    if (typeof d === 'number') return d;
    dump = d;
  }
  try {
    const gaps: Gap[] = [];
    let symbols: Symbols = NO_SYMBOLS;
    if (dump) {
      const ks = readCoreSymbols(dump, sources);
      gaps.push(...ks.gaps);
      if (ks.table) symbols = ks.table;
      else if (!sources.btf) return failGaps(io, file!, ks.gaps, 'no kallsyms');
    }
    const bt = sources.btf !== undefined ? readBtfFile(sources.btf) : readBtf(dump!, symbols);
    if (!bt.btf) {
      return fail(io, bt.gaps.map((g) => `${g.source}: ${g.what}`).join('; '));
    }
    const btf = bt.btf;
    const id = btf.findType(spec.type);
    if (id === null) {
      return fail(io, `struct: ${spec.type}: no such type in the BTF`, 1);
    }
    const staticPath = spec.path.split('->')[0]!;
    if (staticPath && !btf.memberPath(id, staticPath)) {
      return fail(io, `struct: ${btf.typeName(id)} has no member ${staticPath}`, 1);
    }
    if (addrArg === null) {
      if (parsed.values.json) io.stdout.write(JSON.stringify({ ...layoutJson(btf, id, spec.path), gaps: [...gaps, ...btfGaps(btf, sources.btf ?? file!)].map((g) => g.what) }) + '\n');
      else io.stdout.write(layoutText(btf, id, spec.path, spec.type));
      return btf.problems.length ? 1 : 0;
    }
    // A value at an address (hex) or a symbol.
    let addr: bigint;
    if (/^(?:0x)?[0-9a-f]{1,16}$/i.test(addrArg) && (/^0x/i.test(addrArg) || addrArg.length === 16 || symbols.byName(addrArg).length === 0)) addr = BigInt(/^0x/i.test(addrArg) ? addrArg : `0x${addrArg}`);
    else {
      const s = symbols.byName(addrArg);
      if (!s.length) {
        return fail(io, `struct: ${addrArg}: not an address and no such symbol`);
      }
      addr = s[0]!.address;
    }
    // Module symbols too (addresses in modules named, hidden modules included), when kallsyms was read;
    // what the module walk could not read only costs names, so its gaps stay out of this answer.
    if (symbols !== NO_SYMBOLS) {
      try {
        symbols = new KernelSymbols(symbols, readModules(new KernelContext(dump!, symbols, btf, { deadlineMs: 5000 })));
      } catch {
        // core symbols only
      }
    }
    const k = new KernelContext(dump!, symbols, btf);
    let value: Value;
    let typeName: string;
    try {
      value = k.read(addr, spec.type, spec.path);
      typeName = btf.typeName(k.ref(addr, spec.type, spec.path).type);
    } catch (e) {
      if (e instanceof MissingLayout || e instanceof ReadFault) {
        return fail(io, `struct: ${e.message}`, 1);
      }
      throw e;
    }
    const allGaps = [...gaps, ...k.gaps, ...btfGaps(btf, sources.btf ?? file!)];
    if (parsed.values.json) {
      io.stdout.write(JSON.stringify({ type: btf.typeName(id), member: spec.path || null, memberType: typeName, address: hex(addr), value: valueJson(value), gaps: allGaps.map((g) => g.what) }) + '\n');
    } else {
      io.stdout.write(spec.path ? `  ${escapeTerminal(spec.path)} = ${formatValue(value, symbols, 1)}\n` : `${escapeTerminal(btf.typeName(id))} ${formatValue(value, symbols, 0)}\n`);
      reportGaps(io, file!, allGaps);
    }
    return hasUnknown(value) || allGaps.length ? 1 : 0;
  } finally {
    dump?.close();
  }
}
