/**
 * MaskGIT pretraining (Chang et al. 2022): masked-token training of the class-conditional transformer on a dataset
 * encoded by a trained tokenizer (cached in the run directory), on the onnxruntime or tfjs engine, with weight EMAs
 * (docs/architecture.md, "Weight EMA"), an optional quality probe every k steps ("Quality probe during training"),
 * checkpoints of weights, optimizer and EMAs that resume exactly, and Ctrl-C saves; the run directory ends as a model
 * bundle (raw weights), with one bundle `ema-<decay>/` per EMA.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InterruptedError, Rng, UsageError, contentKey, type LrCooldown, createProgress, encodeSafetensors, readJsonl, readRecordedSafetensors, readSafetensors, writeCheckpointDir,
  sha256Hex, writeSafetensors, type TextIo,
} from '@speedrl/core';
import { findIdxFile, idxFileNames, initBackend, loadIdxDataset, writeLineChart } from '@speedrl/tensor-utils';
import {
  createOrtTrainer, createTrainer, createWeightEma, initParams, maskGitPreset, paramSpecs, validateEmaDecays,
  type MaskGitConfig, type MaskGitParams, type MaskGitPresetName, type OptimizerState, type StepResult, type WeightEma, type WeightEmaState,
} from '@speedrl/maskgit';
import { disposeVqModel, encode, loadVq } from '@speedrl/vq-tokenizer';
import { tokenizerKey, writeBundle } from './bundle';
import { checkDataDir } from './checks';
import { installInterruptHandler } from './interrupt';
import { checkCheckpointRun, checkpointRunRecord } from './resume-options';
import { RUN_FILES, checkCheckpointSeed, checkpointNote, resumeNote, type RunDir } from './run-dir';

/** Options of a pretraining run (the flags of `speedrl train-maskgit`, camelCase). */
export interface TrainMaskgitOptions {
  readonly preset: MaskGitPresetName;
  readonly engine: 'ort' | 'tfjs';
  /** Trained tokenizer directory. */
  readonly tokenizer: string;
  readonly data: string;
  readonly out: string;
  readonly steps: number;
  readonly batch: number;
  readonly lr: number;
  readonly warmup: number;
  readonly seed: number;
  /** Only the first n training images (0 = all). */
  readonly limit: number;
  readonly checkpointEvery: number;
  readonly logEvery: number;
  readonly lrSchedule: 'cosine' | 'rsqrt';
  readonly minLrRatio: number;
  /** rsqrt only: the last n steps of --steps cool the learning rate down linearly to 0 (0 = none). */
  readonly cooldown: number;
  /** EMA decays, comma-separated, or "none". */
  readonly ema: string;
  readonly emaEvery: number;
  /** The last n training images are held out (the EMA decay is chosen on them). */
  readonly holdout: number;
  /** Steps between quality probes (0 = off); the last step is probed too. */
  readonly evalEvery: number;
  readonly evalN: number;
  readonly evalSteps: number;
  /** EVALUATION classifier of the probe. */
  readonly classifier: string;
  /** REWARD classifier of the probe. */
  readonly rewardClassifier: string;
}

/** How a pretraining run ended. */
export interface TrainMaskgitSummary {
  readonly out: string;
  readonly step: number;
  /**
   * Loss of the last step; on a resume with no steps left, the one metrics.jsonl logged for that step (undefined, and
   * left out of the bundle metadata, when it logged none).
   */
  readonly finalLoss: number | undefined;
  /** Steps this call trained (0 on a resume of a run already at its last step: only the bundles were written). */
  readonly trainedSteps: number;
  readonly interrupted: boolean;
  /** The EMA bundles written. */
  readonly ema: readonly string[];
}

/** Where the probe's models and data are, and what it samples. */
export interface QualityProbeOptions {
  readonly tokenizer: string;
  readonly evalClassifier: string;
  readonly rewardClassifier: string;
  readonly data: string;
  /** Index of the first held-out training image (they run to the end of the train split); undefined: no rewardFd. */
  readonly heldOutFrom: number | undefined;
  /** Samples per probe (class-balanced). */
  readonly n: number;
  /** Sampling steps T. */
  readonly steps: number;
  /** Sampling seed: the same for every probe, so the curve compares models, not sample draws. */
  readonly seed: number;
}

/** One probe's figures. */
export interface QualityProbeResult {
  readonly fcd: number;
  readonly precision: number;
  readonly recall: number;
  readonly accuracy: number;
  /** FD of reward-classifier features vs the held-out training images (null without a hold-out). */
  readonly rewardFd: number | null;
}

