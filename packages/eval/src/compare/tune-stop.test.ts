import { describeStopMatches, stopRuleMatches, type StopTrial } from './tune-stop';
import type { TunedFile } from './tuned-space';

const schedule = (steps: number, defaultScore: number) => ({
  steps, params: {}, stepArrays: { maskRatios: [], temperatures: [], gumbelScales: [] }, score: defaultScore, defaultScore, nfePerImage: steps, candidates: 1,
});
const file: Pick<TunedFile, 'schedules' | 'trials'> = {
  schedules: { 12: schedule(12, 5), 3: schedule(3, 8) },
  trials: [{ steps: 3, u: [], fcd: 8, nfePerImage: 3 }, { steps: 12, u: [], fcd: 5, nfePerImage: 12 }],
};

describe('stopRuleMatches', () => {
  it('per fixed T (in order), the threshold of least mean NFE scoring no worse than T\'s defaults; null when none does', () => {
    const trials: StopTrial[] = [
      { threshold: 0.3, fcd: 9, nfePerImage: 2.1, meanSteps: 2.1 },
      { threshold: 0.7, fcd: 7.5, nfePerImage: 2.8, meanSteps: 2.8 },
      { threshold: 0.9, fcd: 4.9, nfePerImage: 7.8, meanSteps: 7.8 },
    ];
    expect(stopRuleMatches(trials, file)).toEqual([
      { steps: 3, fixedScore: 8, fixedNfe: 3, threshold: 0.7, fcd: 7.5, nfePerImage: 2.8 },
      { steps: 12, fixedScore: 5, fixedNfe: 12, threshold: 0.9, fcd: 4.9, nfePerImage: 7.8 },
    ]);
    // as good as T = 3 but slower than it: no stop rule for T = 3 (was: "matches" at more passes than T)
    expect(stopRuleMatches([{ threshold: 0.9, fcd: 4.9, nfePerImage: 7.8, meanSteps: 7.8 }], file)[0]?.threshold).toBeNull();
    expect(stopRuleMatches(trials.slice(0, 1), file).map((m) => m.threshold)).toEqual([null, null]);
  });
  it('breaks NFE ties by the lower score, then the higher threshold; says what each match spends', () => {
    const tied: StopTrial[] = [
      { threshold: 0.5, fcd: 4, nfePerImage: 2.5, meanSteps: 2.5 },
      { threshold: 0.6, fcd: 3, nfePerImage: 2.5, meanSteps: 2.5 },
      { threshold: 0.8, fcd: 3, nfePerImage: 2.5, meanSteps: 2.5 },
    ];
    const matches = stopRuleMatches(tied, file);
    expect(matches.map((m) => m.threshold)).toEqual([0.8, 0.8]);
    expect(describeStopMatches(matches, 12)).toEqual([
      'stop rule: p* = 0.8 (cap 12) matches T=3: FCD 3.000 ≤ 8.000 with mean NFE 2.50 vs 3.00',
      'stop rule: p* = 0.8 (cap 12) matches T=12: FCD 3.000 ≤ 5.000 with mean NFE 2.50 vs 12.00',
    ]);
    expect(describeStopMatches(stopRuleMatches([], file), 12)[0]).toBe('stop rule: no threshold (cap 12) scores within T=3\'s 8.000 with fewer than 3.00 passes per image');
  });
});
