/**
 * The classifiers on onnxruntime (docs/architecture.md, "Engines and parity"): a {@link FeatureModel} over the graph
 * `exportClassifierOnnx` writes, the fast engine of evaluation features; tfjs stays the reference and the fallback
 * when onnxruntime-node is not installed. Sessions are opened through `ort-runtime.ts`.
 */
import type * as ort from 'onnxruntime-node';
import { checkPixels } from '../pixels';
import { createOrtSession, onnxRuntime, onnxRuntimeAvailable } from '../ort-runtime';
import { checkImages, PREDICT_CHUNK } from './model';
import { CLASSIFIER_ONNX_IO, classifierOnnxInfo, exportClassifierOnnx, type ExportableClassifier } from './onnx-export';
import type { FeatureModel } from './types';

/** Engines that compute classifier features: `auto` is onnxruntime when installed, else tfjs. */
export type FeatureEngine = 'ort' | 'tfjs' | 'auto';

/** A {@link FeatureModel} on onnxruntime; `dispose()` releases its session. */
export interface OrtFeatureModel extends FeatureModel {
  readonly engine: 'ort';
  /** Releases the onnxruntime session (predict then throws). */
  dispose(): Promise<void>;
}

/** Options of {@link createOrtFeatureModel}. */
export interface OrtFeatureModelOptions {
  /** Threads inside one op (default 2: the cores of our machines). */
  readonly intraOpNumThreads?: number;
  /** Images per session run (default 500, as the tfjs predict). */
  readonly chunk?: number;
}

/** Checks the session declares `images` `[batch, S, S]` in and `features`, `logits` out, all float32. */
function checkSignature(session: ort.InferenceSession, size: number, where: string): void {
  type Meta = { name: string; isTensor?: boolean; type?: string; shape?: ReadonlyArray<number | string> };
  const find = (list: readonly Meta[], name: string, rank: number): void => {
    const m = list.find((x) => x.name === name);
    if (m === undefined || m.isTensor === false || m.type !== 'float32' || (m.shape ?? []).length !== rank) {
      throw new Error(`${where}: the graph has no float32 tensor "${name}" of rank ${rank}`);
    }
  };
  find(session.inputMetadata as readonly Meta[], CLASSIFIER_ONNX_IO.images, 3);
  find(session.outputMetadata as readonly Meta[], CLASSIFIER_ONNX_IO.features, 2);
  find(session.outputMetadata as readonly Meta[], CLASSIFIER_ONNX_IO.logits, 2);
  const shape = (session.inputMetadata[0] as Meta).shape ?? [];
  if (shape[1] !== size || shape[2] !== size) throw new Error(`${where}: "images" is [${shape.join(', ')}], expected [batch, ${size}, ${size}]`);
}

/**
 * Opens a classifier on onnxruntime: `model` is a classifier (exported now, at its current weights) or the bytes of
 * an exported one. Its `predict` gives the same features and logits as the tfjs classifier up to float rounding.
 */
export async function createOrtFeatureModel(model: ExportableClassifier | Uint8Array, options: OrtFeatureModelOptions = {}): Promise<OrtFeatureModel> {
  const bytes = model instanceof Uint8Array ? model : exportClassifierOnnx(model);
  const { role, config } = classifierOnnxInfo(bytes);
  const where = `classifier (${role}) on onnxruntime`;
  const rt = await onnxRuntime(`the ${role} classifier's onnxruntime engine`);
  const session = await createOrtSession(rt, bytes, options.intraOpNumThreads ?? 2);
  try {
    checkSignature(session, config.imageSize, where);
  } catch (error) {
    await session.release();
    throw error;
  }
  const chunk = options.chunk ?? PREDICT_CHUNK;
  const size = config.imageSize;
  let released = false;
  return {
    engine: 'ort',
    role,
    featureDim: config.featureDim,
    numClasses: config.numClasses,
    async predict(images: Float32Array, batch: number) {
      if (released) throw new Error(`${where}: already disposed`);
      checkImages(images, batch, size, `${where} predict`);
      checkPixels(images, size * size, `${where} predict`);
      const logits = new Float32Array(batch * config.numClasses);
      const features = new Float32Array(batch * config.featureDim);
      for (let start = 0; start < batch; start += chunk) {
        const n = Math.min(chunk, batch - start);
        const input = new rt.Tensor('float32', images.subarray(start * size * size, (start + n) * size * size), [n, size, size]);
        const out = await session.run({ [CLASSIFIER_ONNX_IO.images]: input });
        features.set(out[CLASSIFIER_ONNX_IO.features]?.data as Float32Array, start * config.featureDim);
        logits.set(out[CLASSIFIER_ONNX_IO.logits]?.data as Float32Array, start * config.numClasses);
      }
      return { logits, features };
    },
    async dispose() {
      if (!released) await session.release();
      released = true;
    },
  };
}

/**
 * `classifier` as a {@link FeatureModel} on `engine`: `ort` opens it on onnxruntime (an error when onnxruntime-node is
 * missing), `tfjs` returns it as it is, `auto` (the default) is `ort` when onnxruntime-node loads, else `tfjs`.
 */
export async function featureModelOnEngine(
  classifier: ExportableClassifier & FeatureModel, engine: FeatureEngine = 'auto', options: OrtFeatureModelOptions = {},
): Promise<FeatureModel> {
  if (engine === 'tfjs' || (engine === 'auto' && !(await onnxRuntimeAvailable()))) return classifier;
  return createOrtFeatureModel(classifier, options);
}
