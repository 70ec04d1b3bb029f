// fleet-regression on module versions: the simulated fleet's module episode (real lab and corpus reports
// placed on simulated hosts) is found with its module and version, and hand-made fleets (marked so) check
// the null cases: a module version independent of the crashes, and a fleet-wide rate change that merely
// coincides with a rollout, raise nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { densestRun, detectPatterns, incidents, MODULE_LABEL, type PatternCrash } from './patterns.js';
import { simulate, patternRows, evaluate, mulberry32, SIM_MODULE } from './simulate.js';
import { DAY_MS } from './store.js';

const modKey = MODULE_LABEL + SIM_MODULE.name;

test('the simulated module regression is found with its module and version, and nothing false', () => {
  const f = simulate({ hosts: 600, days: 30, seed: 5 });
  const ps = detectPatterns(patternRows(f));
  const ev = evaluate(ps, f.episodes);
  assert.deepEqual(ev.falsePatterns.map((p) => p.summary), []);
  assert.ok(ev.allFound, JSON.stringify(ev.rows));
  const mod = ps.filter((p) => p.id === 'fleet-regression' && p.statistics.dimension === 'module');
  assert.equal(mod.length, 1);
  assert.equal(mod[0]!.statistics.module, 'ktl_bug');
  assert.equal(mod[0]!.statistics.version, '1.3.0');
  assert.equal(mod[0]!.statistics.earlierVersions, '1.2.4');
  assert.equal(mod[0]!.buckets.length, 1);
  assert.equal(mod[0]!.buckets[0]!.title, f.episodes.find((e) => e.module)!.title);
  // Every crash it rests on ran the new version.
  assert.ok(mod[0]!.evidence.every((e) => e.labels[modKey] === '1.3.0'));
  const kernel = ps.filter((p) => p.id === 'fleet-regression' && p.statistics.dimension === 'kernel');
  assert.deepEqual(kernel.map((p) => p.statistics.version), ['debian:6.1.199-1']);
});

test('module versions given to hosts independently of their crashes raise no module regression', () => {
  const f = simulate({ hosts: 600, days: 30, seed: 5 });
  // The same crashes, each host's module version now fixed by its name (40 % on the new version).
  const rows = patternRows(f).map((c) => ({ ...c, labels: { ...c.labels, [modKey]: Number(c.host.slice(5)) % 5 < 2 ? '1.3.0' : '1.2.4' } }));
  const ps = detectPatterns(rows);
  assert.deepEqual(ps.filter((p) => p.id === 'fleet-regression' && p.statistics.dimension === 'module').map((p) => p.summary), []);
  assert.equal(ps.filter((p) => p.id === 'fleet-regression' && p.statistics.dimension === 'kernel').length, 1);
});

/** Hand-made fleet: 200 hosts over 30 days, two buckets, module `m` rolled out to even hosts at day 15. */
function handFleet(rateB: (host: number, day: number, onNew: boolean) => number): PatternCrash[] {
  const rnd = mulberry32(11);
  const out: PatternCrash[] = [];
  const t0 = Date.UTC(2026, 9, 1);
  let id = 1;
  for (let h = 0; h < 200; h++) {
    for (let d = 0; d < 30; d++) {
      const onNew = h % 2 === 0 && d >= 15;
      const labels = { rack: `r${h % 10}`, [MODULE_LABEL + 'm']: onNew ? '2.0' : '1.9' };
      const push = (bucket: string, rate: number) => {
        // Bernoulli per host-hour approximates a Poisson process of `rate` per host-day.
        for (let hr = 0; hr < 24; hr++) {
          if (rnd() < rate / 24) {
            out.push({ id: id++, host: `h${h}`, timeMs: t0 + d * DAY_MS + hr * 3_600_000 + Math.floor(rnd() * 3_600_000), bucket, title: bucket,
              labels, kernelVersion: 'debian:6.1.192-2', findings: [] });
          }
        }
      };
      push('A', 0.3);
      push('B', rateB(h, d, onNew));
    }
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || a.id - b.id);
}

