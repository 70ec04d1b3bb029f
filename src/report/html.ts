// The HTML report: ONE self-contained file (inline CSS and SVG, no script, no external URL; a
// Content-Security-Policy meta forbids any load). Summary first (verdict, culprit, confidence), the
// causal chain drawn as an SVG picture, a timeline, findings with collapsible evidence, known issues
// (only http/https references become links), recommendations, then each event's stack with the culprit
// and unreliable frames highlighted. Every string from the input goes through escapeHtml (element text,
// quoted attributes and SVG text alike); no input reaches a tag name, attribute name, URL or style.
import { createHash } from 'node:crypto';
import type { CrashEvent, EventRef, Report } from '../model/types.js';
import { clip, escapeHtml, expandTabs, safeHttpUrl, str } from '../util/escape.js';
import {
  LIMIT, MAX_LINES, eventRoles, fmtFuncModule, fmtCulpritLoc, fmtLoc, fmtModuleFlags, fmtSource, fmtTaintRaw, fmtTask, fmtTime, taintText, vmcoreRows, dumpObjectRows,
  displayTitle, eventTitle, fmtParts, incidentReport, reportDamaged, isCulpritFrame, normalizeReport, roleLabels, shownFrames, sortedFindings, verdictOf, type EventRole,
} from './common.js';

/** Escaped, clipped input text (controls highlighted). */
function h(s: unknown, max: number = LIMIT.text): string {
  return escapeHtml(clip(expandTabs(str(s)), max), { markControls: true });
}
/** Escaped text for attributes and SVG (no markup at all). */
function a(s: unknown, max: number = LIMIT.text): string {
  return escapeHtml(clip(str(s), max));
}

const CSS = `
:root{--bg:#f4f5f7;--card:#fff;--ink:#1d2330;--muted:#5f6b7a;--line:#dde1e7;--red:#c62828;--red-bg:#fdecea;
--amber:#b26a00;--amber-bg:#fff4e0;--green:#1b7f3b;--green-bg:#e6f4ea;--blue:#1f5fbf;--blue-bg:#e8f0fe;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.top{background:#1d2330;color:#fff;padding:14px 32px;display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
header.top .brand{font-weight:700;font-size:18px;letter-spacing:.5px}
header.top .brand span{color:#ff8a65}
header.top .meta{color:#b8c0cc;font-size:13px;overflow-wrap:anywhere}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:22px;margin:0 0 6px;overflow-wrap:anywhere}
h2{font-size:16px;text-transform:uppercase;letter-spacing:.8px;color:var(--muted);margin:32px 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}
h3{font-size:15px;margin:0 0 6px;overflow-wrap:anywhere}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:0 0 12px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.verdict{border-left:6px solid var(--red)}
.verdict .rc{font-size:20px;font-weight:650;margin:4px 0 8px;overflow-wrap:anywhere}
.verdict .summary{font-size:15px;margin:10px 0 0;overflow-wrap:anywhere}
.kv{display:grid;grid-template-columns:150px 1fr;gap:4px 14px;margin:0}
.kv dt{color:var(--muted)}
.kv dd{margin:0;overflow-wrap:anywhere}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
code,.mono,pre{font-family:var(--mono);font-size:12.5px}
code{background:#f0f2f5;border-radius:4px;padding:1px 5px;overflow-wrap:anywhere}
pre{background:#f7f8fa;border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto;max-height:480px;margin:8px 0}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;border:1px solid transparent;white-space:nowrap;vertical-align:middle}
.b-critical,.b-high,.b-root,.b-yes,.b-low-conf{background:var(--red-bg);color:var(--red);border-color:#f5c2c0}
.b-medium,.b-consequence,.b-unknown,.b-medium-conf,.b-third{background:var(--amber-bg);color:var(--amber);border-color:#f3d39c}
.b-low,.b-primary,.b-info{background:var(--blue-bg);color:var(--blue);border-color:#c6d7f5}
.b-high-conf,.b-no{background:var(--green-bg);color:var(--green);border-color:#b9e0c5}
.b-panicked{background:#3b0d0c;color:#fff}
.b-kind{background:#eef0f3;color:#334;border-color:#d5d9e0;font-family:var(--mono);font-weight:500}
.alert{background:var(--amber-bg);border:1px solid #f3d39c;border-radius:8px;padding:10px 16px;margin:0 0 16px}
svg{display:block;max-width:100%;height:auto}
.chain{padding:8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.4px;white-space:nowrap;overflow-wrap:normal}
.panicmsg{overflow-wrap:anywhere;margin:8px 0}
td.num{white-space:nowrap;font-family:var(--mono);font-size:12.5px}
details>summary{cursor:pointer;color:var(--blue);margin:6px 0;overflow-wrap:anywhere}
details.event{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 20px;margin:0 0 12px}
details.event>summary{color:var(--ink);font-weight:600;font-size:15px}
.finding{border-left:4px solid var(--line)}
.finding.sev-critical,.finding.sev-high{border-left-color:var(--red)}
.finding.sev-medium{border-left-color:var(--amber)}
.finding.sev-low,.finding.sev-info{border-left-color:var(--blue)}
.finding p,.ki p{margin:4px 0;overflow-wrap:anywhere}
ol.stack{list-style:none;margin:8px 0;padding:8px 0;background:#f7f8fa;border:1px solid var(--line);border-radius:6px;font-family:var(--mono);font-size:12.5px;overflow:auto}
ol.stack li{padding:1px 12px 1px 10px;white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid transparent}
ol.stack li .q{display:inline-block;width:1.4em;color:var(--muted)}
ol.stack li.unreliable{color:#8a94a3}
ol.stack li.third{background:var(--amber-bg)}
ol.stack li.culprit{background:var(--red-bg);border-left-color:var(--red);color:var(--red);font-weight:700}
ol.stack li.ctx{color:var(--muted);font-style:italic}
ol.stack li .tag{font-family:system-ui,sans-serif;font-size:11px;font-weight:700;margin-left:10px;color:#fff;background:var(--red);border-radius:3px;padding:0 5px}
.legend{color:var(--muted);font-size:12px}
.ctl{background:#ffe1e1;color:#a00;border-radius:2px;font-family:var(--mono)}
ol.recs{margin:0;padding-left:22px}
ol.recs li{margin:6px 0;overflow-wrap:anywhere}
.muted{color:var(--muted)}
footer{margin-top:36px;color:var(--muted);font-size:12px}
a{color:var(--blue);overflow-wrap:anywhere}
`;

