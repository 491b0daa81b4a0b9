/**
 * The decoder on onnxruntime (docs/architecture.md, "Engines and parity"): token grids → images over the graph
 * `exportVqDecoderOnnx` writes; tfjs (`decode`) stays the reference and the fallback. The one module of this package
 * that loads onnxruntime-node, an optional peer dependency imported on first use.
 */
import type * as ort from 'onnxruntime-node';
import { optionalImport } from '@speedrl/tensor-utils';
import { checkTokens, CODEC_CHUNK } from './codec';
import { tokensPerImage, type VqConfig } from './config';
import type { VqModel } from './model';
import { exportVqDecoderOnnx, VQ_DECODER_ONNX_IO, vqDecoderOnnxConfig } from './onnx-export';

/** A decoder on onnxruntime: tokens `[B, side²]` → images `[B, size, size]` in (0, 1); `dispose()` releases it. */
export interface OrtVqDecoder {
  readonly config: Readonly<VqConfig>;
  /** Images of `tokens` (Int32Array `[B, side²]`, ids in [0, K)) as Float32Array `[B, size, size]`. */
  decode(tokens: Int32Array): Promise<Float32Array>;
  /** Releases the onnxruntime session (decode then throws). */
  dispose(): Promise<void>;
}

/** Options of {@link createOrtVqDecoder}. */
export interface OrtVqDecoderOptions {
  /** Threads inside one op (default 2: the cores of our machines). */
  readonly intraOpNumThreads?: number;
  /** Images per session run (default 256, as the tfjs decode). */
  readonly chunk?: number;
}

/** onnxruntime-node, or undefined when it is not installed (imported once). */
function tryImport(): Promise<typeof ort | undefined> {
  return optionalImport<typeof ort>('onnxruntime-node', 'InferenceSession');
}

/** Whether onnxruntime-node can be loaded here (the decoder's default engine then, tfjs otherwise). */
export async function vqOnnxRuntimeAvailable(): Promise<boolean> {
  return (await tryImport()) !== undefined;
}

/**
 * Opens a decoder on onnxruntime: `vq` is a tokenizer (exported now, at its current weights) or the bytes of an
 * exported decoder. Its images equal `decode(vq, tokens)` up to float rounding. Throws when onnxruntime-node is missing.
 */
export async function createOrtVqDecoder(vq: Pick<VqModel, 'config' | 'params' | 'codebook'> | Uint8Array, options: OrtVqDecoderOptions = {}): Promise<OrtVqDecoder> {
  const bytes = vq instanceof Uint8Array ? vq : exportVqDecoderOnnx(vq);
  const config = vqDecoderOnnxConfig(bytes);
  const rt = await tryImport();
  if (rt === undefined) {
    throw new Error('createOrtVqDecoder: onnxruntime-node, an optional peer dependency of @speedrl/vq-tokenizer, is not installed; install it with "npm install onnxruntime-node" or decode with tfjs (decode)');
  }
  const session = await rt.InferenceSession.create(bytes, {
    intraOpNumThreads: options.intraOpNumThreads ?? 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const t = tokensPerImage(config);
  const pixels = config.imageSize * config.imageSize;
  const chunk = options.chunk ?? CODEC_CHUNK;
  let released = false;
  return {
    config,
    async decode(tokens) {
      if (released) throw new Error('ort decode: already disposed');
      const count = checkTokens({ config }, tokens);
      const out = new Float32Array(count * pixels);
      for (let start = 0; start < count; start += chunk) {
        const n = Math.min(chunk, count - start);
        const input = new rt.Tensor('int32', tokens.subarray(start * t, (start + n) * t), [n, t]);
        const result = await session.run({ [VQ_DECODER_ONNX_IO.tokens]: input });
        out.set(result[VQ_DECODER_ONNX_IO.images]?.data as Float32Array, start * pixels);
      }
      return out;
    },
    async dispose() {
      if (!released) await session.release();
      released = true;
    },
  };
}
