/** Checks of the typed-array inputs of every MaskGIT engine and the engine-independent logits interface. */
import type { MaskGitConfig } from './config';

/**
 * The sampler's model interface (docs/architecture.md, "Sampler", "Interfaces"): tokens `[B, L]` (0..K, K = `[MASK]`),
 * classes `[B]` (0..numClasses, numClasses = null class) → logits `[B, L, K]`.
 */
export type LogitsFn = (tokens: Int32Array, classes: Int32Array) => Promise<Float32Array>;

/** A {@link LogitsFn} that holds engine resources; call `dispose()` when done. */
export type DisposableLogitsFn = LogitsFn & {
  /** Frees the engine (tfjs tensors or the onnxruntime session). */
  dispose(): Promise<void>;
};

/** The dimensions an engine expects of its inputs. */
export interface InputDims {
  seqLen: number;
  numCodes: number;
  numClasses: number;
}

/** Picks the input dimensions out of a config. */
export function inputDims(config: MaskGitConfig): InputDims {
  return { seqLen: config.seqLen, numCodes: config.numCodes, numClasses: config.numClasses };
}

/**
 * Validates `tokens` `[B, L]` and `classes` `[B]` (types, lengths, id ranges) and returns B; errors name `source`,
 * the field, the offending index and the expected range.
 */
export function checkLogitsInputs(tokens: unknown, classes: unknown, dims: InputDims, source: string): number {
  if (!(classes instanceof Int32Array)) throw new TypeError(`${source}: classes must be an Int32Array [batch]`);
  if (!(tokens instanceof Int32Array)) throw new TypeError(`${source}: tokens must be an Int32Array [batch, ${dims.seqLen}]`);
  const batch = classes.length;
  if (batch === 0) throw new RangeError(`${source}: classes is empty; expected at least one sample`);
  if (tokens.length !== batch * dims.seqLen) {
    throw new RangeError(
      `${source}: tokens has length ${tokens.length}, expected batch × seqLen = ${batch} × ${dims.seqLen} = ${batch * dims.seqLen}`,
    );
  }
  for (let i = 0; i < batch; i++) {
    const c = classes[i] as number;
    if (c < 0 || c > dims.numClasses) {
      throw new RangeError(`${source}: classes[${i}] = ${c} is out of range; expected 0..${dims.numClasses} (${dims.numClasses} = null class)`);
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (t < 0 || t > dims.numCodes) {
      throw new RangeError(`${source}: tokens[${i}] = ${t} is out of range; expected 0..${dims.numCodes} (${dims.numCodes} = [MASK])`);
    }
  }
  return batch;
}
