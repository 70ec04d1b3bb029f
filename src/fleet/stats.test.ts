import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benjaminiHochberg, binomialSf, poissonSf } from './stats.js';

test('poisson upper tail matches the closed form', () => {
  // P(X >= 1) = 1 - e^-mu; P(X >= 3 | mu = 2) = 1 - e^-2 (1 + 2 + 2) = 0.3233235838...
  assert.ok(Math.abs(poissonSf(1, 0.5) - (1 - Math.exp(-0.5))) < 1e-12);
  assert.ok(Math.abs(poissonSf(3, 2) - (1 - Math.exp(-2) * 5)) < 1e-12);
  assert.equal(poissonSf(0, 3), 1);
  assert.ok(poissonSf(20, 0.1) < 1e-30);
});

test('binomial upper tail matches the closed form', () => {
  // n = 4, p = 0.5: P(X >= 3) = (4 + 1) / 16
  assert.ok(Math.abs(binomialSf(3, 4, 0.5) - 5 / 16) < 1e-12);
  assert.ok(Math.abs(binomialSf(10, 10, 0.2) - 0.2 ** 10) < 1e-18);
  assert.equal(binomialSf(11, 10, 0.2), 0);
});

test('Benjamini-Hochberg keeps the step-up set', () => {
  // m = 5, q = 0.05: thresholds 0.01 0.02 0.03 0.04 0.05; the sorted p 0.001 0.011 0.029 0.2 0.5 -> first three
  assert.deepEqual(benjaminiHochberg([0.2, 0.001, 0.5, 0.029, 0.011], 0.05), [false, true, false, true, true]);
  assert.deepEqual(benjaminiHochberg([0.9, 0.8], 0.05), [false, false]);
});
