// The few statistics the fleet patterns need, written out because they are a dozen lines each (no npm
// package of this size is better kept than these formulas): Poisson and binomial upper tails computed in
// log space, and Benjamini-Hochberg false-discovery control.

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** P(X >= k) for X ~ Poisson(mu). */
export function poissonSf(k: number, mu: number): number {
  if (k <= 0) return 1;
  if (mu <= 0) return 0;
  // Sum the terms from k upward until they vanish (the tail converges quickly past mu).
  const terms: number[] = [];
  let lp = k * Math.log(mu) - mu - logGamma(k + 1);
  for (let i = k; i < k + 10_000; i++) {
    terms.push(lp);
    lp += Math.log(mu) - Math.log(i + 1);
    if (i > mu && lp < terms[0]! - 40) break;
  }
  return Math.min(1, Math.exp(logSumExp(terms)));
}

/** P(X >= x) for X ~ Binomial(n, p). */
export function binomialSf(x: number, n: number, p: number): number {
  if (x <= 0) return 1;
  if (x > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lc = (k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  const terms: number[] = [];
  for (let k = x; k <= n; k++) terms.push(lc(k));
  return Math.min(1, Math.exp(logSumExp(terms)));
}

/** Benjamini-Hochberg: which of the p-values are discoveries at false-discovery rate q. */
export function benjaminiHochberg(ps: number[], q: number): boolean[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  let cut = -1;
  order.forEach(([p], rank) => {
    if (p <= ((rank + 1) / m) * q) cut = rank;
  });
  const out = new Array<boolean>(m).fill(false);
  for (let r = 0; r <= cut; r++) out[order[r]![1]] = true;
  return out;
}
