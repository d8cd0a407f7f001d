/**
 * The seeded traffic simulation behind `npm run bench:verdict`: per 1-minute window, Poisson
 * request counts for both hosts, binomial failures, and latency bucket counts in Istio's
 * explicit bounds drawn from a log-normal fitted to each host's p50/p99 — exactly the
 * `TrafficWindow`s that judgeRates takes.
 */
import { logGamma } from '../src/domain/rates/binomial.js';
import type { LatencyHistogram } from '../src/domain/rates/latency-histogram.js';
import type { HostCounts, TrafficWindow } from '../src/domain/rates/traffic-window.js';
import type { Random } from '../test/support/seeded-random.js';

/** A 32-bit seed from several integers (murmur3's finalizer over a running mix), so each bake has a stream of its own. */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Exact inversion, searching outward from the mode (mode, mode+1, mode−1, mode+2, …): the same
 * distribution as inversion from 0, in O(σ) steps, so it is right for means of 0.003 and of 30,000.
 */
function fromMode(u: number, mode: number, pmfMode: number, hi: number, up: (k: number, pk: number) => number, down: (k: number, pk: number) => number): number {
  let rest = u - pmfMode;
  if (rest <= 0) return mode;
  let above = mode;
  let below = mode;
  let pAbove = pmfMode;
  let pBelow = pmfMode;
  for (;;) {
    const canUp = above < hi && pAbove > 0;
    const canDown = below > 0 && pBelow > 0;
    if (!canUp && !canDown) return mode; // only rounding mass (≈1e-15) is left
    if (canUp) {
      pAbove = up(above, pAbove);
      above++;
      rest -= pAbove;
      if (rest <= 0) return above;
    }
    if (canDown) {
      pBelow = down(below, pBelow);
      below--;
      rest -= pBelow;
      if (rest <= 0) return below;
    }
  }
}

export function poisson(rng: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  const mode = Math.floor(mean);
  const pmfMode = Math.exp(mode * Math.log(mean) - mean - logGamma(mode + 1));
  return fromMode(rng(), mode, pmfMode, Number.POSITIVE_INFINITY, (k, pk) => (pk * mean) / (k + 1), (k, pk) => (pk * k) / mean);
}

export function binomial(rng: Random, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const q = 1 - p;
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const logPmf = logGamma(n + 1) - logGamma(mode + 1) - logGamma(n - mode + 1) + mode * Math.log(p) + (n - mode) * Math.log1p(-p);
  return fromMode(rng(), mode, Math.exp(logPmf), n, (k, pk) => (pk * (n - k) * p) / ((k + 1) * q), (k, pk) => (pk * k * q) / ((n - k + 1) * p));
}

/** Istio's latency bucket bounds: 0, 1, 2, 4 … 2^19 ms. */
export const ISTIO_BOUNDS: readonly number[] = [0, ...Array.from({ length: 20 }, (_, i) => 2 ** i)];
const Z99 = 2.3263478740408408;

/** Φ(x), through erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** The share of a log-normal (median p50, 99th percentile p99) in each of Istio's buckets: underflow, [0,1), [1,2) … [2^18, 2^19), overflow. */
export function bucketShares(p50Ms: number, p99Ms: number): number[] {
  const mu = Math.log(p50Ms);
  const sigma = Math.log(p99Ms / p50Ms) / Z99;
  const cdf = (ms: number) => (ms <= 0 ? 0 : normalCdf((Math.log(ms) - mu) / sigma));
  const shares = [0];
  for (let i = 1; i < ISTIO_BOUNDS.length; i++) shares.push(cdf(ISTIO_BOUNDS[i] ?? 0) - cdf(ISTIO_BOUNDS[i - 1] ?? 0));
  shares.push(1 - cdf(ISTIO_BOUNDS.at(-1) ?? 0));
  return shares;
}

/** `count` requests spread over the buckets (a multinomial, as successive conditional binomials). */
export function sampleHistogram(rng: Random, count: number, shares: readonly number[]): LatencyHistogram {
  const counts = new Array<number>(shares.length).fill(0);
  let left = count;
  let mass = 1;
  for (let i = 0; i < shares.length && left > 0; i++) {
    const share = shares[i] ?? 0;
    const k = i === shares.length - 1 || share >= mass ? left : binomial(rng, left, share / mass);
    counts[i] = k;
    left -= k;
    mass -= share;
  }
  return { bounds: ISTIO_BOUNDS, counts };
}

export interface HostProfile {
  /** Mean requests per minute (Poisson). */
  readonly requestsPerMinute: number;
  /** Each request fails independently with this probability. */
  readonly failedShare: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const START_MS = Date.parse('2026-12-01T10:00:00Z');

/** `count` one-minute windows of both hosts, from one seeded stream. */
export function simulateWindows(rng: Random, to: HostProfile, from: HostProfile, count: number): TrafficWindow[] {
  const toShares = bucketShares(to.p50Ms, to.p99Ms);
  const fromShares = bucketShares(from.p50Ms, from.p99Ms);
  const host = (profile: HostProfile, shares: readonly number[]): HostCounts => {
    const requests = poisson(rng, profile.requestsPerMinute);
    return { requests, failed: binomial(rng, requests, profile.failedShare), latency: requests > 0 ? sampleHistogram(rng, requests, shares) : undefined };
  };
  return Array.from({ length: count }, (_, i) => ({ startMs: START_MS + i * 60_000, endMs: START_MS + (i + 1) * 60_000, to: host(to, toShares), from: host(from, fromShares) }));
}