const CSS_HASH = createHash('sha256').update(CSS).digest('base64');
const CSP = `default-src 'none'; style-src 'sha256-${CSS_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

const badge = (cls: string, text: string): string => `<span class="badge b-${cls}">${text}</span>`;
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);

function roleBadges(role: EventRole | undefined): string {
  return roleLabels(role).map((l) => badge(l === 'root cause' ? 'root' : l, l)).join(' ');
}

// ---- the causal chain picture ----

const CH = 7.3; // width of one character of the SVG's 12px monospace text
function fit(s: string, width: number): string {
  const n = Math.max(4, Math.floor((width - 24) / CH));
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

interface Node { x: number; y: number; w: number; h: number; }

function svgNode(n: Node, kind: 'root' | 'cons' | 'panic', lines: string[], full: string): string {
  const fill = kind === 'root' ? '#fdecea' : kind === 'cons' ? '#fff4e0' : '#3b0d0c';
  const stroke = kind === 'root' ? '#c62828' : kind === 'cons' ? '#b26a00' : '#3b0d0c';
  const ink = kind === 'panic' ? '#ffffff' : '#1d2330';
  const texts = lines.map((l, i) => `<text x="${n.x + 12}" y="${n.y + 22 + i * 18}" fill="${i === 0 ? (kind === 'panic' ? '#ffffff' : stroke) : ink}" font-weight="${i === 0 ? 700 : 400}">${a(fit(l, n.w))}</text>`).join('');
  return `<g><title>${a(full)}</title><rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="8" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>${texts}</g>`;
}

function arrow(from: Node, to: Node, label: string, color: string): string {
  const x1 = from.x + from.w;
  const y1 = from.y + from.h / 2;
  const x2 = to.x - 4;
  const y2 = to.y + to.h / 2;
  const mx = (x1 + x2) / 2;
  const path = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
  let out = `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.8" marker-end="url(#kt-arrow)"/>`;
  if (label) {
    // the label sits on the arrow's last stretch, where it runs level into its target box
    const text = fit(label, 190);
    const lw = text.length * CH + 14;
    const lx = x2 - 16 - lw / 2;
    out += `<rect x="${lx - lw / 2}" y="${y2 - 11}" width="${lw}" height="20" rx="10" fill="#ffffff" stroke="${color}"/>`;
    out += `<text x="${lx}" y="${y2 + 4}" text-anchor="middle" fill="${color}">${a(text)}</text>`;
  }
  return out;
}

