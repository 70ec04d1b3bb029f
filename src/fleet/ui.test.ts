// The web UI in real headless Chromium (Debian's, driven by playwright-core) against the running service,
// on both stores: crash list, bucket page with its uPlot chart, host page, the full report, patterns, the
// timeline SVG; hostile strings from crashes (markup, quotes, ANSI escapes, a 1 MB module name) shown as
// text and never run. Screenshots go to $KTRIAGE_SCREENSHOTS (default: a temporary folder) for review.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../util/repo.js';
import { analyze } from '../analyze.js';
import { createFleetApp, type FleetApp } from './server.js';
import { Tokens } from './auth.js';
import { testStores } from './testkit.js';
import { simulate } from './simulate.js';
import type { Report } from '../model/types.js';
import { timeTicks, timelineSvg, when, statText } from './ui.js';

const CHROMIUM = '/usr/bin/chromium';
const LAB = join(sharedDir(), 'lab', 'out');
const TOKEN = 'ui-test-token';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`CI: ${CHROMIUM} is missing (.ci/run installs Debian's chromium)`);
const SHOTS = process.env.KTRIAGE_SCREENSHOTS ?? join(tmpdir(), 'ktriage-fleet-screenshots');

const EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"\'\u001b[31mRED\u001b[0m';

/** A real lab report made hostile the way a crash could make it: module name, comm, title, log text. */
function hostileReport(): Report {
  const r = analyze([join(LAB, 'oops-null-module', 'console.log')]);
  const huge = 'M'.repeat(1024 * 1024);
  r.crash!.title = `BUG: unable to handle kernel NULL pointer dereference in ${EVIL}`;
  r.events[0]!.title = r.crash!.title;
  r.events[0]!.lines = [...r.events[0]!.lines.slice(0, 5), EVIL];
  r.crash!.task = { pid: 1, comm: EVIL };
  r.modules = [{ ...r.modules[0]!, name: EVIL, thirdParty: true }, { ...r.modules[0]!, name: huge, thirdParty: true }, ...r.modules.slice(1)];
  return r;
}

test('times read as UTC to the second or minute; statistics with separators, tiny p-values as exponents, none as a dash', () => {
  assert.equal(when('2026-11-12T18:12:01.657Z'), '2026-11-12 18:12:01');
  assert.equal(when('2026-11-12T18:12:01.657Z', 'min'), '2026-11-12 18:12');
  assert.equal(when(null), '');
  assert.deepEqual([statText(2030814), statText(1.197e-19), statText(0.37773), statText(null), statText('hypervisor=hv26')], ['2,030,814', '1.197e-19', '0.37773', '–', 'hypervisor=hv26']);
});

test('timeline ticks fall on round UTC hours or days, at most 11, none cut off at the right', () => {
  const d = Date.UTC(2026, 10, 12);
  // 12 h 10 min from 12:12: every 2 hours from 14:00.
  assert.deepEqual(timeTicks(d + 12 * 3_600_000 + 12 * 60_000, d + 24 * 3_600_000 + 22 * 60_000).map((t) => t.label),
    ['11-12 14:00', '11-12 16:00', '11-12 18:00', '11-12 20:00', '11-12 22:00', '11-13 00:00']);
  // 30 days from 17:00: every 5 days (days since 1970 divisible by 5: 2026-11-08 is day 20,765), as dates.
  assert.deepEqual(timeTicks(Date.UTC(2026, 10, 3, 17), Date.UTC(2026, 11, 3, 17)).map((t) => t.label),
    ['2026-11-08', '2026-11-13', '2026-11-18', '2026-11-23', '2026-11-28', '2026-12-03']);
  const svg = timelineSvg({ hosts: ['a', 'b'], points: [{ id: 1, host: 'a', timeMs: d, bucket: 'x', title: 't' }, { id: 2, host: 'b', timeMs: d + 10 * 86_400_000 - 1, bucket: 'x', title: 't' }], from: d, to: d + 10 * 86_400_000 },
    [{ id: 'fleet-simultaneous', hosts: ['b'], startMs: d, endMs: d + 60_000, summary: 's' } as never]);
  // The last tick (11-22 00:00, at the right edge) is anchored at its end; the marked host's name is red.
  assert.match(svg, /text-anchor="end">2026-11-22<\/text>/);
  assert.match(svg, /class="hit">b<\/text>/);
  assert.doesNotMatch(svg, /class="hit">a</);
});

