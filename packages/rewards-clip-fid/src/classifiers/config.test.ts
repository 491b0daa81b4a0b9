import {
  CLASSIFIER_SEEDS, classifierLearningRate, classifierPreset, defaultClassifierConfig, DEFAULT_EVAL_CLASSIFIER_CONFIG,
  DEFAULT_REWARD_CLASSIFIER_CONFIG, resolveClassifierConfig, validateClassifierConfig,
} from './config';
import { classifierParamShapes } from './model';

describe('classifier configs', () => {
  it('defaults are valid and frozen', () => {
    for (const cfg of [DEFAULT_REWARD_CLASSIFIER_CONFIG, DEFAULT_EVAL_CLASSIFIER_CONFIG]) {
      expect(validateClassifierConfig(cfg)).toEqual(cfg);
      expect(Object.isFrozen(cfg)).toBe(true);
      expect(Object.isFrozen(cfg.stageChannels)).toBe(true);
    }
    expect(defaultClassifierConfig('reward')).toBe(DEFAULT_REWARD_CLASSIFIER_CONFIG);
    expect(defaultClassifierConfig('eval')).toBe(DEFAULT_EVAL_CLASSIFIER_CONFIG);
  });

  it("the two roles' default architectures and seeds differ", () => {
    const r = DEFAULT_REWARD_CLASSIFIER_CONFIG;
    const e = DEFAULT_EVAL_CLASSIFIER_CONFIG;
    expect(e.stageChannels).not.toEqual(r.stageChannels);
    expect(e.stageResBlocks).not.toEqual(r.stageResBlocks);
    expect(e.pooling).not.toBe(r.pooling);
    expect(e.featureDim).not.toBe(r.featureDim);
    expect(e.dropout).toBeGreaterThan(r.dropout);
    const rs = classifierParamShapes(r);
    const es = classifierParamShapes(e);
    expect([...es.keys()]).not.toEqual([...rs.keys()]); // the eval network has residual-block parameters
    expect([...es.keys()].some((k) => k.includes('.res0.'))).toBe(true);
    expect([...rs.keys()].some((k) => k.includes('.res'))).toBe(false);
    expect(CLASSIFIER_SEEDS.eval).not.toBe(CLASSIFIER_SEEDS.reward);
    // the tiny presets keep the roles apart too
    expect(classifierPreset('eval', 'tiny').stageResBlocks).not.toEqual(classifierPreset('reward', 'tiny').stageResBlocks);
  });

  it('parameter shapes follow the config', () => {
    const shapes = classifierParamShapes(DEFAULT_REWARD_CLASSIFIER_CONFIG);
    expect(shapes.get('stage0.conv.weight')).toEqual([3, 3, 4, 32]);
    expect(shapes.get('stage1.conv.weight')).toEqual([3, 3, 32, 64]);
    expect(shapes.get('fc.weight')).toEqual([7 * 7 * 64, 128]);
    expect(shapes.get('head.weight')).toEqual([128, 10]);
    expect(classifierParamShapes(DEFAULT_EVAL_CLASSIFIER_CONFIG).get('stage1.res0.conv2.weight')).toEqual([3, 3, 48, 48]);
  });

  it('rejects bad fields with the field name and what was expected', () => {
    expect(() => resolveClassifierConfig('reward', { dropout: 1 })).toThrow('field "dropout" must be a number in [0, 1), got 1');
    expect(() => resolveClassifierConfig('eval', { stageChannels: [] })).toThrow('field "stageChannels" must be a non-empty array');
    expect(() => resolveClassifierConfig('eval', { stageResBlocks: [1] })).toThrow('field "stageResBlocks" must be an array of 2 non-negative integers');
    expect(() => resolveClassifierConfig('reward', { kernelSize: 4 })).toThrow('field "kernelSize" must be a positive odd integer');
    expect(() => resolveClassifierConfig('reward', { imageSize: 30 })).toThrow('field "imageSize" (30) must be divisible by 2^stages = 4');
    expect(() => validateClassifierConfig({ ...DEFAULT_REWARD_CLASSIFIER_CONFIG, pooling: 'min' }, 'x.json')).toThrow('x.json: field "pooling" must be "avg" or "max", got "min"');
    expect(() => validateClassifierConfig({ ...DEFAULT_REWARD_CLASSIFIER_CONFIG, width: 3 })).toThrow('unknown field "width"');
    expect(resolveClassifierConfig('reward', { learningRate: undefined })).toEqual(resolveClassifierConfig('reward'));
    expect(() => classifierPreset('reward', 'huge')).toThrow('unknown preset "huge"; expected one of tiny, fmnist');
    expect(() => defaultClassifierConfig('judge' as never)).toThrow('role must be "reward" or "eval", got "judge"');
  });

  it('learning rate: linear warm-up, then cosine down to the floor', () => {
    const cfg = resolveClassifierConfig('reward', { learningRate: 1, learningRateFloor: 0.1, warmupSteps: 3 });
    expect(classifierLearningRate(cfg, 0, 14)).toBeCloseTo(0.25, 12);
    expect(classifierLearningRate(cfg, 2, 14)).toBeCloseTo(0.75, 12);
    expect(classifierLearningRate(cfg, 3, 14)).toBeCloseTo(1, 12);
    expect(classifierLearningRate(cfg, 8, 14)).toBeCloseTo(0.55, 12); // halfway through the 10 decay steps
    expect(classifierLearningRate(cfg, 13, 14)).toBeCloseTo(0.1, 12);
  });
});