/** A loaded probe (`createQualityProbe` of @speedrl/eval makes one). */
export interface QualityProbe {
  /** Samples from `params` and measures the set (FCD at the probe's T and its companions). */
  measure(params: MaskGitParams, config: MaskGitConfig): Promise<QualityProbeResult>;
}

/** Version of the token cache's recipe: bump it when the tokens are computed differently. */
const TOKEN_CACHE_VERSION = 1;

/**
 * The training set as tokens: from `train-tokens.safetensors` in the run directory when its key (SHA-256 of the
 * tokenizer's files and the training images, and --limit) matches, else encoded now and written there.
 */
async function tokenizeDataset(o: TrainMaskgitOptions, dir: string, io: TextIo): Promise<{ tokens: Int32Array; classes: Int32Array; count: number; key: string }> {
  const cache = join(dir, 'train-tokens.safetensors');
  const names = idxFileNames('train');
  const { key } = await contentKey({
    'tokenizer/model.safetensors': join(o.tokenizer, 'model.safetensors'),
    'tokenizer/config.json': join(o.tokenizer, 'config.json'),
    'data/train-images': findIdxFile(o.data, names.images),
    'data/train-labels': findIdxFile(o.data, names.labels),
  }, { version: TOKEN_CACHE_VERSION, limit: o.limit });
  if (existsSync(cache)) {
    const { tensors, metadata } = await readSafetensors(cache);
    const tokens = tensors.tokens?.data;
    const classes = tensors.classes?.data;
    if (metadata.key === key && tokens instanceof Int32Array && classes instanceof Int32Array) return { tokens, classes, count: classes.length, key };
    io.stderr(`train-maskgit: ${cache} was made from other files or options; encoding the training set again\n`);
  }
  const data = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  if (data.count === 0) throw new UsageError(`--data: the train split of "${o.data}" holds no images`);
  const { model } = await loadVq(o.tokenizer);
  io.stderr(`encoding ${data.count} training images with ${o.tokenizer}\n`);
  const tokens = encode(model, data.images);
  disposeVqModel(model);
  const classes = Int32Array.from(data.labels);
  await writeSafetensors(cache, {
    tokens: { dtype: 'I32', shape: [data.count, tokens.length / data.count], data: tokens },
    classes: { dtype: 'I32', shape: [data.count], data: classes },
  }, { key });
  return { tokens, classes, count: data.count, key };
}

/** The training loss metrics.jsonl (`path`) logged for `step`, if any (the last such record). */
function lossLoggedAt(path: string, step: number): number | undefined {
  const record = readJsonl<{ step?: number; event?: string; loss?: unknown }>(path).records.filter((r) => r.step === step && r.event === undefined && typeof r.loss === 'number').at(-1);
  return record?.loss as number | undefined;
}

/** What both engines' trainers offer (the tfjs one synchronously). */
interface AsyncTrainer {
  step(tokens: Int32Array, classes: Int32Array, rng: Rng): StepResult | Promise<StepResult>;
  params(): MaskGitParams;
  optimizerState(): OptimizerState;
  dispose(): void | Promise<void>;
}

