/**
 * A CLIP model from ONNX files on disk, run with onnxruntime-node (loaded through `ort-runtime.ts` only when a model is
 * opened: it is an optional peer dependency, so the classifier rewards and the metrics never need it).
 *
 * Expected directory layout (the common Hugging Face / Optimum / transformers.js export of CLIPVisionModelWithProjection
 * and CLIPTextModelWithProjection; names in {@link CLIP_ONNX_FILES} and {@link CLIP_ONNX_IO}):
 * - `vision_model.onnx`: input `pixel_values` float32 `[batch, 3, H, W]` → output `image_embeds` float32 `[batch, D]`
 *   (other outputs, e.g. `last_hidden_state`, are ignored). H = W is read from the model when fixed, else from
 *   `options.imageSize`, else `preprocessor_config.json` (`crop_size`), else 224.
 * - `text_model.onnx`: input `input_ids` int64 (or int32) `[batch, L]` and optionally `attention_mask` (same type) →
 *   output `text_embeds` float32 `[batch, D]`. L is read from the model when fixed, else `options.contextLength` (77).
 * - `tokenizer.json`: the Hugging Face CLIP BPE tokenizer (see `tokenizer.ts`).
 * - `preprocessor_config.json` (optional): `image_mean`, `image_std`, `crop_size`; CLIP's constants otherwise.
 * Offline only: nothing is downloaded. A model with other names or ranks is rejected naming what was expected and found.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { createOrtSession, onnxRuntime } from '../ort-runtime';
import type { ClipEncoder } from './clip-reward';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, type ClipImageSpec } from './preprocess';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer';

/** File names inside a CLIP model directory. */
export const CLIP_ONNX_FILES = Object.freeze({
  vision: 'vision_model.onnx',
  text: 'text_model.onnx',
  tokenizer: 'tokenizer.json',
  preprocessor: 'preprocessor_config.json',
});

/** Input and output names of the two CLIP graphs. */
export const CLIP_ONNX_IO = Object.freeze({
  pixelValues: 'pixel_values',
  imageEmbeds: 'image_embeds',
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  textEmbeds: 'text_embeds',
});

/** Options of {@link loadClipModel}. */
export interface ClipOnnxOptions {
  /** Image side when the model's H, W are symbolic (must match when they are fixed). */
  readonly imageSize?: number;
  /** Token sequence length when the model's L is symbolic (must match when fixed); CLIP uses 77. */
  readonly contextLength?: number;
  /** Largest batch per `run` when the model's batch dimension is symbolic (default 32). */
  readonly batchSize?: number;
  /** Threads inside one op (default 2: the cores of our machines). */
  readonly intraOpNumThreads?: number;
  /** Overrides the tokenizer's padding id. */
  readonly padId?: number;
}

/** A loaded CLIP model: a {@link ClipEncoder} plus its sessions (call `dispose`). */
export type ClipOnnxModel = ClipEncoder & {
  readonly dir: string;
  readonly contextLength: number;
  readonly tokenizer: ClipTokenizer;
  /** Releases the onnxruntime sessions. */
  dispose(): Promise<void>;
};

type Meta = { name: string; isTensor?: boolean; type?: string; shape?: ReadonlyArray<number | string> };

const EXPECTED_VISION = `input "${CLIP_ONNX_IO.pixelValues}" float32 [batch, 3, H, W] and output "${CLIP_ONNX_IO.imageEmbeds}" float32 [batch, D]`;
const EXPECTED_TEXT =
  `input "${CLIP_ONNX_IO.inputIds}" int64|int32 [batch, L] (+ optional "${CLIP_ONNX_IO.attentionMask}" of the same type) ` +
  `and output "${CLIP_ONNX_IO.textEmbeds}" float32 [batch, D]`;

function describe(list: readonly Meta[]): string {
  return list.map((m) => (m.isTensor === false ? `${m.name} (not a tensor)` : `${m.name}: ${m.type ?? '?'} [${(m.shape ?? []).join(', ')}]`)).join('; ');
}

function signatureError(path: string, expected: string, session: ort.InferenceSession, why: string): never {
  const found = `inputs ${describe(session.inputMetadata as readonly Meta[])}; outputs ${describe(session.outputMetadata as readonly Meta[])}`;
  throw new Error(`clip-onnx.ts: ${path} is not a CLIP tower (${why}); expected ${expected}; found ${found}`);
}

/** The tensor `name` of `list` with one of `types` and `rank`, or a signature error. */
function findTensor(list: readonly Meta[], name: string, types: readonly string[], rank: number, fail: (why: string) => never): Required<Meta> {
  const m = list.find((x) => x.name === name);
  if (m === undefined || m.isTensor === false) return fail(`no tensor named "${name}"`);
  const shape = m.shape ?? [];
  if (!types.includes(m.type ?? '') || shape.length !== rank) return fail(`"${name}" is ${m.type ?? '?'} of rank ${shape.length}, expected ${types.join('|')} of rank ${rank}`);
  return { name, isTensor: true, type: m.type as string, shape };
}

