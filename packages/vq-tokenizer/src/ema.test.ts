import { Rng } from '@speedrl/core';
import { codebookFromEma, codeUsage, emaUpdate, restartDeadCodes } from './ema';

describe('emaUpdate', () => {
  it('matches the appendix A.1 update worked by hand (no smoothing)', () => {
    // K = 2 codes, D = 2; vectors (1,0) and (3,0) go to code 0, (0,2) to code 1; γ = 0.5.
    const state = { clusterSize: new Float32Array([1, 1]), embedSum: new Float32Array([0, 0, 0, 0]) };
    const codebook = emaUpdate(state, new Float32Array([1, 0, 3, 0, 0, 2]), new Int32Array([0, 0, 1]), 2, 0.5, 0);
    // N = 0.5·[1, 1] + 0.5·[2, 1] = [1.5, 1];  m0 = 0.5·(4, 0) = (2, 0);  m1 = 0.5·(0, 2) = (0, 1).
    expect(Array.from(state.clusterSize)).toEqual([1.5, 1]);
    expect(Array.from(state.embedSum)).toEqual([2, 0, 0, 1]);
    expect(codebook[0]).toBeCloseTo(2 / 1.5, 6);
    expect(codebook[1]).toBe(0);
    expect(Array.from(codebook.subarray(2))).toEqual([0, 1]);
  });

  it('applies Laplace smoothing Ñ_i = (N_i + ε)/(n + Kε)·n', () => {
    const state = { clusterSize: new Float32Array([3, 0]), embedSum: new Float32Array([6, 3, 0, 0]) };
    const eps = 0.5;
    const codebook = codebookFromEma(state, 2, eps);
    // n = 3, K = 2: Ñ0 = 3.5/4·3 = 2.625, Ñ1 = 0.5/4·3 = 0.375.
    expect(codebook[0]).toBeCloseTo(6 / 2.625, 5);
    expect(codebook[1]).toBeCloseTo(3 / 2.625, 5);
    expect(Array.from(codebook.subarray(2))).toEqual([0, 0]);
  });

  it('leaves an unused code where it was while its statistics decay together', () => {
    const state = { clusterSize: new Float32Array([2, 4]), embedSum: new Float32Array([2, 4, 8, 8]) };
    const codebook = emaUpdate(state, new Float32Array([10, 10]), new Int32Array([1]), 2, 0.9, 0);
    expect(state.clusterSize[0]).toBeCloseTo(1.8, 6);
    expect(codebook[0]).toBeCloseTo(1, 5);
    expect(codebook[1]).toBeCloseTo(2, 5);
  });

  it('rejects an out-of-range assignment', () => {
    const state = { clusterSize: new Float32Array(2), embedSum: new Float32Array(4) };
    expect(() => emaUpdate(state, new Float32Array([1, 1]), new Int32Array([2]), 2, 0.9, 0)).toThrow('assignment 0 is 2, expected an integer in [0, 2)');
  });
});

describe('restartDeadCodes', () => {
  it('re-seeds codes below the threshold from batch vectors and gives them a fair share of the counts', () => {
    const state = { clusterSize: new Float32Array([5, 0.1, 3]), embedSum: new Float32Array([5, 5, 99, 99, 3, 3]) };
    const codebook = new Float32Array([1, 1, 99, 99, 1, 1]);
    const vectors = new Float32Array([7, 8, -1, -2, 4, 4]);
    const restarted = restartDeadCodes(state, codebook, vectors, 2, 1, Rng.fromSeed(3));
    expect(Array.from(restarted)).toEqual([1]);
    const moved = [codebook[2], codebook[3]];
    expect([[7, 8], [-1, -2], [4, 4]]).toContainEqual(moved);
    const share = (5 + 0.1 + 3) / 3;
    expect(state.clusterSize[1]).toBeCloseTo(share, 5);
    expect(state.embedSum[2]).toBeCloseTo(moved[0]! * share, 4);
    // Live codes are untouched.
    expect(Array.from(codebook.subarray(0, 2))).toEqual([1, 1]);
    expect(state.clusterSize[0]).toBe(5);
  });

  it('does nothing when every code is alive', () => {
    const state = { clusterSize: new Float32Array([2, 2]), embedSum: new Float32Array(4) };
    expect(restartDeadCodes(state, new Float32Array(4), new Float32Array([1, 1]), 2, 1, Rng.fromSeed(1)).length).toBe(0);
  });
});

describe('codeUsage', () => {
  it('gives perplexity K for uniform use and 1 for a single code', () => {
    expect(codeUsage(new Int32Array([0, 1, 2, 3]), 4).perplexity).toBeCloseTo(4, 10);
    const one = codeUsage(new Int32Array([2, 2, 2]), 4);
    expect(one.perplexity).toBeCloseTo(1, 10);
    expect(one.usage).toBe(0.25);
    // p = (1/2, 1/4, 1/4): exp(H) = exp(1.5 ln 2) = 2^1.5.
    expect(codeUsage(new Int32Array([0, 0, 1, 2]), 8).perplexity).toBeCloseTo(2 ** 1.5, 10);
  });
});
