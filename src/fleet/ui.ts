// The web UI: server-rendered HTML pages with two small scripts (the per-day chart with uPlot, served from
// the uplot package; no inline script: a Content-Security-Policy allows scripts from this origin only).
// Every string that came from a crash (titles, hosts, modules, labels, frames) goes through escapeHtml.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { render } from '../report/index.js';
import { escapeHtml } from '../util/escape.js';
import type { Report } from '../model/types.js';
import type { Store } from './store.js';
import * as Q from './queries.js';
import type { Pattern, PatternResult } from './patterns.js';

type Tl = Awaited<ReturnType<typeof Q.timeline>>;

export interface UiDeps {
  needRead: (req: FastifyRequest) => Promise<void>;
  patterns: (days: number, from?: number, to?: number) => Promise<PatternResult>;
  timeline: (q: Record<string, unknown>) => Promise<Tl>;
  crashFilter: (q: Record<string, unknown>) => Q.CrashFilter;
}

const MAX_SHOWN = 300;
/** Escaped, clipped: a 1 MB module name shows as its first characters and an ellipsis. */
function e(s: unknown, max = MAX_SHOWN): string {
  const t = String(s ?? '');
  return escapeHtml(t.length > max ? t.slice(0, max) + '…' : t);
}
/** An ISO time as people read it in a table: `2026-11-12 18:12:01` (UTC, to the second; minutes with `min`). */
export function when(iso: string | null | undefined, unit: 'sec' | 'min' = 'sec'): string {
  if (!iso) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?/.exec(iso);
  return m ? `${m[1]} ${m[2]}${unit === 'sec' ? m[3] ?? ':00' : ''}` : iso;
}
const qs = (o: Record<string, string | number | undefined | null>) =>
  Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
/** JSON inside <script type="application/json">: no `<` can close the element. */
const jsonData = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

const CSS = `*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1d2330;background:#f4f5f7}
nav{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:18px;align-items:baseline}nav a{color:#fff;text-decoration:none}nav .brand{font-weight:700;font-size:17px}
main{padding:18px 24px;max-width:1400px}h1{font-size:20px;margin:4px 0 14px}h2{font-size:16px;margin:18px 0 8px}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border-bottom:1px solid #dde1e7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f3;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}code,.mono{font-family:ui-monospace,monospace;font-size:12.5px;overflow-wrap:anywhere}.nw{white-space:nowrap}.lbl{white-space:nowrap;margin-right:.6em}.hostlist a{white-space:nowrap;margin-right:.5em}
form.filters{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}form.filters input{padding:4px 6px;width:150px}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px 16px;margin-bottom:14px}
.state{padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}.state.new{background:#e8f0fe;color:#1f5fbf}.state.regressed{background:#fdecea;color:#c62828}
.state.resolved{background:#e6f4ea;color:#1b7f3b}.state.ongoing{background:#fff4e0;color:#b26a00}
.sev-critical{color:#c62828;font-weight:700}.sev-high{color:#b26a00;font-weight:700}.muted{color:#5f6b7a}.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}
svg text{font:11px system-ui,sans-serif}svg text.hit{fill:#c62828;font-weight:700}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${e(title)} · ktriage fleet</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><link rel="stylesheet" href="/static/uPlot.min.css"><style>${CSS}</style></head>
<body><nav><span class="brand">ktriage fleet</span><a href="/">Crashes</a><a href="/buckets">Buckets</a><a href="/hosts">Hosts</a><a href="/patterns">Patterns</a><a href="/timeline">Timeline</a><a href="/api/v1/openapi.json">API</a></nav>
<main>${body}</main></body></html>`;
}

