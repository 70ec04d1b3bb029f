// The JSON report: the Report object itself, keys in a stable order (the order of docs/report.schema.json,
// free-form maps in their own order), pretty or compact. Beyond what JSON.stringify escapes (quotes,
// backslashes, C0 controls, lone surrogates), DEL, C1 controls, Unicode format characters (bidi
// controls, zero-width characters, BOM, tag characters) and U+2028/U+2029 are written as \u escapes,
// so the output is plain to any consumer: JavaScript eval-style parsers, terminals, editors.
import type { Report } from '../model/types.js';
import { REPORT_SCHEMA } from './schema.js';

type Schema = Record<string, unknown>;

const DEFS = (REPORT_SCHEMA.$defs ?? {}) as Record<string, Schema>;
/** Deeper values are cut (a cycle or a pathological `data` object cannot make the writer loop). */
const MAX_DEPTH = 64;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows $ref and picks the object/array branch of a nullable anyOf. */
function resolve(s: unknown): Schema | undefined {
  let cur = s as Schema | undefined;
  for (let i = 0; i < 8 && cur; i++) {
    if (typeof cur.$ref === 'string') {
      cur = DEFS[cur.$ref.replace('#/$defs/', '')];
      continue;
    }
    if (Array.isArray(cur.anyOf)) {
      cur = (cur.anyOf as Schema[]).find((b) => b.$ref || b.properties || b.items || b.type === 'object');
      continue;
    }
    return cur;
  }
  return cur;
}

interface Shape {
  /** Properties in schema order with their schemas, or null when the schema names none. */
  props: [string, unknown][] | null;
  propSet: Set<string> | null;
  /** Schema of the other keys (additionalProperties when it is an object). */
  extra: Schema | undefined;
  items: unknown;
}

/** What `ordered` needs of a schema node, worked out once per node. */
const shapes = new WeakMap<object, Shape>();
const NO_SCHEMA: Shape = { props: null, propSet: null, extra: undefined, items: undefined };

function shapeOf(schema: unknown): Shape {
  if (typeof schema !== 'object' || schema === null) return NO_SCHEMA;
  let sh = shapes.get(schema);
  if (sh) return sh;
  const s = resolve(schema);
  const props = isObject(s?.properties) ? (s!.properties as Record<string, unknown>) : null;
  const extra = s?.additionalProperties;
  sh = {
    props: props ? Object.keys(props).map((k) => [k, props[k]] as [string, unknown]) : null,
    propSet: props ? new Set(Object.keys(props)) : null,
    extra: isObject(extra) ? extra : undefined,
    items: s?.items,
  };
  shapes.set(schema, sh);
  return sh;
}

/** A copy of `value` with object keys in schema order (unknown keys after, sorted), cut at MAX_DEPTH. */
function ordered(value: unknown, schema: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return null;
  const sh = shapeOf(schema);
  if (Array.isArray(value)) return value.map((v) => ordered(v, sh.items, depth + 1));
  if (!isObject(value)) return null;
  const out: Record<string, unknown> = {};
  if (sh.props) {
    for (const [k, ks] of sh.props) if (Object.hasOwn(value, k)) out[k] = ordered(value[k], ks, depth + 1);
    let extraKeys: string[] | null = null;
    for (const k of Object.keys(value)) if (!sh.propSet!.has(k)) (extraKeys ??= []).push(k);
    if (extraKeys) for (const k of extraKeys.sort()) out[k] = ordered(value[k], sh.extra, depth + 1);
  } else {
    for (const k of Object.keys(value)) out[k] = ordered(value[k], sh.extra, depth + 1);
  }
  return out;
}

/** What JSON.stringify leaves raw that consumers may mishandle (only ever inside strings; it already escapes C0). */
const UNSAFE_IN_JSON = /[\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}]/gu;

function u16(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** JSON.stringify plus \u escapes for DEL, C1, format characters (bidi ...) and U+2028/U+2029. */
export function safeJsonStringify(value: unknown, indent?: number): string {
  let text: string | undefined;
  try {
    // Without a replacer first (a replacer is called for every value); BigInts make it throw: then with one.
    try {
      text = JSON.stringify(value, null, indent);
    } catch {
      text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
    }
  } catch (err) {
    throw new Error(`cannot write the report as JSON: ${(err as Error).message}`);
  }
  return (text ?? 'null').replace(UNSAFE_IN_JSON, u16);
}

/** The report as a plain object with keys in the documented order. */
export function orderedReport(report: Report): unknown {
  return ordered(report, REPORT_SCHEMA, 0);
}

/** The JSON report: pretty (2-space indent, the default) or compact (one line, for JSON lines). Ends with a newline. */
export function renderJson(report: Report, opts: { pretty?: boolean } = {}): string {
  const pretty = opts.pretty ?? true;
  return `${safeJsonStringify(orderedReport(report), pretty ? 2 : undefined)}\n`;
}
