/**
 * The adaptive stop rule of `speedrl tune-schedule --stop-thresholds` (docs/architecture.md, "Adaptive stop rule"):
 * the adaptive sampler (each step commits every token whose probability reaches p*, at least one; an image stops when
 * none is left masked; T_max caps it) scored per threshold on the same held-out TRAIN split and seed as the schedules,
 * with the passes it spent per image; then, for each fixed T searched, the threshold of least mean NFE that scores no
 * worse than the sampler defaults at T. Never the test set, never the evaluation classifier.
 */
import { z } from 'zod';
import type { stopMatchSchema, stopTrialSchema, TunedFile } from './tuned-space';

/** One threshold tried. */
export type StopTrial = z.infer<typeof stopTrialSchema>;
/** The stop rule chosen for one fixed T. */
export type StopMatch = z.infer<typeof stopMatchSchema>;

/**
 * For each fixed T of the file's schedules, the trial of least mean NFE whose score is ≤ the sampler defaults' at T
 * (the first candidate of T) and whose mean NFE is below the defaults' (a rule that spends more is no stop rule for T;
 * ties: the lower score, then the higher threshold); null fields when none is. Pure: the choice is made on the search
 * split only.
 */
export function stopRuleMatches(trials: readonly StopTrial[], file: Pick<TunedFile, 'schedules' | 'trials'>): StopMatch[] {
  return Object.values(file.schedules).sort((a, b) => a.steps - b.steps).map((s) => {
    const fixedNfe = file.trials.find((t) => t.steps === s.steps)?.nfePerImage ?? s.steps; // the defaults: T's first candidate
    const fit = trials.filter((t) => t.fcd <= s.defaultScore && t.nfePerImage < fixedNfe)
      .sort((a, b) => a.nfePerImage - b.nfePerImage || a.fcd - b.fcd || b.threshold - a.threshold)[0];
    return { steps: s.steps, fixedScore: s.defaultScore, fixedNfe, threshold: fit?.threshold ?? null, fcd: fit?.fcd ?? null, nfePerImage: fit?.nfePerImage ?? null };
  });
}

/** One line per fixed T: what the tuned stop rule spends against it, for the terminal. */
export function describeStopMatches(matches: readonly StopMatch[], cap: number): string[] {
  return matches.map((m) => (m.threshold === null
    ? `stop rule: no threshold (cap ${cap}) scores within T=${m.steps}'s ${m.fixedScore.toFixed(3)} with fewer than ${m.fixedNfe.toFixed(2)} passes per image`
    : `stop rule: p* = ${m.threshold} (cap ${cap}) matches T=${m.steps}: FCD ${(m.fcd as number).toFixed(3)} ≤ ${m.fixedScore.toFixed(3)} with mean NFE ${(m.nfePerImage as number).toFixed(2)} vs ${m.fixedNfe.toFixed(2)}`));
}