for (const s of testStores()) {
  describe(`web UI in Chromium on ${s.name}`, { skip: s.skip ?? (!haveChromium ? `${CHROMIUM} is missing` : !existsSync(LAB) && 'needs ../shared/lab') }, () => {
    let fleet: FleetApp;
    let drop: () => Promise<void>;
    let base = '';
    let hostileId = 0;
    let hostileBucket = '';
    let f: ReturnType<typeof simulate>;
    before(async () => {
      const o = await s.open();
      drop = o.drop;
      const tokens = new Tokens();
      tokens.add(TOKEN);
      fleet = await createFleetApp({ db: o.db, ingestTokens: tokens, maxReportBytes: 8 * 1024 * 1024 });
      base = await fleet.app.listen({ host: '127.0.0.1', port: 0 });
      const post = async (q: string, type: string, body: string) => {
        const r = await fetch(`${base}/api/v1/reports?${q}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type }, body });
        assert.equal(r.status, 202, await r.clone().text());
        return (await r.json()) as { id: number; bucket2: string };
      };
      f = simulate({ hosts: 150, days: 20, seed: 5 });
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < f.crashes.length) {
          const c = f.crashes[next++]!;
          const qs = new URLSearchParams({ host: c.host, time: new Date(c.timeMs).toISOString() });
          for (const [k, v] of Object.entries(c.labels)) qs.append('label', `${k}=${v}`);
          await post(qs.toString(), 'application/json', f.body(c));
        }
      }));
      for (const d of ['oops-null-module', 'hung-task']) await post(`host=lab-${d}&time=2026-10-15T10:00:00Z`, 'text/plain', readFileSync(join(LAB, d, 'console.log'), 'utf8'));
      const h = await post(`host=evil-host&time=2026-10-15T11:00:00Z&label=${encodeURIComponent(`rack=${EVIL}`)}`, 'application/json', JSON.stringify(hostileReport()));
      hostileId = h.id;
      hostileBucket = h.bucket2;
      await fleet.flush();
    });
    after(async () => {
      await fleet.close();
      await drop();
    });

    test('hostile strings are escaped in every page (markup, quotes, ANSI, 1 MB names)', async () => {
      for (const path of ['/', '/?host=evil-host', `/buckets/${hostileBucket}`, '/buckets', '/hosts', '/hosts/evil-host', `/crashes/${hostileId}`, '/timeline?from=2026-10-15T00:00:00Z&to=2026-10-16T00:00:00Z']) {
        const html = await (await fetch(base + path)).text();
        assert.ok(!html.includes('<script>window.__pwned'), `${path}: raw script from a crash`);
        assert.ok(!html.includes('<img src=x'), `${path}: raw img from a crash`);
        assert.ok(!html.includes('\u001b'), `${path}: raw ANSI escape`);
        assert.ok(html.length < 1024 * 1024, `${path}: the 1 MB module name was not clipped (${html.length} bytes)`);
      }
    });

    test('pages work in headless Chromium: list, bucket chart, host, report, patterns, timeline', { timeout: 180_000 }, async () => {
      const { chromium } = await import('playwright-core');
      const profile = mkdtempSync(join(tmpdir(), 'ktriage-chromium-'));
      mkdirSync(SHOTS, { recursive: true });
      const ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 1300, height: 900 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const page = ctx.pages()[0] ?? (await ctx.newPage());
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        // A failed load (a 404 favicon, a blocked script) is a console error too.
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        const pwned = () => page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned ?? null);
        const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${s.name}-${name}.png`), fullPage: false });

        await page.goto(`${base}/?host=evil-host`);
        assert.equal(await pwned(), null);
        const cell = await page.locator('table.crashes tbody tr td:nth-child(3) a').first().textContent();
        assert.ok(cell?.includes('<script>window.__pwned=1</script>'), `title shown as text: ${cell?.slice(0, 120)}`);
        assert.equal(await page.locator('img').count(), 0);
        await shot('crashes-hostile');

        await page.goto(`${base}/`);
        assert.ok((await page.locator('table.crashes tbody tr').count()) >= 100);
        // Time, host and kernel stay on one line each (no break inside 2026-10-21 06:12:01 or node-017).
        for (const col of [1, 2, 4]) {
          const lines = await page.locator(`table.crashes tbody tr td:nth-child(${col})`).evaluateAll((tds) => Math.max(...tds.map((td) => {
            // (runs in the page: a DOM Range over the cell's text, one client rect per line)
            const r = (globalThis as unknown as { document: { createRange(): { selectNodeContents(n: unknown): void; getClientRects(): { top: number }[] } } }).document.createRange();
            r.selectNodeContents(td);
            return new Set(Array.from(r.getClientRects(), (x) => Math.round(x.top))).size;
          })));
          assert.equal(lines, 1, `column ${col} of the crash list wraps onto ${lines} lines`);
        }
        assert.match((await page.locator('table.crashes tbody tr:first-child td:nth-child(1)').textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        await shot('crashes');

        await page.goto(`${base}/buckets?level=1&sort=hosts`);
        const rows = await page.locator('table.buckets tbody tr').count();
        assert.ok(rows >= 10, `${rows} buckets`);
        await shot('buckets');
        await page.locator('table.buckets tbody tr td a').first().click();
        await page.waitForSelector('#chart[data-ready="1"] canvas', { timeout: 15_000 });
        assert.ok((await page.locator('h1 .state').textContent())?.match(/^(new|ongoing|resolved|regressed)$/));
        await shot('bucket');

        await page.goto(`${base}/buckets/${hostileBucket}`);
        await page.waitForSelector('#chart[data-ready="1"] canvas', { timeout: 15_000 });
        assert.equal(await pwned(), null);

        await page.goto(`${base}/hosts/evil-host`);
        assert.equal(await pwned(), null);
        assert.ok((await page.locator('main').textContent())?.includes('rack=<script>'));

        await page.goto(`${base}/crashes/${hostileId}`);
        assert.equal(await pwned(), null);
        assert.match(await page.title(), /null-deref in ktl_null_process \[ktl_null\]/); // the report leads with the verdict
        await shot('report');
        // The report's line of links leads back into the fleet: its host's page, its bucket's page.
        assert.deepEqual(await page.locator('nav.fleet-nav a').evaluateAll((els) => els.map((a) => a.textContent)), ['crashes', 'host evil-host', 'its bucket', "its title's bucket", 'JSON']);
        await page.locator('nav.fleet-nav a', { hasText: 'its bucket' }).first().click();
        await page.waitForSelector('#chart[data-ready="1"] canvas', { timeout: 15_000 });
        assert.match(page.url(), /\/buckets\/b2-/);
        await page.goBack();
        await page.locator('nav.fleet-nav a', { hasText: 'host evil-host' }).click();
        assert.equal(await page.locator('h1').textContent(), 'Host evil-host');

        await page.goto(`${base}/patterns`);
        const ids = await page.locator('[data-pattern]').evaluateAll((els) => els.map((e) => e.getAttribute('data-pattern')));
        for (const id of ['fleet-simultaneous', 'fleet-spreading', 'fleet-compromise', 'fleet-regression']) assert.ok(ids.includes(id), `patterns page lacks ${id}: ${ids.join(',')}`);
        await page.setViewportSize({ width: 1300, height: 2400 });
        await shot('patterns');

        // The spreading episode's timeline: one dot per crash on its hosts, rows ordered by first crash (a diagonal).
        const spread = f.episodes.find((e) => e.pattern === 'fleet-spreading')!;
        await page.goto(`${base}/patterns`);
        await page.locator('[data-pattern="fleet-spreading"] a', { hasText: 'timeline' }).first().click();
        const dots = await page.locator('svg.timeline circle').count();
        assert.ok(dots >= spread.hosts.length, `${dots} dots for ${spread.hosts.length} hosts`);
        await shot('timeline-spreading');
        // The hypervisor episode: a red band (a vertical line of deaths).
        const sim = f.episodes.find((e) => e.pattern === 'fleet-simultaneous')!;
        await page.goto(`${base}/timeline?from=${new Date(sim.startMs - 6 * 3_600_000).toISOString()}&to=${new Date(sim.endMs + 6 * 3_600_000).toISOString()}`);
        assert.ok((await page.locator('svg.timeline rect.mark.fleet-simultaneous').count()) >= 1);
        await shot('timeline-simultaneous');
        // With room for 3 rows only, the episode's 8 hosts are still rows, named in red (a pattern's hosts
        // come before the busiest ones).
        await page.goto(`${base}/timeline?hosts=3&from=${new Date(sim.startMs - 6 * 3_600_000).toISOString()}&to=${new Date(sim.endMs + 6 * 3_600_000).toISOString()}`);
        const red = await page.locator('svg.timeline text.hit').allTextContents();
        for (const h of sim.hosts) assert.ok(red.includes(h), `${h} of the hypervisor episode is not a red row: ${red.join(',')}`);
        assert.deepEqual(errors, []);
      } finally {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  });
}
