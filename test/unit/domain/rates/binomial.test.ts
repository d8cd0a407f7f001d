import { describe, expect, it } from 'vitest';
import { binomialAtLeast, logGamma, regularizedBeta } from '../../../../src/domain/rates/binomial.js';

/** P(X ≥ k) by summing the probability mass directly: the reference for small n. */
function directTail(k: number, n: number, p: number): number {
  let total = 0;
  for (let i = Math.max(k, 0); i <= n; i++) total += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return total;
}
const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

describe('binomial tails', () => {
  it('ln Γ matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 8);
  });

  it('the regularized incomplete beta is symmetric: I_x(a,b) = 1 − I_(1−x)(b,a)', () => {
    for (const [x, a, b] of [[0.3, 2, 5], [0.9, 10, 3], [0.001, 1, 1000]] as const) expect(regularizedBeta(x, a, b)).toBeCloseTo(1 - regularizedBeta(1 - x, b, a), 12);
  });

  it('agrees with direct summation on small and skewed cases', () => {
    for (const [k, n, p] of [[2, 2, 0.5], [3, 100, 0.02], [1, 1000, 0.001], [60, 2000, 0.02], [5, 8, 0.25], [0, 10, 0.3], [7, 7, 0.9]] as const) {
      expect(binomialAtLeast(k, n, p)).toBeCloseTo(directTail(k, n, p), 10);
    }
  });

  it('answers the edges without computing', () => {
    expect(binomialAtLeast(0, 10, 0.5)).toBe(1);
    expect(binomialAtLeast(11, 10, 0.5)).toBe(0);
    expect(binomialAtLeast(1, 10, 0)).toBe(0);
    expect(binomialAtLeast(3, 10, 1)).toBe(1);
  });

  it('stays precise for 100,000 requests', () => {
    const p = binomialAtLeast(2300, 100_000, 0.02);
    expect(p).toBeGreaterThan(1e-12);
    expect(p).toBeLessThan(1e-9);
    expect(binomialAtLeast(2000, 100_000, 0.02)).toBeCloseTo(0.5, 1);
  });
});
