/**
 * Nearest-code quantisation q(z) = argmin_k ||z − e_k||² (van den Oord et al. 2017, eq. 1–2), computed
 * as argmin_k (||e_k||² − 2 z·e_k) with one matrix product.
 */
import * as tf from '@tensorflow/tfjs';

/** Index of the nearest code for each row: `vectors` `[n, D]`, `codebook` `[K, D]` → int32 `[n]` (ties: lowest id). */
export function nearestCodes(vectors: tf.Tensor2D, codebook: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const codeNorms = tf.sum(tf.square(codebook), 1); // [K]
    const scores = tf.sub(codeNorms, tf.mul(tf.matMul(vectors, codebook, false, true), 2)); // [n, K]
    return tf.argMin(scores, 1) as tf.Tensor1D;
  });
}

/** Nearest codes of host arrays, `vectors` `[n, D]`, `codebook` `[K, D]` → `[n]`, in chunks of `chunk` rows. */
export function nearestCodesHost(vectors: Float32Array, codebook: Float32Array, dim: number, chunk = 4096): Int32Array {
  const n = vectors.length / dim;
  const out = new Int32Array(n);
  const codes = tf.tensor2d(codebook, [codebook.length / dim, dim]);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const ids = tf.tidy(() => nearestCodes(tf.tensor2d(vectors.subarray(start * dim, (start + rows) * dim), [rows, dim]), codes));
    out.set(ids.dataSync() as Int32Array, start);
    ids.dispose();
  }
  codes.dispose();
  return out;
}

/** Mean over vectors of ||z − e_{a(z)}||² / D, the per-element quantisation error (host arrays). */
export function quantizationMse(vectors: Float32Array, codebook: Float32Array, assignments: Int32Array, dim: number): number {
  let sum = 0;
  for (let j = 0; j < assignments.length; j++) {
    const a = assignments[j] as number;
    for (let d = 0; d < dim; d++) {
      const diff = (vectors[j * dim + d] as number) - (codebook[a * dim + d] as number);
      sum += diff * diff;
    }
  }
  return assignments.length === 0 ? 0 : sum / (assignments.length * dim);
}
