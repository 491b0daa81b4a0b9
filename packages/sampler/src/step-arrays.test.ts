import { Rng } from '@speedrl/core';
import { DEFAULT_SAMPLER_CONFIG, resolveSamplerConfig } from './config';
import { fakeLogitsFn } from './testing/fake-logits';
import { sample } from './sample';
import { annealedGumbelScale, resolveStepParams, validateStepArrays } from './step-arrays';

describe('per-step schedule arrays (AutoNAT-style) and config', () => {
  const model = fakeLogitsFn(6, (cls, p, k) => Math.cos(k + p + cls));
  const base = { classes: [0, 1], seqLen: 20, vocabSize: 6, maskId: 6, rng: Rng.fromSeed(5) };

  it('uses the given ratio, temperature, Gumbel scale and CFG weight at each step', async () => {
    const stepArrays = {
      maskRatios: [0.75, 0.5, 0.1, 0],
      temperatures: [1.2, 1, 0.8, 0.5],
      gumbelScales: [3, 2, 1, 0.5],
      cfgWeights: [1, 2, 3, 4],
    };
    const res = await sample(model, { ...base, steps: 4, config: { stepArrays, guidance: { weight: 9, nullClassId: 10, warmup: 'none' } } });
    const r = res.trajectory.records;
    expect(r.map((x) => x.temperature)).toEqual(stepArrays.temperatures);
    expect(r.map((x) => x.gumbelScale)).toEqual(stepArrays.gumbelScales);
    expect(r.map((x) => x.cfgWeight)).toEqual(stepArrays.cfgWeights);
    expect(r.map((x) => x.maskedAfter[0])).toEqual([15, 10, 2, 0]);
    expect(res.nfe).toBe(8);
  });

  it('validates the arrays against T with the field named', () => {
    expect(() => validateStepArrays({ maskRatios: [0.5, 0] }, 3)).toThrow(/"stepArrays.maskRatios" must have length T=3, got 2/);
    expect(() => validateStepArrays({ maskRatios: [0.5, 0.6, 0] }, 3)).toThrow(/must be non-increasing, got 0.5 then 0.6 at step 1/);
    expect(() => validateStepArrays({ maskRatios: [0.5, 0.2, 0.1] }, 3)).toThrow(/must end at 0/);
    expect(() => validateStepArrays({ maskRatios: [1.5, 0.2, 0] }, 3)).toThrow(/"stepArrays.maskRatios\[0\]" must be in \[0, 1\], got 1.5/);
    expect(() => validateStepArrays({ temperatures: [1, -1, 1] }, 3)).toThrow(/"stepArrays.temperatures\[1\]" must be finite and ≥ 0, got -1/);
    expect(() => validateStepArrays({ gumbelScales: [1, 1, Number.NaN] }, 3)).toThrow(/gumbelScales\[2\]/);
    expect(() => validateStepArrays({ cfgWeights: [1, Infinity, 1] }, 3)).toThrow(/"stepArrays.cfgWeights\[1\]" must be finite/);
    expect(() => resolveSamplerConfig({ stepArrays: { cfgWeights: [1] } })).toThrow(/"stepArrays.cfgWeights" needs "guidance"/);
  });

  it('rejects arrays of the wrong length when sampling', async () => {
    await expect(sample(model, { ...base, steps: 4, config: { stepArrays: { temperatures: [1, 1] } } })).rejects.toThrow(
      /"stepArrays.temperatures" must have length T=4, got 2/,
    );
  });

  it('falls back to the scalar rules where no array is given', () => {
    const config = resolveSamplerConfig({ gumbelScale: 2, temperature: 0.9, stepArrays: { temperatures: [1, 0.5] } });
    expect(resolveStepParams(config, 1, 2)).toEqual({ temperature: 0.5, topK: 0, gumbelScale: 0, cfgWeight: null });
    expect(resolveStepParams(resolveSamplerConfig({ gumbelScale: 2 }), 0, 4)).toEqual({ temperature: 1, topK: 0, gumbelScale: 1.5, cfgWeight: null });
    expect(annealedGumbelScale(4.5, 9, 10)).toBe(0);
    expect(() => resolveStepParams(config, 2, 2)).toThrow(/step t must be an integer in \[0, 2\), got 2/);
  });

  it('has frozen defaults and rejects bad fields by name', () => {
    expect(Object.isFrozen(DEFAULT_SAMPLER_CONFIG)).toBe(true);
    expect(DEFAULT_SAMPLER_CONFIG.schedule).toBe('cosine');
    expect(() => resolveSamplerConfig({ temperature: -1 })).toThrow(/field "temperature" must be a finite number ≥ 0, got -1/);
    expect(() => resolveSamplerConfig({ topK: 1.5 })).toThrow(/field "topK" must be an integer ≥ 0, got 1.5/);
    expect(() => resolveSamplerConfig({ method: 'beam' as never })).toThrow(/field "method" must be "confidence", "halton" or "adaptive", got "beam"/);
    expect(() => resolveSamplerConfig({ schedule: 'nope' })).toThrow(/unknown schedule "nope"/);
    expect(() => resolveSamplerConfig({ guidance: { weight: Number.NaN, nullClassId: 10, warmup: 'none' } })).toThrow(/"guidance.weight" must be finite/);
  });

  it('refuses step arrays with holes or non-number entries (was: skipped by forEach, "0.5" compared as a number)', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => validateStepArrays({ temperatures: [1, , 1] as never }, 3)).toThrow(/field "stepArrays.temperatures\[1\]" must be a number \(finite and ≥ 0\), got undefined/);
    expect(() => validateStepArrays({ maskRatios: ['0.5', 0.2, 0] as never }, 3)).toThrow(/field "stepArrays.maskRatios\[0\]" must be a number \(in \[0, 1\]\), got "0.5"/);
    expect(() => validateStepArrays({ cfgWeights: [1, null, 1] as never }, 3)).toThrow(TypeError);
    expect(() => validateStepArrays({ gumbelScales: 'abc' as never }, 3)).toThrow(/field "stepArrays.gumbelScales" must be an array of T=3 numbers, got "abc"/);
    expect(() => validateStepArrays({ temperatures: [1, 0.5, 0], gumbelScales: Float64Array.from([2, 1, 0]) as never }, 3)).not.toThrow();
  });

  it('type-checks the non-numeric fields and quotes strings in its messages (was: "false" turned the Halton offset on)', () => {
    expect(() => resolveSamplerConfig({ haltonRandomOffset: 'false' as never })).toThrow(/field "haltonRandomOffset" must be a boolean \(true or false\), got "false"/);
    expect(() => resolveSamplerConfig({ haltonRandomOffset: 1 as never })).toThrow(TypeError);
    expect(resolveSamplerConfig({ haltonRandomOffset: true }).haltonRandomOffset).toBe(true);
    expect(() => resolveSamplerConfig({ schedule: ['pow-2'] as never })).toThrow(/field "schedule" must be a schedule name \(a string such as "cosine" or "pow-2"\), got \["pow-2"\]/);
    expect(() => resolveSamplerConfig({ adaptiveThreshold: '0.5' as never })).toThrow(/field "adaptiveThreshold" must be in \(0, 1\], got "0.5"/);
    expect(() => resolveSamplerConfig({ temperature: '3' as never })).toThrow(/field "temperature" must be a finite number ≥ 0, got "3"/);
    expect(() => resolveSamplerConfig({ topK: '3' as never })).toThrow(/field "topK" must be an integer ≥ 0, got "3"/);
    expect(() => resolveSamplerConfig({ guidance: { weight: '2' } as never })).toThrow(/field "guidance.weight" must be a finite number, got "2"/);
    expect(() => resolveSamplerConfig({ guidance: { warmup: 1 } as never })).toThrow(/field "guidance.warmup" must be "none" or "linear", got 1/);
  });

  it('refuses a misspelt field from plain JavaScript instead of sampling with the default', () => {
    expect(() => resolveSamplerConfig({ temprature: 0.5 } as never)).toThrow(/config.ts: unknown field "temprature"; expected only method, schedule, temperature/);
    expect(() => resolveSamplerConfig({ guidance: { wieght: 3 } } as never)).toThrow(/field "guidance": unknown field "wieght"/);
    expect(() => resolveSamplerConfig({ stepArrays: { temperature: [1, 0.5] } } as never)).toThrow(
      /field "stepArrays": unknown field "temperature"; expected only maskRatios, temperatures, gumbelScales, cfgWeights/,
    );
    // A field given as undefined (an unset option passed through) keeps its default.
    expect(resolveSamplerConfig({ temperature: undefined, gumbelScale: 2 }).temperature).toBe(1);
  });
});
