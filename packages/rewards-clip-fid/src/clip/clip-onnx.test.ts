import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RewardInput } from '../rewards/types';
import { loadClipModel } from './clip-onnx';
import { createClipReward } from './clip-reward';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from './preprocess';
import { tinyTextModel, TINY_VOCAB_SIZE, writeTinyClip, type TinyClip } from './tiny-clip-fixture';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiny-clip-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const letter = (ch: string): number => 'abcdefghijklmnopqrstuvwxyz-/'.indexOf(ch);
const end = (ch: string): number => 28 + letter(ch);
/** "a photo of a cat" / "a photo of a dog" in the tiny vocabulary, worked out by hand (see tokenizer.test.ts). */
const PROMPT_IDS = [
  [60, end('a'), 59, letter('o'), end('f'), end('a'), letter('c'), letter('a'), end('t'), 61],
  [60, end('a'), 59, letter('o'), end('f'), end('a'), letter('d'), letter('o'), end('g'), 61],
];

/** Two 28×28 test images: a horizontal ramp and a bright square. */
function images(): RewardInput {
  const img = new Float32Array(2 * 784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      img[y * 28 + x] = x / 27;
      img[784 + y * 28 + x] = x >= 8 && x < 20 && y >= 8 && y < 20 ? 1 : 0.1;
    }
  }
  return { images: img, classes: Int32Array.of(0, 1), batch: 2, height: 28, width: 28 };
}

/** The CLIP score computed by hand: 2×2 average pooling (= bilinear 28 → 14), normalisation, the tiny towers, cosine. */
function handScore(clip: TinyClip, input: RewardInput, i: number, cls: number, maskedMean = true): number {
  const s = clip.size;
  const px = new Float64Array(3 * s * s);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const at = (yy: number, xx: number): number => input.images[i * 784 + yy * 28 + xx] as number;
        const grey = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        px[c * s * s + y * s + x] = (grey - (CLIP_IMAGE_MEAN[c] as number)) / (CLIP_IMAGE_STD[c] as number);
      }
    }
  }
  const img = Array.from({ length: clip.dim }, (_, d) => px.reduce((acc, v, k) => acc + v * (clip.visionWeight[k * clip.dim + d] as number), 0));
  const ids = PROMPT_IDS[cls] as number[];
  const all = maskedMean ? ids : [...ids, ...new Array<number>(clip.contextLength - ids.length).fill(61)];
  const pooled = Array.from({ length: clip.width }, (_, e) => all.reduce((acc, id) => acc + (clip.embedding[id * clip.width + e] as number), 0) / all.length);
  const txt = Array.from({ length: clip.dim }, (_, d) => pooled.reduce((acc, v, e) => acc + v * (clip.projection[e * clip.dim + d] as number), 0));
  const dot = img.reduce((acc, v, d) => acc + v * (txt[d] as number), 0);
  const norm = (v: number[]): number => Math.sqrt(v.reduce((acc, x) => acc + x * x, 0));
  return 100 * Math.max(dot / (norm(img) * norm(txt)), 0);
}

describe('CLIP over ONNX (tiny CLIP-shaped model)', () => {
  it('reads the input size from the model and scores = a hand computation', async () => {
    const clip = await writeTinyClip(join(root, 'ok'), 1);
    const model = await loadClipModel(clip.dir);
    try {
      expect(model.image.height).toBe(14);
      expect(model.embedDim).toBe(8);
      expect(model.contextLength).toBe(77);
      const reward = createClipReward(model, ['cat', 'dog']);
      const input = images();
      const swapped = { ...input, classes: Int32Array.of(1, 0) };
      const out = [...(await reward(input)), ...(await reward(swapped))];
      const expected = [handScore(clip, input, 0, 0), handScore(clip, input, 1, 1), handScore(clip, input, 0, 1), handScore(clip, input, 1, 0)];
      out.forEach((v, k) => expect(v).toBeCloseTo(expected[k] as number, 3));
      expect(expected.some((v) => v > 1)).toBe(true); // a real cosine is compared ...
      expect(expected.some((v) => v === 0)).toBe(true); // ... and so is the clamp at 0
      expect(expected.every((v) => v >= 0 && v <= 100)).toBe(true);
    } finally {
      await model.dispose();
    }
  });

  it('works with a text tower without attention_mask (mean over all L positions)', async () => {
    const clip = await writeTinyClip(join(root, 'nomask'), 2);
    await writeFile(join(clip.dir, 'text_model.onnx'), tinyTextModel(clip.embedding, TINY_VOCAB_SIZE, clip.width, clip.projection, clip.dim, 77, false));
    const model = await loadClipModel(clip.dir);
    try {
      const input = images();
      const out = await createClipReward(model, ['cat', 'dog'])(input);
      expect(out[0]).toBeCloseTo(handScore(clip, input, 0, 0, false), 3);
      expect(out[1]).toBeCloseTo(handScore(clip, input, 1, 1, false), 3);
    } finally {
      await model.dispose();
    }
  });

  it('rejects models with other input/output names or ranks, naming expected and found', async () => {
    const named = await writeTinyClip(join(root, 'named'), 3, 14, 8, { inputName: 'x' });
    await expect(loadClipModel(named.dir)).rejects.toThrow(
      /vision_model.onnx is not a CLIP tower \(no tensor named "pixel_values"\); expected input "pixel_values" float32 \[batch, 3, H, W\].*found inputs x: float32 \[batch, 3, 14, 14\]/,
    );
    const flat = await writeTinyClip(join(root, 'flat'), 3, 14, 8, { flatInput: true });
    await expect(loadClipModel(flat.dir)).rejects.toThrow(/"pixel_values" is float32 of rank 2, expected float32 of rank 4/);
    const out = await writeTinyClip(join(root, 'out'), 3, 14, 8, { outputName: 'embeds' });
    await expect(loadClipModel(out.dir)).rejects.toThrow(/no tensor named "image_embeds".*outputs embeds: float32 \[batch, 8\]/);
    const swapped = await writeTinyClip(join(root, 'swapped'), 3);
    await writeFile(join(swapped.dir, 'text_model.onnx'), await import('node:fs/promises').then((fs) => fs.readFile(join(swapped.dir, 'vision_model.onnx'))));
    await expect(loadClipModel(swapped.dir)).rejects.toThrow(/text_model.onnx is not a CLIP tower \(no tensor named "input_ids"\)/);
    await expect(loadClipModel(named.dir.replace('named', 'ok'), { imageSize: 224 })).rejects.toThrow(/options.imageSize is 224 but the model's H = W = 14/);
  });

  it('names missing files', async () => {
    const clip = await writeTinyClip(join(root, 'missing'), 4);
    await unlink(join(clip.dir, 'text_model.onnx'));
    await expect(loadClipModel(clip.dir)).rejects.toThrow(/cannot read ".*text_model.onnx" \(file missing/);
    await unlink(join(clip.dir, 'tokenizer.json'));
    await expect(loadClipModel(clip.dir)).rejects.toThrow(/tokenizer.ts: cannot read ".*tokenizer.json" \(file missing\)/);
  });
});
