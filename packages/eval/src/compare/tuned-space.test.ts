import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annealedGumbelScale, maskedCountsForSteps, maskedCountsFromRatios, validateStepArrays } from '@speedrl/sampler';
import { Rng } from '@speedrl/core';
import { paramsAt, readTunedFile, searchSpace, stepArraysOf, trialSchema, tunedScheduleSchema } from './tuned-space';

describe('tuned schedule space', () => {
  it('puts the sampler defaults (cosine, temperature 1, τ0 = 4.5, w = 1) at the start point', () => {
    const space = searchSpace(true);
    const p = paramsAt(space, space.map((c) => c.defaultU));
    expect(p).toEqual({ scheduleWarp: 1, temperatureStart: 1, temperatureEnd: 1, gumbelStart: 4.5, cfgStart: 1, cfgEnd: 1 });
    for (const T of [2, 4, 12]) {
      const arrays = stepArraysOf(p, T);
      expect(Array.from(maskedCountsFromRatios(arrays.maskRatios ?? [], 49))).toEqual(Array.from(maskedCountsForSteps('cosine', T, 49)));
      expect(arrays.gumbelScales).toEqual(Array.from({ length: T }, (_, t) => annealedGumbelScale(4.5, t, T)));
      expect(arrays.cfgWeights).toEqual(new Array(T).fill(1));
    }
    expect(stepArraysOf(paramsAt(searchSpace(false), [0.5, 0.5, 0.5, 0.5]), 3).cfgWeights).toBeUndefined();
  });

  it('gives valid sampler step arrays anywhere in the cube', () => {
    const rng = Rng.fromSeed(5);
    const space = searchSpace(true);
    for (let i = 0; i < 50; i++) {
      const T = [1, 2, 3, 8, 49][i % 5] as number;
      const arrays = stepArraysOf(paramsAt(space, space.map(() => rng.uniform())), T);
      expect(() => validateStepArrays(arrays, T)).not.toThrow();
      expect(arrays.temperatures?.every((v) => v >= 0.5 && v <= 1.5)).toBe(true);
    }
  });

  it('names the file and field of a bad tuned file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuned-'));
    try {
      const path = join(dir, 't.json');
      writeFileSync(path, JSON.stringify({ format: 'speedrl-tuned-schedule', formatVersion: 1, model: 'm' }));
      expect(() => readTunedFile(path)).toThrow(/--tuned: .*t\.json: field "engine": Required/);
      expect(() => readTunedFile(join(dir, 'none.json'))).toThrow(/--tuned: cannot read ".*none\.json" as JSON \(ENOENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a trial or a result no search gives (an edited score would pick the schedule on --resume)', () => {
    const trial = { steps: 2, u: [0.5, 0.25], fcd: 7.1, nfePerImage: 4 };
    expect(trialSchema.safeParse(trial).success).toBe(true);
    for (const bad of [{ fcd: -5 }, { fcd: null }, { u: [1.5, 0] }, { nfePerImage: -1 }, { steps: 0 }]) {
      expect(trialSchema.safeParse({ ...trial, ...bad }).success).toBe(false);
    }
    const result = { steps: 2, params: {}, stepArrays: {}, score: 7.1, defaultScore: 7.3, nfePerImage: 4, candidates: 3 };
    expect(tunedScheduleSchema.safeParse(result).success).toBe(true);
    expect(tunedScheduleSchema.safeParse({ ...result, score: -5 }).error?.issues[0]?.message).toBe('a Fréchet distance is never negative');
  });
});
