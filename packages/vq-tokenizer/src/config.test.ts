import { DEFAULT_VQ_CONFIG, latentSide, learningRateAt, resolveVqConfig, tokensPerImage, validateVqConfig, vqPreset, VQ_PRESETS } from './config';
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
    expect(learningRateAt(cfg, 0, 101)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(cfg, 50, 101)).toBeCloseTo(0.55e-3, 12);
    expect(learningRateAt(cfg, 100, 101)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(resolveVqConfig({ learningRateFloor: 1 }), 60, 101)).toBeCloseTo(cfg.learningRate, 12);
  });

  it('names the field, what was expected and what was found', () => {
    expect(() => resolveVqConfig({ downsample: 3 as 4 })).toThrow('vq config: field "downsample" must be 2 or 4, got 3');
    expect(() => resolveVqConfig({ emaDecay: 1 })).toThrow('field "emaDecay" must be a number in [0, 1), got 1');
    expect(() => resolveVqConfig({ channels: 10 })).toThrow('field "channels" must be a positive multiple of 4, got 10');
    expect(() => validateVqConfig({ ...DEFAULT_VQ_CONFIG, extra: 1 }, 'cfg.json')).toThrow('cfg.json: unknown field "extra"');
    expect(() => validateVqConfig({ ...DEFAULT_VQ_CONFIG, beta: undefined })).toThrow('field "beta" must be a finite number ≥ 0, got undefined');
    expect(() => resolveVqConfig({ imageSize: 30 })).toThrow('field "imageSize" (30) must be divisible by "downsample" (4)');
    expect(() => validateVqConfig(null)).toThrow('vq config: expected an object of VqConfig fields, got null');
  });
});