async function openSession(rt: typeof ort, path: string, threads: number): Promise<ort.InferenceSession> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`clip-onnx.ts: cannot read "${path}"${code === 'ENOENT' ? ' (file missing; a CLIP directory needs vision_model.onnx, text_model.onnx and tokenizer.json)' : `: ${String(error)}`}`);
  }
  try {
    return await createOrtSession(rt, bytes, threads);
  } catch (error) {
    throw new Error(`clip-onnx.ts: onnxruntime cannot load "${path}": ${(error as Error).message}`);
  }
}

/** Image mean / std / crop size from an optional `preprocessor_config.json`. */
async function readPreprocessor(path: string): Promise<{ size?: number; mean: readonly number[]; std: readonly number[] }> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { mean: CLIP_IMAGE_MEAN, std: CLIP_IMAGE_STD };
    throw new Error(`clip-onnx.ts: cannot parse "${path}": ${(error as Error).message}`);
  }
  const triple = (key: string, fallback: readonly number[]): readonly number[] => {
    const v = json[key];
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`clip-onnx.ts: "${path}" field ${key} must be 3 finite numbers, got ${JSON.stringify(v)}`);
    }
    return v as number[];
  };
  const crop = json.crop_size as number | { height?: number } | undefined;
  const size = typeof crop === 'number' ? crop : crop?.height;
  return { ...(typeof size === 'number' ? { size } : {}), mean: triple('image_mean', CLIP_IMAGE_MEAN), std: triple('image_std', CLIP_IMAGE_STD) };
}

