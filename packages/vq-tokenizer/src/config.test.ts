import { learningRateAt } from '@speedrl/core';
import { TF_ADAM_DEFAULTS } from '@speedrl/tensor-utils';
import { DEFAULT_VQ_CONFIG, latentSide, resolveVqConfig, tokensPerImage, validateVqConfig, vqLrSchedule, vqPreset, VQ_PRESETS, type VqConfig } from './config';

/** The schedule as `train` computed it before the schedules moved to @speedrl/core: the oracle of the test below. */
function legacyLearningRateAt(config: Readonly<VqConfig>, step: number, totalSteps: number): number {
  const progress = totalSteps <= 1 ? 0 : Math.min(1, step / (totalSteps - 1));
  const floor = config.learningRateFloor;
  return config.learningRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
import { vqParamShapes } from './model';

describe('VqConfig', () => {
  it('defaults to the 7×7, K = 512 tokenizer of docs/architecture.md and is frozen', () => {
    expect(DEFAULT_VQ_CONFIG).toMatchObject({ imageSize: 28, downsample: 4, codebookSize: 512, beta: 0.25, emaDecay: 0.99 });
    expect(tokensPerImage(DEFAULT_VQ_CONFIG)).toBe(49);
    expect(latentSide(resolveVqConfig({ downsample: 2 }))).toBe(14);
    expect(Object.isFrozen(DEFAULT_VQ_CONFIG)).toBe(true);
    expect(Object.isFrozen(VQ_PRESETS.tiny)).toBe(true);
    expect(() => {
      (DEFAULT_VQ_CONFIG as { beta: number }).beta = 1;
    }).toThrow();
  });

  it('has a tiny preset with K = 16 and the fmnist preset with K = 512', () => {
    expect(vqPreset('tiny').codebookSize).toBe(16);
    expect(vqPreset('fmnist').codebookSize).toBe(512);
    expect(() => vqPreset('huge')).toThrow('unknown preset "huge"; expected one of tiny, fmnist');
  });

  it('keeps the fmnist preset small enough to train on a laptop CPU (≈ 0.27 M weights)', () => {
    let count = 0;
    for (const shape of vqParamShapes(VQ_PRESETS.fmnist).values()) count += shape.reduce((a, b) => a * b, 1);
    expect(count).toBe(265_681);
  });

  it('decays the learning rate by a cosine from learningRate to learningRate × learningRateFloor', () => {
    const cfg = resolveVqConfig({ learningRate: 1e-3, learningRateFloor: 0.1 });
    const lr = (c: Readonly<VqConfig>, step: number, total: number): number => learningRateAt(step, vqLrSchedule(c, total));
    expect(lr(cfg, 0, 101)).toBeCloseTo(1e-3, 12);
    expect(lr(cfg, 50, 101)).toBeCloseTo(0.55e-3, 12);
    expect(lr(cfg, 100, 101)).toBeCloseTo(1e-4, 12);
    expect(lr(resolveVqConfig({ learningRateFloor: 1 }), 60, 101)).toBe(cfg.learningRate);
    expect(lr(cfg, 0, 1)).toBe(1e-3);
  });

  it('trains on the same float32 step sizes as the schedule had before it moved to @speedrl/core', () => {
    // The presets with the shipped floor (0.1), the CLI's default --lr-floor 1 (constant: the 64- and 96-channel runs)
    // and other floors, over run lengths of 1 step to 20 epochs. Floors 0 and 1 give the same double; the others may
    // differ in the last bits of the double (the formulas round in another order: at most 3 units in the last place
    // here), never in the float32 values Adam uses: the learning rate and its bias-corrected step size
    // lr·√(1 − β2^t)/(1 − β1^t) (tfAdamWUpdate).
    const { beta1, beta2 } = TF_ADAM_DEFAULTS;
    const stepSize = (lr: number, t: number): number => Math.fround((lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t));
    const mismatches: string[] = [];
    for (const [presetName, preset] of Object.entries(VQ_PRESETS)) {
      for (const floor of [0.1, 1, 0, 0.05, 0.5]) {
        const cfg = resolveVqConfig({ learningRateFloor: floor }, preset);
        for (const total of [1, 2, 101, 2811, 15_620, 18_740]) {
          const schedule = vqLrSchedule(cfg, total);
          for (let step = 0; step < total; step++) {
            const now = learningRateAt(step, schedule);
            const before = legacyLearningRateAt(cfg, step, total);
            if (now === before) continue;
            const ulps = Math.abs(now - before) / 2 ** (Math.floor(Math.log2(before)) - 52);
            const exact = floor === 0 || floor === 1;
            if (exact || ulps > 4 || Math.fround(now) !== Math.fround(before) || stepSize(now, step + 1) !== stepSize(before, step + 1)) {
              mismatches.push(`${presetName} floor ${floor} total ${total} step ${step}: ${now} vs ${before}`);
            }
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('names the field, what was expected and what was found', () => {
    expect(() => resolveVqConfig({ downsample: 3 as 4 })).toThrow('vq config: field "downsample" must be 2 or 4, got 3');
    expect(() => resolveVqConfig({ emaDecay: 1 })).toThrow('field "emaDecay" must be a number in [0, 1), got 1');
    expect(() => resolveVqConfig({ channels: 10 })).toThrow('field "channels" must be a positive multiple of 4, got 10');
    expect(() => validateVqConfig({ ...DEFAULT_VQ_CONFIG, extra: 1 }, 'cfg.json')).toThrow('cfg.json: unknown field "extra"');
    expect(() => validateVqConfig({ ...DEFAULT_VQ_CONFIG, beta: undefined })).toThrow('field "beta" must be a finite number ≥ 0, got undefined');
    expect(() => resolveVqConfig({ imageSize: 30 })).toThrow('field "imageSize" (30) must be divisible by "downsample" (4)');
    expect(() => validateVqConfig(null)).toThrow('vq config: expected an object of VqConfig fields, got null');
    // an override given as undefined (an unset option passed through) keeps the base value; a misspelt one is refused
    expect(resolveVqConfig({ codebookSize: undefined, channels: 64 })).toEqual({ ...DEFAULT_VQ_CONFIG, channels: 64 });
    expect(() => resolveVqConfig({ codebookSiz: 5 } as never)).toThrow('resolveVqConfig: unknown field "codebookSiz"');
  });
});