function evLines(e: EventRef | CrashEvent | null | undefined, head: string): string[] {
  if (!e) return [head];
  const meta = [fmtTime(e.time), fmtTask(e.task)].filter(Boolean).join(' · ');
  return [head, str(e.title), meta].filter((l) => l !== '');
}

function panicNode(n: Node, r: Report): string {
  const p = r.panic!;
  const who = [typeof p.task.pid === 'number' ? `pid ${p.task.pid}` : '', p.cpu != null ? `CPU ${str(p.cpu)}` : ''].filter(Boolean).join(' · ');
  return svgNode(n, 'panic', ['PANIC', str(p.task.comm ?? ''), who].filter(Boolean), str(p.message ?? 'went straight to kdump'));
}

function chainSvg(r: Report): string {
  const d = r.diagnosis;
  const rc = d.rootCause;
  if (!rc && d.consequences.length === 0) return '';
  const cons = d.consequences.slice(0, 30);
  const panicked = r.events.find((e) => e.panicked);
  const rowH = 78;
  const gap = 18;
  const rows = Math.max(1, cons.length);
  const height = rows * rowH + (rows - 1) * gap + 40;
  const root: Node = { x: 10, y: (height - rowH) / 2, w: 290, h: rowH };
  const parts: string[] = [];
  const where = fmtFuncModule(rc?.function, rc?.module);
  const rootHead = `ROOT CAUSE: ${rc?.event ? `#${rc.event.index} ` : ''}${str(rc?.kind ?? '?')}`;
  const rootLines = rc?.event ? [rootHead, where || str(rc.event.title), [fmtTime(rc.event.time), fmtTask(rc.event.task)].filter(Boolean).join(' · ')] : [rootHead, where];
  parts.push(svgNode(root, 'root', rootLines.filter(Boolean), `${rootHead}\n${str(rc?.summary)}`));
  const hasPanic = Boolean(r.panic && panicked);
  const consX = 520;
  const consW = hasPanic ? 310 : 470;
  cons.forEach((c, i) => {
    const n: Node = { x: consX, y: 20 + i * (rowH + gap), w: consW, h: rowH };
    parts.push(arrow(root, n, str(c.rule), '#b26a00'));
    parts.push(svgNode(n, 'cons', evLines(c.event, `#${c.event.index} ${str(c.event.kind)}`), `${str(c.rule)}: ${str(c.explanation)}`));
    if (hasPanic && c.event.index === panicked!.index) {
      const p: Node = { x: 860, y: n.y + 4, w: 130, h: rowH - 8 };
      parts.push(arrow(n, p, '', '#3b0d0c'));
      parts.push(panicNode(p, r));
    }
  });
  if (hasPanic && rc?.event && rc.event.index === panicked!.index) {
    const p: Node = { x: 860, y: root.y + 4, w: 130, h: rowH - 8 };
    parts.push(arrow(root, p, '', '#3b0d0c'));
    parts.push(panicNode(p, r));
  }
  const defs = '<defs><marker id="kt-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6b7a"/></marker></defs>';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 ${height}" width="1000" height="${height}" role="img" aria-label="causal chain" font-family="ui-monospace, Menlo, Consolas, DejaVu Sans Mono, monospace" font-size="12">${defs}${parts.join('')}</svg>`;
}

// ---- the timeline ----