/** A fixed dimension of `shape` or undefined when symbolic. */
function fixed(shape: ReadonlyArray<number | string>, axis: number): number | undefined {
  const d = shape[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** Runs `session` over `count` rows in chunks (zero-padding the last chunk when the batch dimension is fixed). */
async function runChunked(
  session: ort.InferenceSession, count: number, rowFeeds: (start: number, n: number, padded: number) => Record<string, ort.Tensor>,
  output: string, fixedBatch: number | undefined, batchSize: number, dim: number | undefined, path: string,
): Promise<Float32Array> {
  const chunk = fixedBatch ?? batchSize;
  const parts: Float32Array[] = [];
  let width = dim;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const result = await session.run(rowFeeds(start, n, fixedBatch ?? n), [output]);
    const t = result[output];
    if (t === undefined || !(t.data instanceof Float32Array) || t.dims.length !== 2) throw new Error(`clip-onnx.ts: ${path} returned no float32 [batch, D] "${output}"`);
    width ??= t.dims[1] as number;
    if (t.dims[1] !== width) throw new Error(`clip-onnx.ts: ${path} "${output}" has D = ${t.dims[1]}; expected ${width}`);
    parts.push(t.data.subarray(0, n * width));
  }
  const out = new Float32Array(count * (width ?? 0));
  parts.forEach((p, i) => out.set(p, i * chunk * (width ?? 0)));
  return out;
}

/** Opens a CLIP model directory (layout in the module doc) as a {@link ClipOnnxModel}; throws naming any mismatch. */
export async function loadClipModel(dir: string, options: ClipOnnxOptions = {}): Promise<ClipOnnxModel> {
  const threads = options.intraOpNumThreads ?? 2;
  const batchSize = options.batchSize ?? 32;
  const visionPath = join(dir, CLIP_ONNX_FILES.vision);
  const textPath = join(dir, CLIP_ONNX_FILES.text);
  const tokenizer = await loadClipTokenizer(join(dir, CLIP_ONNX_FILES.tokenizer), options.padId === undefined ? {} : { padId: options.padId });
  const prep = await readPreprocessor(join(dir, CLIP_ONNX_FILES.preprocessor));
  const rt = await onnxRuntime('clip-onnx.ts: the CLIP reward');
  const vision = await openSession(rt, visionPath, threads);
  let text: ort.InferenceSession | undefined;
  try {
    text = await openSession(rt, textPath, threads);
    const vFail = (why: string): never => signatureError(visionPath, EXPECTED_VISION, vision, why);
    const tFail = (why: string): never => signatureError(textPath, EXPECTED_TEXT, text as ort.InferenceSession, why);
    const vIn = vision.inputMetadata as readonly Meta[];
    const tIn = text.inputMetadata as readonly Meta[];
    const pixels = findTensor(vIn, CLIP_ONNX_IO.pixelValues, ['float32'], 4, vFail);
    if (vIn.length !== 1) vFail(`it has ${vIn.length} inputs; only "${CLIP_ONNX_IO.pixelValues}" can be fed`);
    if (fixed(pixels.shape, 1) !== undefined && fixed(pixels.shape, 1) !== 3) vFail(`"${CLIP_ONNX_IO.pixelValues}" has ${pixels.shape[1]} channels`);
    const imageEmbeds = findTensor(vision.outputMetadata as readonly Meta[], CLIP_ONNX_IO.imageEmbeds, ['float32'], 2, vFail);
    const ids = findTensor(tIn, CLIP_ONNX_IO.inputIds, ['int64', 'int32'], 2, tFail);
    const hasMask = tIn.some((m) => m.name === CLIP_ONNX_IO.attentionMask);
    if (hasMask) findTensor(tIn, CLIP_ONNX_IO.attentionMask, [ids.type], 2, tFail);
    const extra = tIn.filter((m) => m.name !== CLIP_ONNX_IO.inputIds && m.name !== CLIP_ONNX_IO.attentionMask);
    if (extra.length > 0) tFail(`unexpected input(s) ${extra.map((m) => `"${m.name}"`).join(', ')}`);
    const textEmbeds = findTensor(text.outputMetadata as readonly Meta[], CLIP_ONNX_IO.textEmbeds, ['float32'], 2, tFail);

    const [h, w] = [fixed(pixels.shape, 2), fixed(pixels.shape, 3)];
    if ((h === undefined) !== (w === undefined) || (h !== undefined && h !== w)) vFail(`H and W must be both fixed and equal or both symbolic, got [${pixels.shape.join(', ')}]`);
    const size = h ?? options.imageSize ?? prep.size ?? 224;
    if (options.imageSize !== undefined && options.imageSize !== size) vFail(`options.imageSize is ${options.imageSize} but the model's H = W = ${size}`);
    const contextLength = fixed(ids.shape, 1) ?? options.contextLength ?? 77;
    if (options.contextLength !== undefined && options.contextLength !== contextLength) tFail(`options.contextLength is ${options.contextLength} but the model's L = ${contextLength}`);
    const dv = fixed(imageEmbeds.shape, 1);
    const dt = fixed(textEmbeds.shape, 1);
    if (dv !== undefined && dt !== undefined && dv !== dt) throw new Error(`clip-onnx.ts: ${dir}: image_embeds has D = ${dv} but text_embeds has D = ${dt}`);
    const image: ClipImageSpec = { height: size, width: size, mean: prep.mean as ClipImageSpec['mean'], std: prep.std as ClipImageSpec['std'] };
    const textSession = text;
    const int64 = ids.type === 'int64';
    const embedTexts = async (texts: readonly string[]): Promise<Float32Array> => {
      const tok = tokenizer.tokenize(texts, contextLength);
      const feeds = (start: number, n: number, padded: number): Record<string, ort.Tensor> => {
        const slice = (a: Int32Array): ort.Tensor => {
          const rows = new Int32Array(padded * contextLength);
          rows.set(a.subarray(start * contextLength, (start + n) * contextLength));
          return int64 ? new rt.Tensor('int64', BigInt64Array.from(rows, BigInt), [padded, contextLength]) : new rt.Tensor('int32', rows, [padded, contextLength]);
        };
        return hasMask ? { [CLIP_ONNX_IO.inputIds]: slice(tok.inputIds), [CLIP_ONNX_IO.attentionMask]: slice(tok.attentionMask) } : { [CLIP_ONNX_IO.inputIds]: slice(tok.inputIds) };
      };
      return runChunked(textSession, texts.length, feeds, CLIP_ONNX_IO.textEmbeds, fixed(ids.shape, 0), batchSize, dt ?? dv, textPath);
    };
    const plane = 3 * size * size;
    const embedImages = async (pixelValues: Float32Array, count: number): Promise<Float32Array> => {
      if (pixelValues.length !== count * plane) throw new RangeError(`clip-onnx.ts embedImages: pixel_values must be ${count} × 3 × ${size} × ${size}, got ${pixelValues.length} values`);
      const feeds = (start: number, n: number, padded: number): Record<string, ort.Tensor> => {
        const data = new Float32Array(padded * plane);
        data.set(pixelValues.subarray(start * plane, (start + n) * plane));
        return { [CLIP_ONNX_IO.pixelValues]: new rt.Tensor('float32', data, [padded, 3, size, size]) };
      };
      return runChunked(vision, count, feeds, CLIP_ONNX_IO.imageEmbeds, fixed(pixels.shape, 0), batchSize, dv ?? dt, visionPath);
    };
    const embedDim = dv ?? dt ?? (await embedTexts(['a'])).length; // both symbolic: probe once
    let released = false;
    return {
      dir, contextLength, tokenizer, image, embedDim, embedImages, embedTexts,
      dispose: async () => {
        if (released) return;
        released = true;
        await vision.release();
        await textSession.release();
      },
    };
  } catch (error) {
    await vision.release();
    await text?.release();
    throw error;
  }
}
