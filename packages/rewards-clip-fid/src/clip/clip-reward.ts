/**
 * The `clip` reward (docs/architecture.md, "Speed-RL objective"): CLIP score (Hessel et al. 2021, "CLIPScore",
 * with w = 100 as in torchmetrics) = 100 × max(cos(image embedding, text embedding), 0), the text being the
 * conditioning class's prompt. Works on any {@link ClipEncoder}; `clip-onnx.ts` provides one over ONNX files.
 */
import { mergeConfig } from '@speedrl/core';
import { checkRewardInput, type RewardFn } from '../rewards/types';
import { toClipPixels, type ClipImageSpec } from './preprocess';

/** A CLIP model seen from the reward: image and text towers producing embeddings of the same size. */
export interface ClipEncoder {
  /** Input size and normalisation of the image tower. */
  readonly image: ClipImageSpec;
  /** Embedding size D. */
  readonly embedDim: number;
  /** Image embeddings `[count, D]` of `pixel_values` `[count, 3, H, W]` (already normalised). */
  embedImages(pixelValues: Float32Array, count: number): Promise<Float32Array>;
  /** Text embeddings `[texts.length, D]`. */
  embedTexts(texts: readonly string[]): Promise<Float32Array>;
}

/** Settings of {@link createClipReward}. */
export interface ClipRewardConfig {
  /** Prompt per class; `{name}` is replaced by the class name. */
  readonly promptTemplate: string;
  /** Images per `embedImages` call. */
  readonly batchSize: number;
}

/** Defaults of {@link ClipRewardConfig}. */
export const DEFAULT_CLIP_REWARD_CONFIG: Readonly<ClipRewardConfig> = Object.freeze({
  promptTemplate: 'a photo of a {name}', // the CLIP paper's default zero-shot template (Radford et al. 2021 §3.1.4)
  batchSize: 32, // a ViT-B at 224² uses ~0.1 GB of activations per 32 images
});

/** 100 × max(cos(a_i, b_j), 0) of rows `a[i]` and `b[j]` (both `[·, dim]`); NaN if either row has zero norm. */
export function clipScore(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < dim; k++) {
    const x = a[i * dim + k] as number;
    const y = b[j * dim + k] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return NaN;
  return 100 * Math.max(dot / Math.sqrt(na * nb), 0);
}

/** The prompt of each class name under `template` ("a photo of a {name}"). */
export function classPrompts(classNames: readonly string[], template = DEFAULT_CLIP_REWARD_CONFIG.promptTemplate): string[] {
  if (!template.includes('{name}')) throw new Error(`clip-reward.ts: promptTemplate must contain "{name}", got "${template}"`);
  return classNames.map((name) => template.split('{name}').join(name));
}

/**
 * A reward giving each sample the CLIP score of its image against its class prompt. Prompts are embedded once, on
 * the first call. A zero-norm embedding yields NaN ("no score").
 */
export function createClipReward(encoder: ClipEncoder, classNames: readonly string[], config: Partial<ClipRewardConfig> = {}): RewardFn {
  const where = 'clip reward';
  const cfg = mergeConfig(DEFAULT_CLIP_REWARD_CONFIG, config, 'clip-reward.ts createClipReward');
  if (classNames.length === 0) throw new Error(`${where}: classNames is empty; expected one name per class`);
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) throw new RangeError(`${where}: batchSize must be a positive integer, got ${cfg.batchSize}`);
  const prompts = classPrompts(classNames, cfg.promptTemplate);
  const dim = encoder.embedDim;
  let textEmbeds: Promise<Float32Array> | undefined;
  const checked = async (): Promise<Float32Array> => {
    const t = await encoder.embedTexts(prompts);
    if (t.length !== prompts.length * dim) throw new Error(`${where}: text embeddings have length ${t.length}; expected ${prompts.length} × ${dim}`);
    return t;
  };
  return async (input) => {
    const batch = checkRewardInput(input, where, classNames.length);
    textEmbeds ??= checked().catch((error: unknown) => {
      textEmbeds = undefined; // a failed first call must not poison later ones
      throw error;
    });
    const text = await textEmbeds;
    const out = new Float32Array(batch);
    for (let start = 0; start < batch; start += cfg.batchSize) {
      const n = Math.min(cfg.batchSize, batch - start);
      const px = input.height * input.width;
      const pixels = toClipPixels(input.images.subarray(start * px, (start + n) * px), n, input.height, input.width, encoder.image);
      const img = await encoder.embedImages(pixels, n);
      if (img.length !== n * dim) throw new Error(`${where}: image embeddings have length ${img.length}; expected ${n} × ${dim}`);
      for (let i = 0; i < n; i++) out[start + i] = clipScore(img, i, text, input.classes[start + i] as number, dim);
    }
    return out;
  };
}