function timelineSvg(r: Report, roles: Map<number, EventRole>): string {
  const timed = r.events.filter((e) => typeof e.time.uptime === 'number' && Number.isFinite(e.time.uptime) && e.boot === 0).slice(0, 200);
  if (timed.length < 2) return '';
  const t0 = Math.min(...timed.map((e) => e.time.uptime!));
  const t1 = Math.max(...timed.map((e) => e.time.uptime!));
  const span = t1 - t0 || 1;
  const x = (t: number) => 60 + ((t - t0) / span) * 880;
  const parts: string[] = ['<line x1="40" y1="60" x2="960" y2="60" stroke="#9aa4b2" stroke-width="2"/>'];
  timed.forEach((e, i) => {
    const role = roles.get(e.index);
    const color = role?.root ? '#c62828' : role?.rule !== null && role?.rule !== undefined ? '#b26a00' : '#5f6b7a';
    const cx = x(e.time.uptime!);
    const up = i % 2 === 0;
    parts.push(`<g><title>${a(`#${e.index} ${str(e.kind)}: ${str(e.title)}`)}</title>`);
    parts.push(`<line x1="${cx}" y1="${up ? 34 : 60}" x2="${cx}" y2="${up ? 60 : 86}" stroke="${color}" stroke-dasharray="2,2"/>`);
    parts.push(e.panicked
      ? `<rect x="${cx - 7}" y="53" width="14" height="14" transform="rotate(45 ${cx} 60)" fill="#3b0d0c"/>`
      : `<circle cx="${cx}" cy="60" r="7" fill="${color}"/>`);
    parts.push(`<text x="${cx}" y="${up ? 28 : 102}" text-anchor="middle" fill="${color}" font-weight="700">${a(fit(`#${e.index} ${str(e.kind)}`, 200))}</text>`);
    parts.push(`<text x="${cx}" y="${up ? 14 : 116}" text-anchor="middle" fill="#5f6b7a">${a(`${e.time.uptime!.toFixed(3)} s`)}</text></g>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 124" width="1000" height="124" role="img" aria-label="timeline" font-family="ui-monospace, Menlo, Consolas, DejaVu Sans Mono, monospace" font-size="12">${parts.join('')}</svg>`;
}

// ---- sections ----

function kv(rows: [string, string][]): string {
  return `<dl class="kv">${rows.filter(([, v]) => v !== '').map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function evidenceTable(ev: Report['diagnosis']['findings'][number]['evidence']): string {
  if (ev.length === 0) return '';
  const rows = ev.map((e) => `<tr><td class="num">${h(fmtSource(e.source, e.line), LIMIT.name)}</td><td class="mono">${h(e.text, LIMIT.line)}</td></tr>`).join('');
  return `<details><summary>Evidence (${ev.length})</summary><table>${rows}</table></details>`;
}

function verdict(r: Report): string {
  const rc = r.diagnosis.rootCause;
  const cul = r.diagnosis.culprit;
  const out: string[] = ['<section class="card verdict">'];
  if (rc) {
    const where = fmtFuncModule(rc.function, rc.module);
    const conf = ['high', 'medium', 'low'].includes(rc.confidence) ? `${rc.confidence}-conf` : 'medium-conf';
    out.push(`<div class="muted">Verdict · confidence ${badge(conf, h(rc.confidence, 16))}</div>`);
    out.push(`<div class="rc">${badge('kind', h(rc.kind, LIMIT.name))} ${where ? `in <code>${h(where)}</code>` : ''}</div>`);
  } else {
    out.push(`<div class="rc">${r.events.length ? 'Root cause not determined' : 'No crash found in the input'}</div>`);
  }
  if (cul) {
    const loc = fmtCulpritLoc(r);
    const mod = cul.module
      ? `module <code>${h(cul.module, LIMIT.name)}</code>${cul.moduleFlags ? ` ${badge('third', h(fmtModuleFlags(cul.moduleFlags), 80))}` : ''}${cul.thirdParty ? ` ${badge('third', 'third-party')}` : ''}`
      : 'core kernel';
    out.push(kv([
      ['Culprit', `<code>${h(loc || '?')}</code> · ${mod}`],
      ['Why', h(cul.reason)],
      ['Backtrace', cul.backtraceReliable ? badge('no', 'reliable') : badge('yes', 'not reliable: frames may be wrong')],
    ]));
  }
  if (rc?.summary) out.push(`<p class="summary">${h(rc.summary)}</p>`);
  if (rc) out.push(evidenceTable(rc.evidence));
  out.push('</section>');
  return out.join('');
}

function facts(r: Report): string {
  const c = r.crash;
  const ev0 = c ? r.events.find((e) => e.index === c.index) : undefined;
  const p = r.panic;
  const k = r.kernel;
  const crash = c
    ? kv([
      ['Title', `<strong>${h(displayTitle(r), LIMIT.line)}</strong>`],
      ['Kind', `${badge('kind', h(c.kind, LIMIT.name))}${c.type ? ` <code>${h(c.type, LIMIT.name)}</code>` : ''}${reportDamaged(r.events.find((e) => e.index === c.index) ?? c) ? ` ${badge('medium', 'report corrupted')}` : ''}`],
      ['When', ev0 ? h(fmtTime(ev0.time)) : ''],
      ['Task', h(fmtTask(c.task))],
      ['CPU', c.cpu != null ? h(c.cpu) : ''],
      ['Panic', p ? `${p.message != null ? `<code>${h(p.message, LIMIT.line)}</code>` : 'no panic line (went straight to kdump)'}${fmtTask(p.task) ? ` by ${h(fmtTask(p.task))}` : ''}${p.cpu != null ? ` on CPU ${h(p.cpu)}` : ''}` : ''],
    ])
    : '<p>No crash report was found in the input.</p>';
  const third = r.modules.filter((m) => m.thirdParty);
  const kernel = kv([
    ['Release', k.release ? `<code>${h(k.release, LIMIT.name)}</code>` : '?'],
    ['Version', h(k.version, LIMIT.name)],
    ['Arch', h(k.arch, LIMIT.name)],
    ['Host', h(k.hostname, LIMIT.name)],
    ['Hardware', h(k.hardware, LIMIT.line)],
    ['Taint', k.taint ? `<code>${h(fmtTaintRaw(k.taint.raw))}</code>${k.taint.flags.map((f) => `<br><code>${h(f.flag, 8)}</code> ${h(f.meaning, LIMIT.line)}`).join('')}` : h(taintText(r))],
    ['Third-party', third.map((m) => `<code>${h(m.name, LIMIT.name)}</code> ${badge('third', h(m.flags, 16))}`).join(' ')],
    ['Last unloaded', r.lastUnloaded ? `<code>${h(r.lastUnloaded, LIMIT.name)}</code>` : ''],
  ]);
  return `<div class="grid2"><section class="card"><h3>Primary crash</h3>${crash}</section><section class="card"><h3>Kernel</h3>${kernel}</section></div>`;
}

function chainSection(r: Report): string {
  const svg = chainSvg(r);
  if (!svg) return '';
  const items = r.diagnosis.consequences.map((c) =>
    `<li><code>${h(c.rule, LIMIT.name)}</code> → #${c.event.index} ${badge('kind', h(c.event.kind, LIMIT.name))} ${h(c.event.title, LIMIT.line)}${fmtTask(c.event.task) ? ` · ${h(fmtTask(c.event.task))}` : ''}${fmtTime(c.event.time) ? ` · ${h(fmtTime(c.event.time))}` : ''}<br><span class="muted">${h(c.explanation)}</span></li>`).join('');
  // The picture's boxes cut long text: the panic message is also written out in full under it.
  const pm = r.panic ? `<p class="panicmsg"><strong>Panic:</strong> <code>${h(r.panic.message ?? 'no panic line (went straight to kdump)', LIMIT.line)}</code>${fmtTask(r.panic.task) ? ` · ${h(fmtTask(r.panic.task))}` : ''}${r.panic.cpu != null ? ` · CPU ${h(r.panic.cpu)}` : ''}</p>` : '';
  return `<h2>Causal chain</h2><section class="card chain">${svg}${pm}${items ? `<ul>${items}</ul>` : ''}</section>`;
}

function timelineSection(r: Report, roles: Map<number, EventRole>): string {
  if (r.events.length === 0) return '';
  const rows = r.events.slice(0, 1000).map((e) =>
    `<tr><td class="num">#${e.index}</td><td class="num">${h(fmtTime(e.time)) || '—'}</td><td>${badge('kind', h(e.kind, LIMIT.name))}</td><td>${h(eventTitle(e), LIMIT.line)}</td><td>${h(fmtTask(e.task))}</td><td class="num">${e.cpu != null ? h(e.cpu) : ''}</td><td>${roleBadges(roles.get(e.index))}</td></tr>`).join('');
  const omitted = r.eventsOmitted.count
    ? `<p class="muted">${r.eventsOmitted.count} more events, by title: ${Object.entries(r.eventsOmitted.byTitle).slice(0, 100).map(([t, n]) => `${h(n, 20)} × <code>${h(t, LIMIT.line)}</code>`).join('; ')}</p>`
    : '';
  return `<h2>Timeline</h2><section class="card">${timelineSvg(r, roles)}<table><thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Title</th><th>Task</th><th>CPU</th><th>Role</th></tr></thead><tbody>${rows}</tbody></table>${omitted}</section>`;
}

function findingsSection(r: Report): string {
  const fs = sortedFindings(r.diagnosis.findings);
  const body = fs.length === 0 ? '<p class="card muted">No findings.</p>' : fs.map((f) => {
    const sev = SEVERITIES.has(f.severity) ? f.severity : 'info';
    return `<article class="card finding sev-${sev}"><h3>${badge(sev, sev)} <code>${h(f.id, LIMIT.name)}</code></h3><p>${h(f.summary)}</p>${evidenceTable(f.evidence)}</article>`;
  }).join('');
  return `<h2>Findings (${fs.length})</h2>${body}`;
}

function knownIssuesSection(r: Report): string {
  const ks = r.diagnosis.knownIssues;
  const body = ks.length === 0 ? '<p class="card muted">No known issue matched.</p>' : ks.map((k) => {
    const aff = k.affected === 'yes' ? badge('yes', 'affected') : k.affected === 'no' ? badge('no', 'fixed in this kernel') : badge('unknown', 'affected: unknown');
    const refs = k.references.map((ref) => {
      const url = safeHttpUrl(ref);
      return `<li>${url ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer nofollow">${h(url, LIMIT.line)}</a>` : `<code>${h(ref, LIMIT.line)}</code> <span class="muted">(not an http(s) link)</span>`}</li>`;
    }).join('');
    return `<article class="card ki"><h3><code>${h(k.id, LIMIT.name)}</code> ${h(k.title, LIMIT.line)} ${aff}</h3>${kv([
      ['Versions', k.status ? h(k.status, LIMIT.line) : ''],
      ['Match', k.source === 'cve' ? `${h(k.confidence, LIMIT.name)} confidence, by ${k.matchedBy.map((x) => h(x, LIMIT.name)).join(', ')} (CVE index)` : ''],
      ['Fixed in', k.fixedIn.map((x) => `<code>${h(x, LIMIT.name)}</code>`).join(' ')],
      ['Workarounds', k.workarounds.map((w) => h(w)).join('<br>')],
      ['References', refs ? `<ul>${refs}</ul>` : ''],
    ])}${evidenceTable(k.evidence)}</article>`;
  }).join('');
  return `<h2>Known issues (${ks.length})</h2>${body}`;
}

function recommendationsSection(r: Report): string {
  const rs = r.diagnosis.recommendations;
  const items = rs.map((x) => `<li>${h(x.text)}${x.commands?.length ? `<pre class="cmds"><code>${x.commands.slice(0, 40).map((c) => h(c, LIMIT.line)).join('\n')}</code></pre>` : ''}${x.because.length ? ` <span class="muted">(because: ${x.because.map((b) => `<code>${h(b, LIMIT.name)}</code>`).join(', ')})</span>` : ''}</li>`).join('');
  return `<h2>Recommendations</h2><section class="card">${items ? `<ol class="recs">${items}</ol>` : '<p class="muted">None.</p>'}</section>`;
}

function eventsSection(r: Report, roles: Map<number, EventRole>): string {
  const cul = r.diagnosis.culprit;
  const third = new Set(r.modules.filter((m) => m.thirdParty).map((m) => m.name));
  if (cul?.thirdParty && cul.module) third.add(cul.module);
  const out: string[] = [`<h2>Events and stacks (${r.events.length})</h2>`];
  for (const e of r.events) {
    const role = roles.get(e.index);
    const open = role?.root || role?.primary || e.panicked ? ' open' : '';
    out.push(`<details class="event"${open}><summary>#${e.index} ${badge('kind', h(e.kind, LIMIT.name))} ${h(eventTitle(e), LIMIT.line)} ${roleBadges(role)}</summary>`);
    out.push(kv([
      ['Header', `<code>${h(e.header, LIMIT.line)}</code>`],
      ['When', h(fmtTime(e.time))],
      ['Task', h(fmtTask(e.task))],
      ['CPU', e.cpu != null ? h(e.cpu) : ''],
      ['Taint', e.taint ? `<code>${h(fmtTaintRaw(e.taint))}</code>` : ''],
      ['Source', `<code>${h(fmtSource(e.source.file, e.source.startLine, e.source.endLine), LIMIT.name)}</code>`],
      ['Report', reportDamaged(e) ? badge('medium', `corrupted${e.corruptedReason ? `: ${h(e.corruptedReason, LIMIT.line)}` : ''}`) : ''],
      ['Details', Object.entries(e.details).slice(0, 50).map(([k, v]) => `<code>${h(k, LIMIT.name)}=${h(v, LIMIT.name)}</code>`).join(' ')],
    ]));
    const items: string[] = [];
    if (e.rip) {
      const m = isCulpritFrame(e.rip, cul);
      items.push(`<li class="${m ? 'culprit' : ''}"><span class="q"></span>RIP: ${h(fmtLoc(e.rip), LIMIT.line)}${m ? '<span class="tag">CULPRIT</span>' : ''}</li>`);
    }
    const { frames, omitted } = shownFrames(e);
    let ctx: string | null = 'task';
    for (const f of frames) {
      if (f.context && f.context !== ctx) {
        items.push(`<li class="ctx">&lt;${h(str(f.context).toUpperCase(), 16)}&gt;</li>`);
        ctx = f.context;
      }
      const m = isCulpritFrame(f, cul);
      const cls = [m ? 'culprit' : '', f.reliable === false ? 'unreliable' : '', !m && f.module && third.has(f.module) ? 'third' : ''].filter(Boolean).join(' ');
      items.push(`<li${cls ? ` class="${cls}"` : ''}><span class="q">${f.reliable === false ? '?' : ''}</span>${h(fmtLoc(f), LIMIT.line)}${m ? '<span class="tag">CULPRIT</span>' : ''}</li>`);
    }
    if (omitted) items.push(`<li class="ctx">… ${omitted} more frames</li>`);
    if (items.length) out.push(`<ol class="stack">${items.join('')}</ol>`);
    const regs = Object.entries(e.registers).slice(0, 100);
    if (regs.length) out.push(`<details><summary>Registers</summary><pre>${regs.map(([k, v]) => `${h(k, 16)}: ${h(v, 80)}`).join('\n')}</pre></details>`);
    if (e.code) out.push(`<details><summary>Code</summary><pre>${h(e.code, LIMIT.line)}</pre></details>`);
    if (e.lines.length) out.push(`<details><summary>Raw report (${e.lines.length} lines)</summary><pre>${e.lines.slice(0, MAX_LINES).map((l) => h(l, LIMIT.line)).join('\n')}</pre></details>`);
    out.push('</details>');
  }
  if (r.events.some((e) => e.frames.length)) {
    out.push('<p class="legend">Stacks: <span class="badge b-root">culprit frame</span> highlighted, <span class="q">?</span> unreliable frame (the unwinder was not sure, shown grey), third-party module frames shaded amber.</p>');
  }
  return out.join('');
}

function dumpSection(r: Report): string {
  const d = r.dump;
  if (!d) return '';
  const sys = Object.entries(d.sys ?? {}).slice(0, 50);
  const sus = (d.syscallTable ?? []).filter((s) => s.suspicious).slice(0, 200);
  const parts = [kv([
    ...vmcoreRows(r).map(([k, v]): [string, string] => [h(k, 40), h(v, LIMIT.line)]),
    ...sys.map(([k, v]): [string, string] => [h(k, 40), h(v, LIMIT.line)]),
    ['Backtraces', h((d.backtraces ?? []).length)],
    ['Tasks', h((d.tasks ?? []).length)],
    ['Loaded modules', (d.loadedModules ?? []).slice(0, 200).map((m) => `<code>${h(m.name, LIMIT.name)}</code>${m.hidden ? ' (hidden)' : ''}`).join(' ')],
  ])];
  const objs = dumpObjectRows(r);
  if (objs.length) parts.unshift(`<h3>From the dump</h3>${kv(objs.map(([k, v]): [string, string] => [h(k, 40), h(v, LIMIT.line)]))}`);
  if (sus.length) {
    parts.push(`<h3>Suspicious system-call table entries (${sus.length})</h3><table><thead><tr><th>Table</th><th>Number</th><th>System call</th><th>Points to</th><th>Address</th><th>Source</th></tr></thead><tbody>${sus.map((s) =>
      `<tr><td>${h(s.table, 16)}</td><td class="num">${h(s.number, 20)}</td><td><code>${h(s.syscall ?? '?', LIMIT.name)}</code></td><td><code>${h(s.name ?? 'invalid entry', LIMIT.name)}</code></td><td class="num">${h(s.address, 40)}</td><td class="num">${h(fmtSource(s.source?.file, s.source?.startLine), LIMIT.name)}</td></tr>`).join('')}</tbody></table>`);
  }
  return `<h2>Dump facts</h2><section class="card">${parts.join('')}</section>`;
}

/** The HTML report: one self-contained page. */
/** The sections of one incident. */
function incidentSections(r: Report): string[] {
  const roles = eventRoles(r);
  return [
    verdict(r),
    facts(r),
    chainSection(r),
    timelineSection(r, roles),
    findingsSection(r),
    knownIssuesSection(r),
    recommendationsSection(r),
    eventsSection(r, roles),
    dumpSection(r),
  ];
}

export function renderHtml(input: Report): string {
  const r = normalizeReport(input);
  const n = r.incidents.length;
  const heads = r.incidents.map((_, i) => verdictOf(n > 1 ? incidentReport(r, i) : r));
  const title = n > 1 ? `${n} incidents: ${heads.map((v) => v.headline).join('; ')}` : heads[0]!.headline;
  const sources = r.sources.map((s) => `<code>${h(s.file, LIMIT.name)}</code>`).join(', ');
  const gaps = r.gaps.length
    ? `<div class="alert"><strong>Some input could only be read in part (${r.gaps.length}):</strong><ul>${r.gaps.slice(0, 200).map((g) => `<li><code>${h(g.source, LIMIT.name)}</code>: ${h(g.what, LIMIT.line)}</li>`).join('')}</ul></div>`
    : '';
  const lead = n > 1
    ? `<h1>${n} incidents</h1><ol>${r.incidents.map((inc, i) => `<li><strong>${h(heads[i]!.headline, LIMIT.line)}</strong> · <code>${h(fmtParts(inc.parts), LIMIT.line)}</code></li>`).join('')}</ol><p class="muted">Nothing links across incidents: each has its own verdict.</p>`
    : `<h1>${h(heads[0]!.headline, LIMIT.line)}</h1>${heads[0]!.why ? `<p class="summary">${h(heads[0]!.why)}</p>` : ''}${heads[0]!.title ? `<p class="muted">syzbot title: <code>${h(heads[0]!.title, LIMIT.line)}</code></p>` : ''}`;
  const body = n > 1
    ? r.incidents.map((inc, i) => {
      const ir = incidentReport(r, i);
      return [
        `<section class="incident"><h2>Incident ${i + 1} of ${n}: ${h(heads[i]!.headline, LIMIT.line)}</h2>`,
        `<p class="muted"><code>${h(fmtParts(inc.parts), LIMIT.line)}</code>${heads[i]!.title ? ` · syzbot title: <code>${h(heads[i]!.title, LIMIT.line)}</code>` : ''}</p>`,
        inc.splitReason ? `<p><strong>Apart because:</strong> ${h(inc.splitReason)}</p>` : '',
        ...incidentSections(ir),
        '</section>',
      ].join('\n');
    })
    : incidentSections(r);
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>ktriage: ${a(title, 200)}</title>`,
    `<style>${CSS}</style>`,
    '</head><body>',
    `<header class="top"><div class="brand">k<span>triage</span></div><div class="meta">kernel crash triage · ktriage ${h(r.tool.version, 40)} · report schema ${h(r.schemaVersion, 16)}</div></header>`,
    '<main>',
    lead,
    `<p class="muted">${r.kernel.release ? `Kernel <code>${h(r.kernel.release, LIMIT.name)}</code> · ` : ''}${r.kernel.hostname ? `host ${h(r.kernel.hostname, LIMIT.name)} · ` : ''}sources: ${sources || 'none'}</p>`,
    gaps,
    ...body,
    `<footer>Generated by ktriage ${h(r.tool.version, 40)}. Every string taken from the crash is shown escaped; control and bidi characters appear as <span class="ctl">\\x..</span>/<span class="ctl">\\u....</span> escapes.</footer>`,
    '</main></body></html>',
    '',
  ].join('\n');
}