test('a fleet-wide rate change at the time of a rollout is no module regression (hand-made fleet)', () => {
  // B rises 6x on every host at day 15, the day half the hosts take module m 2.0.
  const ps = detectPatterns(handFleet((_h, d) => (d >= 15 ? 0.3 : 0.05)));
  assert.deepEqual(ps.filter((p) => p.id === 'fleet-regression').map((p) => p.summary), []);
});

test('a rate that rises only on the new module version is found (hand-made fleet)', () => {
  const ps = detectPatterns(handFleet((_h, d, onNew) => (onNew ? 0.3 : 0.05)));
  const reg = ps.filter((p) => p.id === 'fleet-regression');
  assert.equal(reg.length, 1);
  assert.equal(reg[0]!.statistics.dimension, 'module');
  assert.equal(reg[0]!.statistics.module, 'm');
  assert.equal(reg[0]!.statistics.version, '2.0');
  assert.equal(reg[0]!.buckets[0]!.id, 'B');
  assert.ok(Number(reg[0]!.statistics.rateRatio) > 3 && Number(reg[0]!.statistics.rateRatio) < 12, String(reg[0]!.statistics.rateRatio));
});

test('a spread is found when one more host meets its bucket two weeks later (the lab machine of the Done-when run)', () => {
  const f = simulate({ hosts: 600, days: 30, seed: 5 });
  const rows = patternRows(f);
  const ep = f.episodes.find((e) => e.pattern === 'fleet-spreading')!;
  const spreadRows = rows.filter((r) => r.title === ep.title && ep.hosts.includes(r.host));
  const late = spreadRows.at(-1)!;
  // A host outside the episode crashes in the same bucket 14 days after the spread's last new host.
  rows.push({ ...late, id: rows.length + 1, host: 'lab-qemu', timeMs: Math.max(...spreadRows.map((r) => r.timeMs)) + 14 * DAY_MS, labels: {} });
  rows.sort((a, b) => a.timeMs - b.timeMs || a.id - b.id);
  const ps = detectPatterns(rows);
  const ev = evaluate(ps, f.episodes);
  assert.deepEqual(ev.falsePatterns.map((p) => p.summary), []);
  assert.ok(ev.allFound, JSON.stringify(ev.rows));
  const sp = ps.filter((p) => p.id === 'fleet-spreading' && p.buckets[0]!.title === ep.title);
  assert.equal(sp.length, 1);
  assert.deepEqual([...sp[0]!.hosts].sort(), [...new Set(ep.hosts)].sort());
  assert.equal(sp[0]!.statistics.hostsOutside, 1);
  // Its window, crashes and evidence are the spread's: the outside host's crash is in none of them.
  assert.equal(sp[0]!.endMs, Math.max(...spreadRows.map((r) => r.timeMs)));
  assert.equal(sp[0]!.crashCount, incidents(spreadRows).length);
  assert.ok(!sp[0]!.evidence.some((e) => e.host === 'lab-qemu'));
});

test('densestRun: the run of first crashes least likely under a steady rate (hand-made times)', () => {
  const d = (x: number) => x * DAY_MS;
  // Ten hosts over days 10-15 of 30, one on day 29: the ten are the run.
  const t = [10, 10.5, 11, 11.6, 12, 12.8, 13, 14, 14.5, 15, 29].map(d);
  const r = densestRun(t, d(30))!;
  assert.deepEqual([r.from, r.to], [0, 9]);
  // 11 * 11 * C(10, 9) * (5/30)^9 = 1.2e-4
  assert.ok(Math.abs(r.p - 11 * 11 * 10 * Math.pow(5 / 30, 9)) < 1e-12, String(r.p));
  // Hosts spread evenly over the 30 days: no run is unlikely.
  assert.equal(densestRun([0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map(d), d(30))!.p, 1);
  // Fewer than 5 hosts, or all within one day: none.
  assert.equal(densestRun([1, 2, 3, 4].map(d), d(30)), null);
  assert.equal(densestRun([1, 1.1, 1.2, 1.3, 1.4, 1.5].map(d), d(30)), null);
});