const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `<span class="lbl">${e(k, 64)}=${e(v, 100)}</span>`).join(' ');
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function crashTable(cs: Q.CrashRow[]): string {
  if (cs.length === 0) return '<p class="muted">No crashes.</p>';
  return `<table class="crashes"><thead><tr><th>time (UTC)</th><th>host</th><th>title</th><th>kernel</th><th>modules (third-party)</th><th>labels</th></tr></thead><tbody>
${cs.map((c) => `<tr><td class="mono nw">${e(when(c.time))}</td><td class="nw"><a href="/hosts/${encodeURIComponent(c.host)}">${e(c.host)}</a></td>
<td><a href="/crashes/${c.id}">${e(c.title || '(no crash)', 200)}</a>${c.bucket2 ? ` <a class="muted" href="/buckets/${encodeURIComponent(c.bucket2)}">bucket</a>` : ''}</td>
<td class="mono nw">${e(c.kernelVersion ?? c.kernel ?? '')}</td><td class="mono">${e(c.thirdParty.join(' '))}</td><td class="mono">${labelText(c.labels)}</td></tr>`).join('\n')}
</tbody></table>`;
}

function hue(s: string | null): number {
  let h = 0;
  for (const ch of s ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 360;
}

const HOUR_MS = 3_600_000;
const TICK_STEPS = [HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, 24 * HOUR_MS, 2 * 24 * HOUR_MS, 5 * 24 * HOUR_MS, 7 * 24 * HOUR_MS, 14 * 24 * HOUR_MS, 28 * 24 * HOUR_MS];

/** Axis ticks at round UTC times (whole hours or days, at most 11 of them): days as `11-12`, hours as `11-12 18:00`. */
export function timeTicks(t0: number, t1: number): { ms: number; label: string }[] {
  const step = TICK_STEPS.find((s) => (t1 - t0) / s <= 10) ?? Math.ceil((t1 - t0) / 10 / (24 * HOUR_MS)) * 24 * HOUR_MS;
  const out: { ms: number; label: string }[] = [];
  for (let ms = Math.ceil(t0 / step) * step; ms <= t1; ms += step) {
    const iso = new Date(ms).toISOString();
    out.push({ ms, label: step >= 24 * HOUR_MS ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}` });
  }
  return out;
}

/** Hosts × time as inline SVG: a simultaneous death stands as a vertical line, spreading as a diagonal. */
export function timelineSvg(t: Tl, marks: Pattern[] = []): string {
  const rowH = 14;
  const left = 130;
  const width = 1240;
  const top = 24;
  const hosts = t.hosts;
  if (hosts.length === 0) return '<p class="muted">No crashes in this range.</p>';
  const times = t.points.map((p) => p.timeMs);
  const t0 = t.from ?? Math.min(...times);
  const t1 = Math.max(t.to ?? Math.max(...times), t0 + 1);
  const x = (ms: number) => left + ((ms - t0) / (t1 - t0)) * (width - left - 10);
  const row = new Map(hosts.map((h, i) => [h, i]));
  const height = top + hosts.length * rowH + 20;
  const ticks = timeTicks(t0, t1).map(({ ms, label }) => {
    const tx = x(ms);
    // A label near an end is anchored inside the picture (never cut off).
    const anchor = tx < left + 40 ? 'start' : tx > width - 50 ? 'end' : 'middle';
    return `<line x1="${tx.toFixed(1)}" y1="${top - 4}" x2="${tx.toFixed(1)}" y2="${height - 18}" stroke="#e3e6ea"/><text x="${tx.toFixed(1)}" y="${top - 8}" text-anchor="${anchor}">${e(label)}</text>`;
  });
  const marked = new Set(marks.filter((m) => m.endMs >= t0 && m.startMs <= t1).flatMap((m) => m.hosts));
  const bands = marks.filter((m) => m.endMs >= t0 && m.startMs <= t1).map((m) =>
    `<rect class="mark ${m.id}" x="${x(Math.max(m.startMs, t0)).toFixed(1)}" y="${top - 2}" width="${Math.max(2, x(Math.min(m.endMs, t1)) - x(Math.max(m.startMs, t0))).toFixed(1)}" height="${hosts.length * rowH + 4}" fill="${m.id === 'fleet-simultaneous' ? '#c62828' : '#1f5fbf'}" opacity="0.12"><title>${e(m.summary, 400)}</title></rect>`);
  const names = hosts.map((h, i) => `<text x="${left - 6}" y="${top + i * rowH + 11}" text-anchor="end"${marked.has(h) ? ' class="hit"' : ''}>${e(h, 24)}</text>`);
  const dots = t.points.map((p) => {
    const r = row.get(p.host);
    if (r === undefined) return '';
    return `<circle cx="${x(p.timeMs).toFixed(1)}" cy="${top + r * rowH + 7}" r="3.5" fill="hsl(${hue(p.bucket)},70%,42%)"><title>${e(p.host, 60)} ${e(new Date(p.timeMs).toISOString())} ${e(p.title, 200)}</title></circle>`;
  });
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="fleet timeline">
${ticks.join('')}${bands.join('')}${names.join('')}${dots.join('')}</svg>`;
}

/** A pattern's statistic: small p-values in exponent form, counts with separators, nothing as a dash. */
export function statText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v !== 'number') return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(3);
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toPrecision(6)));
}

