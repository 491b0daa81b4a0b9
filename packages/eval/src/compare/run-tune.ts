/**
 * The work of `speedrl tune-schedule`: for each T, a budgeted search (search.ts) over per-step mask ratios,
 * temperatures, choice noise and CFG weights (tuned-space.ts), each candidate scored by the FCD of n samples against
 * held-out TRAIN images on seeds disjoint from evaluation — never the test set the comparison is judged on.
 * The file is rewritten after every candidate; `--resume` replays the search from it and recomputes nothing.
 */
import { basename, dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError, checkOutsideInputs, checkReplacedStash, dropReplaced, flagOf, createProgress, ensureWritableFile, replacedStashOf, writeJsonAtomic, type TextIo } from '@speedrl/core';
import { canonicalDigest } from '../stored-cells';
import { initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { fcd } from '@speedrl/rewards-clip-fid';
import { withRunLock, bundleIdentity, changedInputs, checkDataDir, classifierFiles, dataFiles, drawSampleSet, type Engine, inputKeys, loadGenerator } from '@speedrl/pipeline';
import { loadRewardClassifier, loadTrainReference, rewardFeatures, type DatasetLoader } from '../reference';
import { minimise, pointKey } from './search';
import { parseNumberList } from './spec';
import { checkOwnResults, setEarlierResultAside } from '../own-results';
import { paramsAt, readTunedFile, searchSpace, stepArraysOf, type TunedFile } from './tuned-space';
import { describeStopMatches, stopRuleMatches } from './tune-stop';

/** Options of a search (validated at the CLI edge). */
export interface TuneOptions {
  readonly model: string;
  readonly classifier: string;
  readonly data: string;
  readonly out: string;
  readonly steps: string;
  readonly budget: number;
  readonly n: number;
  readonly seed: number;
  readonly refCount: number;
  readonly engine: Engine;
  readonly batch: number;
  readonly cfg: 'search' | 'off';
  /** Adaptive stop-rule thresholds p* to score beside the schedules, comma-separated ('' = none; tune-stop.ts). */
  readonly stopThresholds?: string;
  /** The stop rule's step cap T_max. */
  readonly stopCap?: number;
}

/** Options whose change makes stored trials meaningless. */
const TRIAL_DEFINING = ['model', 'n', 'seed', 'cfg', 'budget', 'engine', 'classifier', 'refCount', 'data'] as const;

/** Of those, the ones that define what a candidate is scored against. */
const REFERENCE_DEFINING: ReadonlySet<string> = new Set(['classifier', 'refCount', 'data']);

const SEARCH_METHOD = 'seeded random search (half the budget, the sampler defaults first) then coordinate descent from the best';

function previousTrials(o: TuneOptions, resume: boolean, force: boolean, inputs: Record<string, string>): TunedFile | undefined {
  if (!resume && existsSync(o.out) && !force) {
    throw new UsageError(`--out: "${o.out}" already exists; pass --resume to continue its search, --force to replace it, or choose another --out`);
  }
  if (!resume || !existsSync(o.out)) return undefined;
  const prev = readTunedFile(o.out, '--resume');
  const was: Record<(typeof TRIAL_DEFINING)[number], unknown> = {
    model: prev.model, n: prev.search.n, seed: prev.search.seed, cfg: prev.search.cfg ? 'search' : 'off', budget: prev.search.candidatesPerT,
    engine: prev.engine, classifier: prev.reference.classifier, data: prev.reference.data,
    // the flag as given (the reference holds fewer images when the split has fewer: a bare --resume was refused then)
    refCount: (prev.options as Partial<TuneOptions> | undefined)?.refCount ?? prev.reference.count,
  };
  for (const key of TRIAL_DEFINING) {
    if (was[key] !== o[key]) {
      const why = REFERENCE_DEFINING.has(key) ? 'its trials would be scored against another reference' : 'a resume replays the same search, and its trials were made with the other value';
      throw new UsageError(`${flagOf(key)}: ${o.out} was searched with ${JSON.stringify(was[key])}, now ${JSON.stringify(o[key])}; ${why}. Use the same value or another --out`);
    }
  }
  const cap = prev.stopRule?.cap;
  if (cap !== undefined && (o.stopThresholds ?? '') !== '' && cap !== o.stopCap) {
    throw new UsageError(`--stop-cap: ${o.out} scored its stop rule with cap ${cap}, now ${o.stopCap}; a resume replays the same search, and its trials were made with the other value. Use the same value or another --out`);
  }
  const changed = changedInputs(prev.inputs, inputs);
  if (changed.length > 0) throw new UsageError(`--resume: the files of ${changed.join(', ')} changed since ${o.out} was searched; its trials would be reused for other inputs. Use --force to search again, or another --out`);
  if ((prev.trials.length > 0 || (prev.stopRule?.trials.length ?? 0) > 0) && prev.scoresKey !== scoresKey(prev)) {
    throw new UsageError(
      `--resume: the trial scores in ${o.out} are not those its search wrote (${prev.scoresKey === undefined ? 'it records no scoresKey: written by an older speedrl, or the key deleted' : 'they differ from its scoresKey: edited by hand'}); ` +
        'a resume would reuse them as measured. Use --force to search again, or another --out',
    );
  }
  return prev;
}

/** The digest of every score a resume replays: the schedule trials and the stop rule's (tuned-space.ts `scoresKey`). */
function scoresKey(file: Pick<TunedFile, 'trials' | 'stopRule'>): string {
  return canonicalDigest({ trials: file.trials, stopTrials: file.stopRule?.trials ?? [] });
}

/** Writes the tuned file with its `scoresKey`. */
const writeSealed = (path: string, file: TunedFile): Promise<void> => writeJsonAtomic(path, { ...file, scoresKey: scoresKey(file) });

/** Runs the search and returns the tuned file (also written to `o.out`); `load` reads dataset splits (injectable). */
export async function runTuneSchedule(o: TuneOptions, resume: boolean, io: TextIo, load: DatasetLoader = loadIdxDataset, force = false): Promise<TunedFile> {
  checkOutsideInputs(o.out, { '--model': o.model, '--classifier': o.classifier, ...(load === loadIdxDataset ? { '--data': o.data } : {}) });
  if (!resume && force && existsSync(o.out)) checkOwnResults(o.out, 'tune-schedule'); // before any work
  checkReplacedStash(replacedStashOf(o.out, 'file')); // a file or folder of the stash's name, not ours: before any work
  await ensureWritableFile(o.out, '--out');
  // one writer of the file at a time
  return withRunLock(dirname(o.out), 'tune-schedule', () => tuneLocked(o, resume, io, load, force), '--out', `.${basename(o.out)}.lock`, false, o.out); // refusals name --out, not its folder
}

async function tuneLocked(o: TuneOptions, resume: boolean, io: TextIo, load: DatasetLoader, force: boolean): Promise<TunedFile> {
  const steps = parseNumberList('--steps', o.steps, (v) => Number.isInteger(v) && v >= 1, 'step counts ≥ 1');
  const stopThresholds = (o.stopThresholds ?? '') === '' ? [] : parseNumberList('--stop-thresholds', o.stopThresholds ?? '', (v) => v > 0 && v <= 1, 'probabilities in (0, 1]');
  const stopCap = o.stopCap ?? 12;
  if (load === loadIdxDataset) checkDataDir(o.data, ['train']); // an injected loader brings its own data
  const inputs = await inputKeys({
    '--model': () => bundleIdentity(o.model), '--classifier': () => classifierFiles(o.classifier),
    ...(load === loadIdxDataset ? { '--data': () => dataFiles(o.data, ['train']) } : {}),
  });
  const prev = previousTrials(o, resume, force, inputs);
  const stash = replacedStashOf(o.out, 'file');
  await setEarlierResultAside(dirname(o.out), [basename(o.out)], stash, force ? 'force' : resume ? 'resume' : 'fresh', 'the tuned file', io); // kept until this one completes
  await initBackend();
  const gen = await loadGenerator(o.model, o.engine);
  try {
    const maxT = gen.config.seqLen;
    if (steps.some((t) => t > maxT)) throw new UsageError(`--steps: each T must be ≤ ${maxT}, the token count of ${o.model}; got ${o.steps}`);
    if (stopThresholds.length > 0 && !(Number.isInteger(stopCap) && stopCap >= 1 && stopCap <= maxT)) throw new UsageError(`--stop-cap: must be an integer in [1, ${maxT}] (the token count of ${o.model}); got ${stopCap}`);
    const classifier = await loadRewardClassifier(o.classifier, o.n, '--classifier', 'tune-schedule needs');
    const ref = await loadTrainReference(classifier, o.data, o.refCount, load);
    const space = searchSpace(o.cfg === 'search');
    const total = steps.length * o.budget + stopThresholds.length;
    io.stderr(`tune-schedule: ${o.model}, T ∈ {${steps.join(',')}}, ${o.budget} candidates per T × ${o.n} samples (seed ${o.seed}); score = FD of reward-classifier features vs the last ${ref.count} TRAIN images (never the test set, never the evaluation classifier)\n`);
    const file: TunedFile = {
      format: 'speedrl-tuned-schedule', formatVersion: 1, model: o.model, modelPath: resolve(o.model), engine: o.engine,
      reference: { split: ref.split, data: o.data, firstIndex: ref.firstIndex, count: ref.count, classifier: o.classifier },
      search: {
        method: SEARCH_METHOD, seed: o.seed, seeds: [o.seed], n: o.n, candidatesPerT: o.budget, cfg: o.cfg === 'search',
        space: space.map((c) => ({ name: c.name, meaning: c.meaning })),
      },
      searchBudget: '',
      // a resumed file keeps the schedules and trials of step counts this call does not search again
      schedules: Object.fromEntries(Object.entries(prev?.schedules ?? {}).filter(([t]) => !steps.includes(Number(t)))),
      trials: (prev?.trials ?? []).filter((t) => !steps.includes(t.steps)),
      ...(prev?.stopRule === undefined ? {} : { stopRule: prev.stopRule }),
      options: { ...o },
      inputs,
    };
    const allSteps = [...new Set([...Object.keys(file.schedules).map(Number), ...steps])].sort((a, b) => a - b);
    // the stop rule's cap is recorded when a stop rule was scored, now or before (then the file's, which a resume kept)
    const recordedCap = stopThresholds.length > 0 ? stopCap : prev?.stopRule?.cap;
    const { stopCap: _typed, ...rest } = o;
    file.options = { ...rest, steps: allSteps.join(','), ...(recordedCap === undefined ? {} : { stopCap: recordedCap }) };
    file.searchBudget = `${allSteps.length} T × ${o.budget} candidates × ${o.n} samples = ${allSteps.length * o.budget * o.n} samples (${SEARCH_METHOD}; seed ${o.seed}; reward-classifier FD vs ${ref.count} held-out train images)`;
    const cache = new Map((prev?.trials ?? []).map((t) => [`${t.steps}:${pointKey(t.u)}`, t]));
    const progress = createProgress({ label: 'tune-schedule', total, io });
    let evaluated = 0;
    let reused = 0;
    for (const T of steps) {
      const stored = prev?.schedules[String(T)];
      const evaluate = async (u: readonly number[]) => {
        const stepArrays = stepArraysOf(paramsAt(space, u), T);
        const guidance = stepArrays.cfgWeights === undefined ? null : { weight: 1, nullClassId: gen.config.numClasses, warmup: 'none' as const };
        const set = await drawSampleSet(gen, o.n, T, o.seed, o.batch, { method: 'confidence', schedule: 'cosine', temperature: 1, gumbelScale: 0, stepArrays, guidance });
        const value = fcd(await rewardFeatures(classifier, set.images, set.count), ref.gaussian);
        return { steps: T, u: [...u], fcd: Number.isFinite(value) ? value : 1e30, nfePerImage: set.nfePerImage }; // JSON has no Infinity
      };
      const score = async (u: readonly number[]): Promise<number> => {
        const hit = cache.get(`${T}:${pointKey(u)}`);
        const trial = hit ?? (await evaluate(u));
        if (hit !== undefined) reused++;
        file.trials.push(trial);
        evaluated++;
        progress.update(evaluated, { T, fcd: trial.fcd, reused });
        await writeSealed(o.out, file);
        return trial.fcd;
      };
      const { trials, best } = await minimise(score, { budget: o.budget, seed: o.seed * 1009 + T, start: space.map((c) => c.defaultU) });
      const params = paramsAt(space, best.u);
      const bestTrial = file.trials.find((t) => t.steps === T && pointKey(t.u) === pointKey(best.u));
      file.schedules[String(T)] = {
        steps: T, params, stepArrays: stepArraysOf(params, T), score: best.score, defaultScore: (trials[0] as { score: number }).score,
        nfePerImage: bestTrial?.nfePerImage ?? 0, candidates: trials.length,
      };
      if (stored !== undefined && stored.score !== best.score) io.stderr(`tune-schedule: warning: T=${T} replayed to FCD ${best.score}, the file had ${stored.score}\n`);
      io.stderr(`tune-schedule: T=${T}: best FCD ${best.score.toFixed(3)} (sampler defaults ${(trials[0]?.score ?? NaN).toFixed(3)}) with ${Object.entries(params).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}\n`);
      await writeSealed(o.out, file);
    }
    const stopTrials = (file.stopRule?.trials ?? []).filter((t) => !stopThresholds.includes(t.threshold));
    for (const threshold of stopThresholds) {
      const hit = file.stopRule?.trials.find((t) => t.threshold === threshold);
      const set = hit === undefined ? await drawSampleSet(gen, o.n, stopCap, o.seed, o.batch, { method: 'adaptive', adaptiveThreshold: threshold, temperature: 1, gumbelScale: 0, guidance: null }) : undefined;
      const value = set === undefined ? NaN : fcd(await rewardFeatures(classifier, set.images, set.count), ref.gaussian);
      const trial = hit ?? { threshold, fcd: Number.isFinite(value) ? value : 1e30, nfePerImage: set?.nfePerImage ?? 0, meanSteps: set?.meanSteps ?? 0 };
      stopTrials.push(trial);
      stopTrials.sort((a, b) => a.threshold - b.threshold);
      evaluated++;
      progress.update(evaluated, { 'p*': threshold, fcd: trial.fcd, nfe: trial.nfePerImage });
      file.stopRule = { cap: stopCap, trials: [...stopTrials], matches: stopRuleMatches(stopTrials, file) };
      await writeSealed(o.out, file);
    }
    if (file.stopRule !== undefined) file.searchBudget += `; stop rule: ${file.stopRule.trials.length} thresholds × ${o.n} samples (adaptive, cap ${file.stopRule.cap})`;
    // the matches follow the file's schedules (a resume may have searched more T)
    if (file.stopRule !== undefined) file.stopRule = { ...file.stopRule, matches: stopRuleMatches(file.stopRule.trials, file) };
    if (stopThresholds.length > 0 && file.stopRule !== undefined) io.stderr(`${describeStopMatches(file.stopRule.matches, file.stopRule.cap).join('\n')}\n`);
    await writeSealed(o.out, file);
    await dropReplaced(stash); // complete: the tuned file a --force replaced goes
    progress.finish({ candidates: evaluated, reused });
    return { ...file, scoresKey: scoresKey(file) };
  } finally {
    gen.dispose();
  }
}
