/** Read-outs of a {@link Trajectory} for RL and inspection: summed log-probabilities, commit steps, per-step counts. */
import type { Trajectory } from './types';

/** Σ over steps of the committed tokens' log π per sample `[B]`: the log-likelihood of the whole decoding path's actions. */
export function trajectoryLogProbs(trajectory: Trajectory): Float64Array {
  const out = new Float64Array(trajectory.classes.length);
  for (const record of trajectory.records) {
    record.committedLogProbs.forEach((logProbs, b) => {
      for (const lp of logProbs) out[b] = (out[b] as number) + lp;
    });
  }
  return out;
}

/** Step at which each position of sample b was committed `[L]`, −1 for positions known from the start. */
export function commitSteps(trajectory: Trajectory, b: number, seqLen: number): Int32Array {
  const out = new Int32Array(seqLen).fill(-1);
  for (const record of trajectory.records) {
    for (const p of record.committedPositions[b] ?? []) out[p] = record.step;
  }
  return out;
}

/** Tokens committed per step per sample `[steps][B]`. */
export function committedCountsPerStep(trajectory: Trajectory): Int32Array[] {
  return trajectory.records.map((record) => Int32Array.from(record.committedPositions, (p) => p.length));
}
