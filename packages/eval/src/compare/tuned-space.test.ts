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

  it('refuses, before any work, step arrays that are misspelt, malformed or not the ones its params give (the "tuned" row would run another schedule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuned-'));
    try {
      const params = paramsAt(searchSpace(false), [0.8, 0.7, 0.4, 0.6]);
      const schedule = { steps: 3, params, stepArrays: stepArraysOf(params, 3), score: 5, defaultScore: 6, nfePerImage: 3, candidates: 4 };
      const file = (edit: (s: Record<string, unknown>) => Record<string, unknown>): string => {
        const path = join(dir, 't.json');
        writeFileSync(path, JSON.stringify({
          format: 'speedrl-tuned-schedule', formatVersion: 1, model: 'm', engine: 'ort', searchBudget: 'b', trials: [],
          reference: { split: 'train', data: 'd', firstIndex: 50000, count: 100, classifier: 'c' },
          search: { method: 'random', seed: 1, seeds: [1], n: 10, candidatesPerT: 4, cfg: false, space: [] },
          schedules: { 3: edit({ ...schedule, stepArrays: { ...schedule.stepArrays } }) },
        }));
        return path;
      };
      expect(readTunedFile(file((s) => s)).schedules['3']?.stepArrays.maskRatios).toHaveLength(3);
      const arrays = schedule.stepArrays;
      const { maskRatios, ...noRatios } = arrays;
      expect(() => readTunedFile(file((s) => ({ ...s, stepArrays: { ...noRatios, maskRatio: maskRatios } })))).toThrow(/field "schedules\.3\.stepArrays(\.maskRatios)?": (Required|Unrecognized key)/);
      expect(() => readTunedFile(file((s) => ({ ...s, stepArrays: { ...arrays, maskRatios: [0.5, 0.2, 0.1, 0] } })))).toThrow(
        /--tuned: .*t\.json: field "schedules\.3\.stepArrays" is not a schedule of T = 3 steps \(field "maskRatios" must have length T=3, got 4\)/,
      );
      expect(() => readTunedFile(file((s) => ({ ...s, stepArrays: { ...arrays, temperatures: [1, 1, 1] } })))).toThrow(
        /field "schedules\.3\.stepArrays\.temperatures" does not follow from its params at step 0 .*edited by hand\? Rerun tune-schedule/,
      );
      expect(() => readTunedFile(file((s) => ({ ...s, stepArrays: { ...arrays, cfgWeights: [2, 2, 2] } })))).toThrow(/cfgWeights" has no cfgStart\/cfgEnd params/);
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
    const result = { steps: 2, params: {}, stepArrays: stepArraysOf({}, 2), score: 7.1, defaultScore: 7.3, nfePerImage: 4, candidates: 3 };
    expect(tunedScheduleSchema.safeParse(result).success).toBe(true);
    expect(tunedScheduleSchema.safeParse({ ...result, score: -5 }).error?.issues[0]?.message).toBe('a Fréchet distance is never negative');
  });
});