function patternBlock(p: Pattern): string {
  const stats = Object.entries(p.statistics).map(([k, v]) => `<tr><th>${e(k)}</th><td class="mono">${e(statText(v))}</td></tr>`).join('');
  const tl = `/timeline?${qs({ from: new Date(p.startMs - 3_600_000 * (p.id === 'fleet-simultaneous' ? 2 : 24)).toISOString(), to: new Date(p.endMs + 3_600_000 * (p.id === 'fleet-simultaneous' ? 2 : 24)).toISOString(), bucket: p.id === 'fleet-simultaneous' ? undefined : p.buckets[0]?.id ?? undefined })}`;
  return `<div class="card pattern" data-pattern="${e(p.id)}"><h2><span class="sev-${p.severity}">${e(p.id)}</span> <span class="muted">${e(when(p.start, 'min'))} – ${e(when(p.end, 'min'))} UTC</span></h2>
<p>${e(p.summary, 2000)}</p><p><a href="${e(tl)}">timeline</a></p>
<div class="grid"><table><tbody>${stats}</tbody></table>
<table><thead><tr><th>bucket</th><th>crashes</th></tr></thead><tbody>${p.buckets.slice(0, 10).map((b) => `<tr><td>${b.id ? `<a href="/buckets/${encodeURIComponent(b.id)}">${e(b.title, 150)}</a>` : e(b.title)}</td><td class="n">${b.crashes}</td></tr>`).join('')}</tbody></table></div>
<p class="mono hostlist">hosts (${p.hosts.length}): ${p.hosts.slice(0, 60).map((h) => `<a href="/hosts/${encodeURIComponent(h)}">${e(h, 60)}</a>`).join(' ')}${p.hosts.length > 60 ? ' …' : ''}</p>
${Object.keys(p.labels).length ? `<p>shared labels: <span class="mono">${labelText(p.labels)}</span></p>` : ''}
${p.curve ? `<p>infection curve: <span class="mono">${p.curve.slice(0, 30).map((c) => `<span class="nw">${e(c.host, 60)} ${e(when(c.firstSeen, 'min'))}</span>`).join(' → ')}</span></p>` : ''}</div>`;
}