const paramTensors = (p: MaskGitParams, prefix = '') =>
  Object.fromEntries([...p].map(([name, t]) => [`${prefix}${name}`, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));

/** The quality-vs-training curve a run with --eval-every draws after every probe. */
export const QUALITY_CURVE_FILE = 'quality-vs-training.png';

/** The EMA decays of `--ema` (empty for none); bad ones are a usage error naming the flag. */
export function emaDecays(o: Pick<TrainMaskgitOptions, 'ema'>): number[] {
  if (o.ema === 'none') return [];
  const decays = o.ema.split(',').map(Number);
  try {
    validateEmaDecays(decays, '--ema');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return decays;
}

/**
 * The cool-down of `--cooldown` as the steps it spans (null for none); one that is not an rsqrt tail after the warm-up
 * is a usage error naming the flag (docs/architecture.md, "Learning-rate schedules").
 */
export function cooldownOf(o: Pick<TrainMaskgitOptions, 'cooldown' | 'steps' | 'warmup' | 'lrSchedule'>): LrCooldown | null {
  if (o.cooldown === 0) return null;
  if (o.lrSchedule !== 'rsqrt') throw new UsageError(`--cooldown: a cool-down ends an rsqrt schedule; pass --lr-schedule rsqrt (a cosine already decays over the whole run), or --cooldown 0`);
  if (o.cooldown > o.steps - o.warmup) throw new UsageError(`--cooldown: ${o.cooldown} steps do not fit between the warm-up (--warmup ${o.warmup}) and --steps ${o.steps}`);
  return { from: o.steps - o.cooldown, to: o.steps };
}

/**
 * Refuses a resume whose cool-down (`now`, from --steps and --cooldown) would change the learning rate of a step the run
 * already trained (`was`: the checkpoint's): a cool-down may be added, moved or dropped only while it has not begun.
 */
export function checkCooldownResume(was: LrCooldown | null, now: LrCooldown | null, step: number): void {
  if (was?.from === now?.from && was?.to === now?.to) return;
  const begun = Math.min(was?.from ?? Infinity, now?.from ?? Infinity);
  if (begun >= step) return;
  const what = (c: LrCooldown | null) => (c === null ? 'no cool-down' : `a cool-down over steps ${c.from}→${c.to}`);
  const keep = was === null ? '' : ` (keep it with --steps ${was.to} --cooldown ${was.to - was.from})`;
  throw new UsageError(
    `--cooldown: the run is at step ${step} with ${what(was)}; ${what(now)} would change the learning rate of steps it already trained${keep}. ` +
      'A cool-down can be added, moved or dropped only before it begins',
  );
}

/** Bundle directory of the EMA copy with `decay` inside a run directory. */
export function emaBundleDir(runDir: string, decay: number): string {
  return join(runDir, `ema-${decay}`);
}

/** One probe record of metrics.jsonl (`event: "eval"`). */
export interface ProbeRecord {
  readonly step: number;
  readonly weights: string;
  readonly fcd: number;
}

/**
 * Draws the quality-vs-training curve: FCD at T of every set of weights (raw, each EMA) against the training step,
 * from the probe records of a run's metrics.jsonl.
 */
export async function writeQualityCurve(path: string, records: readonly ProbeRecord[], steps: number, n: number): Promise<void> {
  const names = [...new Set(records.map((r) => r.weights))];
  const series = names.map((name) => {
    const mine = records.filter((r) => r.weights === name).sort((a, b) => a.step - b.step);
    return { name, x: mine.map((r) => r.step), y: mine.map((r) => r.fcd) };
  });
  await writeLineChart(path, {
    title: `Quality during training: FCD at T = ${steps} (${n} samples, seed 0)`, xLabel: 'training step', yLabel: 'FCD (eval classifier)', series,
  });
}

/**
 * Trains with `o` in the open run directory `run`; progress and notes go to `io`. With `o.evalEvery > 0`,
 * `createProbe` (e.g. `createQualityProbe` of @speedrl/eval) loads the quality probe.
 */
export async function trainMaskgit(
  o: TrainMaskgitOptions, run: RunDir, io: TextIo, createProbe?: (options: QualityProbeOptions) => Promise<QualityProbe>,
): Promise<TrainMaskgitSummary> {
  checkDataDir(o.data);
  const backend = await initBackend();
  let vq: Awaited<ReturnType<typeof loadVq>>['model'];
  try {
    vq = (await loadVq(o.tokenizer)).model;
  } catch (error) {
    throw new UsageError(`--tokenizer: ${(error as Error).message.split('\n')[0]} (a tokenizer directory is the tokenizer/ folder that train-vq writes)`);
  }
  const config = maskGitPreset(o.preset, { numCodes: vq.config.codebookSize }); // K comes from the tokenizer
  disposeVqModel(vq);
  const decays = emaDecays(o);
  const cooldown = cooldownOf(o);
  const { tokens: allTokens, classes: allClasses, count: allCount, key: tokensKey } = await tokenizeDataset(o, run.dir, io);
  const L = config.seqLen;
  if (allTokens.length !== allCount * L) throw new UsageError(`--tokenizer: it makes ${allTokens.length / allCount} tokens per image, the ${o.preset} transformer expects ${L}`);
  if (o.holdout >= allCount) throw new UsageError(`--holdout: ${o.holdout} leaves no training images of the ${allCount} loaded`);
  const count = allCount - o.holdout;
  const tokens = allTokens.subarray(0, count * L);
  const classes = allClasses.subarray(0, count);
  const rng = Rng.fromSeed(o.seed);
  let params = initParams(config, rng.fork(0));
  let startStep = 0;
  let optimizerState: OptimizerState | undefined;
  let emaState: WeightEmaState | undefined;
  let emaSince = 0; // the step the weight EMAs started averaging at
  if (run.resumeFrom !== undefined) {
    const statePath = join(run.resumeFrom, RUN_FILES.state);
    const state = JSON.parse(await readFile(statePath, 'utf8')) as {
      step: number; seed?: unknown; run?: unknown; emaSteps?: number; emaSince?: number; emaUpdates?: number; tokensKey?: string; trainerSha256?: unknown; lrCooldown?: LrCooldown | null;
    };
    checkCheckpointSeed(state.seed, o.seed, run.resumeFrom);
    checkCheckpointRun(state.run, run, run.resumeFrom); // same seed, other lr, size or data: another run's
    const { tensors } = await readRecordedSafetensors(join(run.resumeFrom, 'trainer.safetensors'), state.trainerSha256, statePath, '--resume');
    const pick = (prefix: string): MaskGitParams => new Map(paramSpecs(config).map((s) => {
      const t = tensors[`${prefix}${s.name}`];
      if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${run.resumeFrom}/trainer.safetensors: tensor "${prefix}${s.name}" is missing`);
      return [s.name, { shape: [...t.shape], data: t.data }];
    }));
    if (state.tokensKey !== undefined && state.tokensKey !== tokensKey) {
      throw new UsageError(`--resume: the tokenizer's files (${o.tokenizer}) or the training images (${o.data}) changed since this run's checkpoint; it would go on training on other tokens. Start a new --out`);
    }
    startStep = state.step;
    if (startStep > o.steps) throw new UsageError(`--steps: the run in ${run.dir} is already at step ${startStep}; give at least that many`);
    checkCooldownResume(state.lrCooldown ?? null, cooldown, startStep);
    params = pick('param.');
    optimizerState = { step: startStep, m: pick('adam_m.'), v: pick('adam_v.') };
    if (decays.length > 0 && typeof state.emaSteps === 'number') {
      emaState = { steps: state.emaSteps, sums: new Map(decays.map((d) => [d, pick(`ema_${d}.`)])) };
      emaSince = state.emaSince ?? 0;
    } else if (decays.length > 0) {
      // a checkpoint of the warm-up EMA (d_t = min(d, (1 + t)/(10 + t)), `emaUpdates`), under which every decay of the run
      // was the same short average: its averages cannot become bias-corrected sums, so the EMAs start over here
      emaSince = startStep;
      io.stderr(`train-maskgit: the checkpoint's weight EMAs use the old warm-up scheme (every decay the same average); they restart, bias-corrected, at step ${startStep}\n`);
    }
    io.stderr(`resuming from step ${startStep} (${resumeNote(run.resumeFrom)})\n`);
  }
  const trainerOptions = {
    lr: o.lr, warmupSteps: o.warmup, totalSteps: o.steps, minLrRatio: o.minLrRatio, lrSchedule: o.lrSchedule, cooldownSteps: o.cooldown,
    ...(optimizerState ? { initialState: optimizerState } : {}),
  };
  const trainer: AsyncTrainer = o.engine === 'ort' ? await createOrtTrainer(config, params, trainerOptions) : createTrainer(config, params, trainerOptions);
  const ema = decays.length > 0 ? createWeightEma(params, decays, emaState) : undefined;
  if (o.evalEvery > 0 && createProbe === undefined) throw new Error('trainMaskgit: evalEvery > 0 needs createProbe (createQualityProbe of @speedrl/eval)');
  const probe = o.evalEvery > 0 && createProbe !== undefined ? await createProbe({
    tokenizer: o.tokenizer, evalClassifier: o.classifier, rewardClassifier: o.rewardClassifier, data: o.data,
    heldOutFrom: o.holdout > 0 ? count : undefined, n: o.evalN, steps: o.evalSteps, seed: 0,
  }) : undefined;
  io.stderr(`train-maskgit: ${o.preset} transformer on ${o.engine}, ${count} images${o.holdout > 0 ? ` (${o.holdout} held out)` : ''}, batch ${o.batch}, steps ${startStep}→${o.steps}, ${o.lrSchedule} LR${cooldown === null ? '' : ` cooling down to 0 over steps ${cooldown.from}→${cooldown.to}`}, EMA ${o.ema}, backend ${backend.backend}\n`);
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const progress = createProgress({ label: 'train-maskgit', total: o.steps, io });
  const saveCheckpoint = async (step: number): Promise<void> => {
    const opt = trainer.optimizerState();
    const sums = ema?.state().sums;
    const emaTensors = sums === undefined ? {} : Object.assign({}, ...decays.map((d) => paramTensors(sums.get(d) as MaskGitParams, `ema_${d}.`)));
    const bytes = encodeSafetensors({ ...paramTensors(trainer.params(), 'param.'), ...paramTensors(opt.m, 'adam_m.'), ...paramTensors(opt.v, 'adam_v.'), ...emaTensors });
    const state = { step, seed: o.seed, run: checkpointRunRecord(run), tokensKey, trainerSha256: sha256Hex(bytes), lrCooldown: cooldown, ...(ema ? { emaSteps: ema.steps, emaSince } : {}) };
    await writeCheckpointDir(join(run.dir, RUN_FILES.checkpoint), { 'trainer.safetensors': bytes, [RUN_FILES.state]: JSON.stringify(state) });
  };
  const probeAll = async (step: number): Promise<void> => {
    if (probe === undefined) return;
    const candidates: [string, MaskGitParams][] = [['raw', trainer.params()], ...decays.map((d): [string, MaskGitParams] => [`ema-${d}`, (ema as WeightEma).average(d)])];
    for (const [weights, p] of candidates) {
      const r = await probe.measure(p, config);
      run.log({ step, event: 'eval', weights, steps: o.evalSteps, n: o.evalN, ...r });
      io.stderr(`step ${step} ${weights}: FCD@T${o.evalSteps} ${r.fcd.toFixed(2)}, recall ${r.recall.toFixed(3)}, accuracy ${r.accuracy.toFixed(3)}${r.rewardFd === null ? '' : `, reward-FD vs held-out train ${r.rewardFd.toFixed(3)}`}\n`);
    }
    const probes = readJsonl<{ step: number; event?: string; weights: string; fcd: number }>(join(run.dir, RUN_FILES.metrics)).records.filter((m) => m.event === 'eval');
    await writeQualityCurve(join(run.dir, QUALITY_CURVE_FILE), probes, o.evalSteps, o.evalN);
  };
  let step = startStep;
  let lastLoss: number | undefined;
  try {
    const batchTokens = new Int32Array(o.batch * L);
    const batchClasses = new Int32Array(o.batch);
    while (step < o.steps && !interrupt.stop.requested) {
      const stepRng = rng.fork(1 + step); // batch, masks and class dropout are a function of (seed, step): resumable exactly
      for (let b = 0; b < o.batch; b++) {
        const i = stepRng.int(count);
        batchTokens.set(tokens.subarray(i * L, (i + 1) * L), b * L);
        batchClasses[b] = classes[i] as number;
      }
      const t0 = performance.now();
      const r = await trainer.step(batchTokens, batchClasses, stepRng);
      step++;
      if (ema !== undefined && step % o.emaEvery === 0) ema.update(trainer.params(), o.emaEvery);
      lastLoss = r.loss;
      if (!Number.isFinite(r.loss)) throw new Error(`train-maskgit: loss became ${r.loss} at step ${step}; ${checkpointNote(join(run.dir, RUN_FILES.checkpoint))}`);
      if (step % o.logEvery === 0 || step === o.steps) {
        run.log({ step, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr, samplesPerSecond: o.batch / ((performance.now() - t0) / 1000) });
      }
      progress.update(step, { loss: r.loss });
      // probe before the checkpoint: a run killed mid-probe resumes from an earlier step, trims the partial probe and redoes it;
      // the last step is probed too (the weights that ship), once: a resume at the last step runs no step and probes nothing
      if (o.evalEvery > 0 && (step % o.evalEvery === 0 || step === o.steps)) await probeAll(step);
      if (step % o.checkpointEvery === 0) await saveCheckpoint(step);
    }
    await saveCheckpoint(step);
    if (interrupt.stop.requested) throw new InterruptedError(`train-maskgit: stopped by ${interrupt.stop.signal ?? 'a signal'} at step ${step}; checkpoint saved in ${join(run.dir, RUN_FILES.checkpoint)}, continue with --resume`);
    // no step ran (a resume at the last step): the loss an uninterrupted run recorded is the one logged for this step
    lastLoss ??= lossLoggedAt(join(run.dir, RUN_FILES.metrics), step);
    const metadata = { command: 'train-maskgit', step, seed: o.seed, ...(lastLoss === undefined ? {} : { finalLoss: lastLoss }), tokenizerKey: await tokenizerKey(o.tokenizer) };
    await writeBundle(run.dir, trainer.params(), config, o.tokenizer, { ...metadata, weights: 'raw' });
    for (const d of decays) await writeBundle(emaBundleDir(run.dir, d), (ema as WeightEma).average(d), config, o.tokenizer, { ...metadata, weights: `ema-${d}`, emaDecay: d, emaSince });
    await run.finish(); // the run's products are complete: an earlier run a --force set aside goes
    progress.finish({ step, ...(lastLoss === undefined ? {} : { loss: lastLoss }) });
    return { out: run.dir, step, finalLoss: lastLoss, trainedSteps: step - startStep, interrupted: interrupt.stop.requested, ema: decays.map((d) => emaBundleDir(run.dir, d)) };
  } finally {
    interrupt.dispose();
    await trainer.dispose();
  }
}
