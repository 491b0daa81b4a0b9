/**
 * Exact KL to the frozen reference over the whole vocabulary at each masked position
 * (docs/architecture.md, "Speed-RL objective"):
 * KL(p_ref ‖ p_θ) = CE(p_ref, p_θ) − H(p_ref) = Σ_k p_ref,k (log p_ref,k − log p_θ,k) — no sampling variance.
 * Its gradient at the policy logits z is softmax(z) − p_ref: a soft-target cross-entropy
 * (docs/architecture.md, "Engines and parity").
 */

// Bound once: a global `Math` lookup per element is ~30x slower inside jest's vm context.
const { exp, fround, log, max } = Math;

/**
 * log Σ_k exp z_k of the `vocab` logits `z[o … o + vocab)` in float64 (the max subtracted first); a row without a
 * finite logit throws naming `row`. `z_k − lse`, rounded to float32, is the log-softmax of {@link logSoftmaxRows}.
 */
export function logSumExpAt(z: Float32Array, o: number, vocab: number, row: number): number {
  let m = -Infinity;
  for (let k = 0; k < vocab; k++) m = max(m, z[o + k] as number);
  if (!Number.isFinite(m)) throw new RangeError(`logSoftmaxRows: row ${row} has no finite logit (max ${m})`);
  let s = 0;
  for (let k = 0; k < vocab; k++) s += exp((z[o + k] as number) - m);
  return m + log(s);
}

/** Log-softmax of `rows` rows of `vocab` logits, `[rows, vocab]` → `[rows, vocab]` (float64 accumulation). */
export function logSoftmaxRows(logits: Float32Array, rows: number, vocab: number): Float32Array {
  if (logits.length !== rows * vocab) throw new RangeError(`logSoftmaxRows: expected ${rows}×${vocab} = ${rows * vocab} logits, got ${logits.length}`);
  const out = new Float32Array(logits.length);
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const lse = logSumExpAt(logits, o, vocab, r);
    for (let k = 0; k < vocab; k++) out[o + k] = (logits[o + k] as number) - lse;
  }
  return out;
}

/** Per-row KL and the soft targets p_ref for the engine's backward. */
export interface ExactKl {
  /** KL(p_ref ‖ p_θ) of each selected row, `[rows]`. */
  readonly perRow: Float32Array;
  /** Weighted mean over the selected rows (weights default to 1/rows). */
  readonly mean: number;
  /** p_ref of each selected row, `[rows, vocab]`: with weight β·w it is the soft target q of the KL gradient. */
  readonly refProbs: Float32Array;
}

/**
 * KL(p_ref ‖ p_θ) of one position from the reference logits `ref[oRef …]` and the policy logits `pol[oPol …]` (`vocab`
 * each), writing p_ref into `probs[oProbs …]`; `row` names the position in errors. The arithmetic of
 * {@link exactKl} (which calls it per row), so a caller reading its rows in place gets the same bits without copies.
 */
export function klAt(ref: Float32Array, oRef: number, pol: Float32Array, oPol: number, vocab: number, probs: Float32Array, oProbs: number, row: number): number {
  const lseRef = logSumExpAt(ref, oRef, vocab, row);
  const lsePol = logSumExpAt(pol, oPol, vocab, row);
  let kl = 0;
  for (let k = 0; k < vocab; k++) {
    const lref = fround((ref[oRef + k] as number) - lseRef);
    const pref = exp(lref);
    probs[oProbs + k] = pref;
    if (pref > 0) kl += pref * (lref - fround((pol[oPol + k] as number) - lsePol));
  }
  return fround(max(kl, 0)); // ≥ 0 in exact arithmetic; clamp round-off
}

/**
 * Exact KL(p_ref ‖ p_θ) for `rows` positions given both models' logits `[rows, vocab]`.
 * The gradient of `mean` with respect to `logits` row r is w_r·(softmax(logits_r) − p_ref,r).
 */
export function exactKl(refLogits: Float32Array, logits: Float32Array, rows: number, vocab: number, weights?: Float32Array): ExactKl {
  if (refLogits.length !== logits.length) throw new RangeError(`exactKl: reference has ${refLogits.length} logits, policy ${logits.length}`);
  if (weights !== undefined && weights.length !== rows) throw new RangeError(`exactKl: ${weights.length} weights for ${rows} rows`);
  if (weights !== undefined) {
    const bad = weights.findIndex((w) => !(w >= 0) || !Number.isFinite(w));
    if (bad >= 0) throw new RangeError(`exactKl: weights[${bad}] is ${weights[bad]}; row weights must be finite and ≥ 0 (a negative one would make the KL negative)`);
  }
  if (logits.length !== rows * vocab) throw new RangeError(`logSoftmaxRows: expected ${rows}×${vocab} = ${rows * vocab} logits, got ${logits.length}`);
  const perRow = new Float32Array(rows);
  const refProbs = new Float32Array(rows * vocab);
  let mean = 0;
  for (let r = 0; r < rows; r++) {
    perRow[r] = klAt(refLogits, r * vocab, logits, r * vocab, vocab, refProbs, r * vocab, r);
    mean += (weights?.[r] ?? 1 / rows) * (perRow[r] as number);
  }
  return { perRow, mean, refProbs };
}