export function registerUi(app: FastifyInstance, store: Store, d: UiDeps): void {
  const req = createRequire(import.meta.url);
  const uplotDir = join(dirname(req.resolve('uplot/package.json')), 'dist');
  const statics: Record<string, [string, string]> = {
    'uPlot.iife.min.js': ['application/javascript; charset=utf-8', readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8')],
    'uPlot.min.css': ['text/css; charset=utf-8', readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8')],
    'bucket-chart.js': ['application/javascript; charset=utf-8', CHART_JS],
  };
  app.get('/static/:name', { schema: { hide: true } }, async (r, reply) => {
    const s = statics[(r.params as { name: string }).name];
    if (!s) return reply.code(404).send({ error: 'not found' });
    return reply.header('content-type', s[0]).header('cache-control', 'public, max-age=3600').send(s[1]);
  });
  const html = (reply: FastifyReply, body: string) => reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').send(body);
  const opts = { schema: { hide: true }, preHandler: [d.needRead] };

  app.get('/', opts, async (r, reply) => {
    const q = r.query as Record<string, string>;
    const f = d.crashFilter(q);
    const { crashes } = await Q.listCrashes(store, { ...f, limit: f.limit ?? 100 });
    const input = (k: string, ph: string) => `<input name="${k}" placeholder="${ph}" value="${e(q[k] ?? '')}">`;
    const next = crashes.length === (f.limit ?? 100) ? `<p><a href="/?${qs({ ...q, offset: (f.offset ?? 0) + (f.limit ?? 100) })}">next page</a></p>` : '';
    return html(reply, page('Crashes', `<h1>Crashes</h1><form class="filters" method="get" action="/">${input('host', 'host')}${input('kernel', 'kernel')}${input('module', 'module')}${input('kind', 'kind')}${input('title', 'title contains')}${input('label', 'label k=v')}${input('from', 'from (ISO)')}${input('to', 'to (ISO)')}<button>filter</button></form>${crashTable(crashes)}${next}`));
  });
  app.get('/buckets', opts, async (r, reply) => {
    const q = r.query as Record<string, string>;
    const level = q.level === '1' ? 1 : 2;
    const bs = await Q.listBuckets(store, { level, sort: q.sort, title: q.title, limit: 200, offset: Number(q.offset ?? 0) || 0 });
    const fv = await Q.fleetVersions(store);
    void fv;
    const sortLink = (s: string, t: string) => `<a href="/buckets?${qs({ level, sort: s, title: q.title })}">${t}</a>`;
    return html(reply, page('Buckets', `<h1>Buckets (level ${level}: ${level === 1 ? 'title' : 'title and top frames'})</h1>
<p><a href="/buckets?level=1">level 1</a> · <a href="/buckets?level=2">level 2</a> · sort by ${sortLink('last', 'last seen')}, ${sortLink('crashes', 'crashes')}, ${sortLink('hosts', 'hosts')}, ${sortLink('first', 'first seen')}</p>
<table class="buckets"><thead><tr><th>title</th><th>frames</th><th>crashes</th><th>hosts</th><th class="nw">first seen</th><th class="nw">last seen</th></tr></thead><tbody>
${bs.map((b) => `<tr><td><a href="/buckets/${encodeURIComponent(b.id)}">${e(b.title, 200)}</a></td><td class="mono">${e(b.frames.join(' ← '), 300)}</td><td class="n">${b.crashes}</td><td class="n">${b.hosts}</td><td class="mono nw">${e(when(b.firstSeen, 'min'))}</td><td class="mono nw">${e(when(b.lastSeen, 'min'))}</td></tr>`).join('\n')}
</tbody></table>`));
  });
  app.get('/buckets/:id', opts, async (r, reply) => {
    const b = await Q.getBucket(store, (r.params as { id: string }).id);
    if (!b) return reply.code(404).send({ error: 'no such bucket' });
    const { crashes } = await Q.listCrashes(store, { bucket: b.id, limit: 50 });
    const days = b.perDay.map((x) => [Date.parse(x.day) / 1000, x.crashes]);
    return html(reply, page(b.title, `<h1>${e(b.title, 500)} <span class="state ${b.state}">${b.state}</span></h1>
<div class="card"><p class="mono">${e(b.frames.join(' ← '), 1000)}</p><p>${b.crashes} crashes on ${b.hosts} hosts · first seen ${e(when(b.firstSeen))} · last seen ${e(when(b.lastSeen))} UTC · level ${b.level}${b.parent ? ` · <a href="/buckets/${encodeURIComponent(b.parent)}">level-1 bucket</a>` : ''} · grouping version ${b.groupingVersion} · <a href="/timeline?${qs({ bucket: b.id })}">timeline</a></p></div>
<div class="card"><h2>Crashes per day</h2><div id="chart"></div><script type="application/json" id="perday">${jsonData(days)}</script><script src="/static/uPlot.iife.min.js"></script><script src="/static/bucket-chart.js"></script></div>
<div class="grid"><div><h2>Kernels</h2><table><tbody>${b.kernels.map((k) => `<tr><td class="mono">${e(k.version)}</td><td class="n">${k.crashes}</td></tr>`).join('')}</tbody></table></div>
<div><h2>Modules</h2><table><tbody>${b.modules.slice(0, 60).map((m) => `<tr><td class="mono"><a href="/?${qs({ module: m.module, bucket: b.id })}">${e(m.module, 100)}</a></td><td class="n">${m.crashes}</td></tr>`).join('')}</tbody></table></div></div>
${b.children.length ? `<h2>Level-2 buckets</h2><table><tbody>${b.children.map((c) => `<tr><td><a href="/buckets/${encodeURIComponent(c.id)}">${e(c.frames.join(' ← ') || '(no frames)', 300)}</a></td><td class="n">${c.crashes}</td><td class="n">${c.hosts} hosts</td></tr>`).join('')}</tbody></table>` : ''}
<h2>Hosts (first ${b.hostList.length}, by first crash)</h2><table><thead><tr><th>host</th><th>first</th><th>last</th><th>crashes</th></tr></thead><tbody>${b.hostList.map((h) => `<tr><td><a href="/hosts/${encodeURIComponent(h.host)}">${e(h.host)}</a></td><td class="mono nw">${e(when(h.firstSeen))}</td><td class="mono nw">${e(when(h.lastSeen))}</td><td class="n">${h.crashes}</td></tr>`).join('')}</tbody></table>
<h2>Recent crashes</h2>${crashTable(crashes)}`));
  });
  app.get('/hosts', opts, async (_r, reply) => {
    const hs = await Q.listHosts(store, { limit: 500 });
    return html(reply, page('Hosts', `<h1>Hosts</h1><table class="hosts"><thead><tr><th>host</th><th>crashes</th><th>kernel</th><th>labels</th><th>last crash</th></tr></thead><tbody>
${hs.map((h) => `<tr><td><a href="/hosts/${encodeURIComponent(h.host)}">${e(h.host)}</a></td><td class="n">${h.crashes}</td><td class="mono">${e(h.kernel ?? '')}</td><td class="mono">${labelText(h.labels)}</td><td class="mono nw">${e(when(h.lastSeen))}</td></tr>`).join('\n')}</tbody></table>`));
  });
  app.get('/hosts/:host', opts, async (r, reply) => {
    const h = await Q.getHost(store, (r.params as { host: string }).host);
    if (!h) return reply.code(404).send({ error: 'no such host' });
    return html(reply, page(h.host, `<h1>Host ${e(h.host)}</h1><div class="card"><p>${h.crashes} crashes · kernel <span class="mono">${e(h.kernel ?? '?')}</span> · first ${e(when(h.firstSeen))} · last ${e(when(h.lastSeen))} UTC</p><p class="mono">${labelText(h.labels)}</p></div>${crashTable(h.recent)}`));
  });
  app.get('/crashes/:id', opts, async (r, reply) => {
    const c = await Q.getCrash(store, Number((r.params as { id: string }).id));
    if (!c) return reply.code(404).send({ error: 'no such crash' });
    // The same self-contained HTML report as `ktriage analyze --format html` (it forbids every load itself),
    // with one line of links back into the fleet: the crash list, this crash's host and buckets.
    const k = c.crash;
    const links = [`<a href="/">crashes</a>`, `<a href="/hosts/${encodeURIComponent(k.host)}">host ${e(k.host)}</a>`,
      ...(k.bucket2 ? [`<a href="/buckets/${encodeURIComponent(k.bucket2)}">its bucket</a>`] : []),
      ...(k.bucket1 ? [`<a href="/buckets/${encodeURIComponent(k.bucket1)}">its title's bucket</a>`] : []),
      `<a href="/api/v1/crashes/${k.id}">JSON</a>`];
    // No style here: the report's own Content-Security-Policy admits only its one hashed stylesheet.
    const nav = `<nav class="fleet-nav"><b>ktriage fleet</b> · crash ${k.id} at ${e(k.time)} · ${links.join(' · ')}</nav>`;
    const report = render(c.report as Report, 'html').replace('<body>', () => `<body>${nav}`);
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(report);
  });
  app.get('/patterns', opts, async (r, reply) => {
    const res = await d.patterns(Number((r.query as Record<string, string>).days ?? 30) || 30);
    const ps = [...res.patterns];
    const order = ['fleet-compromise', 'fleet-simultaneous', 'fleet-spreading', 'fleet-regression'];
    ps.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id) || a.startMs - b.startMs);
    return html(reply, page('Patterns', `<h1>Patterns across hosts (${ps.length})</h1><p class="muted">Computed ${e(res.computedAt)}${res.stale ? '; crashes arrived since, a new computation is running (reload to see it)' : ''}.</p>${ps.length ? ps.map(patternBlock).join('\n') : '<p class="muted">No pattern.</p>'}`));
  });
  app.get('/timeline', opts, async (r, reply) => {
    const q = r.query as Record<string, unknown>;
    const ps = (await d.patterns(30)).patterns;
    const marks = ps.filter((p) => p.id === 'fleet-simultaneous' || (typeof q.bucket === 'string' && p.buckets.some((b) => b.id === q.bucket)));
    // The marked patterns' hosts are rows whatever their crash counts (else a burst of one crash per host
    // is lost among the busiest hosts of a large fleet).
    const f = d.crashFilter(q);
    const inRange = marks.filter((m) => (f.to === undefined || m.startMs < f.to) && (f.from === undefined || m.endMs >= f.from));
    const t = await d.timeline({ ...q, include: inRange.flatMap((m) => m.hosts) });
    return html(reply, page('Timeline', `<h1>Fleet timeline</h1><p class="muted">One row per host (${t.hosts.length}: ${inRange.length ? 'the hosts of the marked patterns, then ' : ''}those with most crashes in the range; ordered by their first crash in it); a dot per crash, coloured by bucket; times in UTC. Red bands: fleet-simultaneous windows; blue: the patterns of the bucket shown; the hosts of a band in red.</p>
<form class="filters" method="get" action="/timeline"><input name="from" placeholder="from (ISO)" value="${e(q.from ?? '')}"><input name="to" placeholder="to (ISO)" value="${e(q.to ?? '')}"><input name="bucket" placeholder="bucket id" value="${e(q.bucket ?? '')}"><input name="label" placeholder="label k=v" value="${e(q.label ?? '')}"><button>show</button></form>
<div class="card" style="overflow-x:auto">${timelineSvg(t, marks)}</div>`));
  });
}

/** The bucket page's chart: reads its data from the page (no inline script), draws it with uPlot. */
const CHART_JS = `(function(){var el=document.getElementById('perday');var box=document.getElementById('chart');if(!el||!box||!window.uPlot)return;
var rows=JSON.parse(el.textContent||'[]');var xs=rows.map(function(r){return r[0]});var ys=rows.map(function(r){return r[1]});
new uPlot({width:Math.min(1100,box.clientWidth||900),height:240,series:[{},{label:'crashes per day',stroke:'#c62828',fill:'rgba(198,40,40,0.12)',paths:uPlot.paths&&uPlot.paths.bars?uPlot.paths.bars({size:[0.8,40]}):undefined}],axes:[{},{}],scales:{x:{time:true}}},[xs,ys],box);
box.setAttribute('data-ready','1');})();`;
