/**
 * `speedrl train-maskgit`: masked-token training of the class-conditional transformer (MaskGIT, Chang et al.
 * 2022) on a dataset encoded by a trained tokenizer; checkpoints, metrics.jsonl, --resume, Ctrl-C saves.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import {
  Rng, readJsonl, readSafetensors, writeCheckpointDir, writeSafetensors, encodeSafetensors, contentKey,
} from '@speedrl/core';
import {
  DEFAULT_FASHION_MNIST_DIR, initBackend, loadIdxDataset, findIdxFile, idxFileNames,
} from '@speedrl/tensor-utils';
import {
  createOrtTrainer, createTrainer, createWeightEma, initParams, maskGitPreset, saveModel, writeOnnxModel, paramSpecs, validateEmaDecays,
  type MaskGitConfig, type MaskGitParams, type MaskGitPresetName, type StepResult, type OptimizerState, type WeightEma, type WeightEmaState,
} from '@speedrl/maskgit';
import { disposeVqModel, encode, loadVq } from '@speedrl/vq-tokenizer';
import { gatherOptions, parseOptions } from '../config-file';
import { InterruptedError, UsageError } from '../errors';
import { MASKGIT_DIR, installBundleTokenizer, tokenizerKey } from '@speedrl/pipeline';
import { installInterruptHandler } from '../interrupt';
import type { TextIo } from '@speedrl/core';
import { createQualityProbe, writeQualityCurve } from '@speedrl/eval';
import { createProgress } from '@speedrl/core';
import { RUN_FILES, openRunDir, runModeOf } from '../run-dir';
import { seedFlag } from '../flags';
import { checkDataDir } from '@speedrl/pipeline';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  preset: z.enum(['tiny', 'fmnist']),
  engine: z.enum(['ort', 'tfjs']),
  tokenizer: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  steps: int(1),
  batch: int(1),
  lr: z.coerce.number().positive(),
  warmup: int(1),
  seed: seedFlag,
  limit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
  lrSchedule: z.enum(['cosine', 'rsqrt']),
  minLrRatio: z.coerce.number().min(0).max(1),
  ema: z.string().regex(/^(none|0?\.\d+(,0?\.\d+)*)$/, 'a comma-separated list of decays in (0, 1), e.g. 0.999,0.9999, or none'),
  emaEvery: int(1),
  holdout: int(0),
  evalEvery: int(0),
  evalN: int(2),
  evalSteps: int(1),
  classifier: z.string().min(1),
  rewardClassifier: z.string().min(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  preset: 'fmnist', engine: 'ort', tokenizer: 'models/fashion-mnist/tokenizer', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/maskgit',
  steps: 20000, batch: 64, lr: 3e-4, warmup: 200, seed: 0, limit: 0, checkpointEvery: 500, logEvery: 10,
  lrSchedule: 'cosine', minLrRatio: 0.1, ema: '0.999,0.9999', emaEvery: 4, holdout: 0, evalEvery: 0, evalN: 2000, evalSteps: 12,
  classifier: 'models/fashion-mnist/classifiers/eval', rewardClassifier: 'models/fashion-mnist/classifiers/reward',
};

/** Registers `train-maskgit` on the program. */
export function trainMaskgitCommand(io: TextIo): Command {
  const cmd = new Command('train-maskgit')
    .description('train the class-conditional MaskGIT transformer on tokenized images (tfjs engine)')
    .option('--preset <name>', 'model size: tiny (tests) or fmnist (shipped model)', DEFAULTS.preset)
    .option('--engine <e>', 'training engine: ort (onnxruntime, fast) or tfjs (reference)', DEFAULTS.engine)
    .option('--tokenizer <dir>', 'trained tokenizer directory (speedrl train-vq output)', DEFAULTS.tokenizer)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (checkpoint, metrics.jsonl, and the model bundle)', DEFAULTS.out)
    .option('--steps <n>', 'optimizer steps in total', String(DEFAULTS.steps))
    .option('--batch <n>', 'batch size', String(DEFAULTS.batch))
    .option('--lr <x>', 'peak learning rate (AdamW)', String(DEFAULTS.lr))
    .option('--warmup <n>', 'linear warm-up steps', String(DEFAULTS.warmup))
    .option('--seed <n>', 'seed of init, batches, masks', String(DEFAULTS.seed))
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--lr-schedule <s>', 'after warm-up: cosine (to lr × min-lr-ratio at --steps) or rsqrt (long tail, floor lr × min-lr-ratio)', DEFAULTS.lrSchedule)
    .option('--min-lr-ratio <x>', 'final (cosine) or floor (rsqrt) learning rate as a fraction of --lr', String(DEFAULTS.minLrRatio))
    .option('--ema <decays>', 'weight-EMA decays kept side by side, each written as the bundle ema-<decay>/ (none = off)', DEFAULTS.ema)
    .option('--ema-every <k>', 'fold the weights into the EMAs every k steps (decay applied k times)', String(DEFAULTS.emaEvery))
    .option('--holdout <n>', 'keep the last n training images out of training (the EMA-decay choice is made on them)', String(DEFAULTS.holdout))
    .option('--eval-every <n>', 'steps between quality probes of every EMA and the raw weights (0 = off)', String(DEFAULTS.evalEvery))
    .option('--eval-n <n>', 'samples per quality probe', String(DEFAULTS.evalN))
    .option('--eval-steps <T>', 'sampling steps of the quality probe', String(DEFAULTS.evalSteps))
    .option('--classifier <dir>', 'evaluation classifier of the probe\'s FCD (reported, never used to choose)', DEFAULTS.classifier)
    .option('--reward-classifier <dir>', 'reward classifier of the probe\'s held-out-train distance (chooses the decay)', DEFAULTS.rewardClassifier)
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run in a non-empty --out (its metrics and checkpoint are replaced)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-maskgit --preset tiny --tokenizer runs/vq-tiny/tokenizer --steps 200 --out runs/mg-tiny
  $ speedrl train-maskgit --preset fmnist --out runs/maskgit          # onnxruntime engine; Ctrl-C saves; then:
  $ speedrl train-maskgit --preset tiny --engine tfjs --steps 50 --out runs/mg-tfjs
  $ speedrl train-maskgit --out runs/maskgit --resume
  $ speedrl train-maskgit --preset fmnist --lr-schedule rsqrt --ema 0.999,0.9995,0.9999 --holdout 10000 \\
      --eval-every 5000 --steps 40000 --out runs/maskgit-long          # then --resume --steps 60000 extends it
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial());
    const fresh = parseOptions(schema, merged);
    emaDecays(fresh);
    const run = await openRunDir(fresh.out, 'train-maskgit', fresh, runModeOf(flags), parseOptions(schema.partial(), typed));
    const options = parseOptions(schema, run.options);
    emaDecays(options);
    const summary = await trainMaskgit(options, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `model bundle in ${options.out}: final loss ${summary.finalLoss.toFixed(4)} after ${summary.step} steps\n`);
  });
}

/** Version of the token cache's recipe: bump it when the tokens are computed differently. */
const TOKEN_CACHE_VERSION = 1;

/**
 * The training set as tokens: from `train-tokens.safetensors` in the run directory when its key (SHA-256 of the
 * tokenizer's files and the training images, and --limit) matches, else encoded now and written there.
 */
async function tokenizeDataset(o: Options, dir: string, io: TextIo): Promise<{ tokens: Int32Array; classes: Int32Array; count: number; key: string }> {
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
function emaDecays(o: Pick<Options, 'ema'>): number[] {
  if (o.ema === 'none') return [];
  const decays = o.ema.split(',').map(Number);
  try {
    validateEmaDecays(decays, '--ema');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return decays;
}

/** Bundle directory of the EMA copy with `decay` inside a run directory. */
export function emaBundleDir(runDir: string, decay: number): string {
  return join(runDir, `ema-${decay}`);
}

/** Writes a model bundle (maskgit/ with ONNX, tokenizer/ copied once) for `params`. */
async function writeBundle(dir: string, params: MaskGitParams, config: MaskGitConfig, tokenizer: string, metadata: Record<string, unknown>): Promise<void> {
  await saveModel(join(dir, MASKGIT_DIR), params, config, metadata);
  await writeOnnxModel(join(dir, MASKGIT_DIR), params, config);
  await installBundleTokenizer(tokenizer, dir);
}

async function trainMaskgit(o: Options, run: Awaited<ReturnType<typeof openRunDir>>, io: TextIo) {
  checkDataDir(o.data);
  const backend = await initBackend();
  let vq: Awaited<ReturnType<typeof loadVq>>['model'];
  try {
    vq = (await loadVq(o.tokenizer)).model;
  } catch (error) {
    throw new UsageError(`--tokenizer: ${(error as Error).message.split('\n')[0]} (a tokenizer directory is the tokenizer/ folder that train-vq writes)`);
  }
  const config = maskGitPreset(o.preset as MaskGitPresetName, { numCodes: vq.config.codebookSize }); // K comes from the tokenizer
  disposeVqModel(vq);
  const decays = emaDecays(o);
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
  if (run.resumeFrom !== undefined) {
    const { tensors } = await readSafetensors(join(run.resumeFrom, 'trainer.safetensors'));
    const pick = (prefix: string): MaskGitParams => new Map(paramSpecs(config).map((s) => {
      const t = tensors[`${prefix}${s.name}`];
      if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${run.resumeFrom}/trainer.safetensors: tensor "${prefix}${s.name}" is missing`);
      return [s.name, { shape: [...t.shape], data: t.data }];
    }));
    const state = JSON.parse(await readFile(join(run.resumeFrom, RUN_FILES.state), 'utf8')) as { step: number; emaUpdates?: number; tokensKey?: string };
    if (state.tokensKey !== undefined && state.tokensKey !== tokensKey) {
      throw new UsageError(`--resume: the tokenizer's files (${o.tokenizer}) or the training images (${o.data}) changed since this run's checkpoint; it would go on training on other tokens. Start a new --out`);
    }
    startStep = state.step;
    if (startStep > o.steps) throw new UsageError(`--steps: the run in ${run.dir} is already at step ${startStep}; give at least that many`);
    params = pick('param.');
    optimizerState = { step: startStep, m: pick('adam_m.'), v: pick('adam_v.') };
    if (decays.length > 0) emaState = { updates: state.emaUpdates ?? 0, averages: new Map(decays.map((d) => [d, pick(`ema_${d}.`)])) };
    io.stderr(`resuming from step ${startStep} (${run.resumeFrom})\n`);
  }
  const trainerOptions = {
    lr: o.lr, warmupSteps: o.warmup, totalSteps: o.steps, minLrRatio: o.minLrRatio, lrSchedule: o.lrSchedule,
    ...(optimizerState ? { initialState: optimizerState } : {}),
  };
  const trainer: AsyncTrainer = o.engine === 'ort' ? await createOrtTrainer(config, params, trainerOptions) : createTrainer(config, params, trainerOptions);
  const ema = decays.length > 0 ? createWeightEma(params, decays, emaState) : undefined;
  const probe = o.evalEvery > 0 ? await createQualityProbe({
    tokenizer: o.tokenizer, evalClassifier: o.classifier, rewardClassifier: o.rewardClassifier, data: o.data,
    heldOutFrom: o.holdout > 0 ? count : undefined, n: o.evalN, steps: o.evalSteps, seed: 0,
  }) : undefined;
  io.stderr(`train-maskgit: ${o.preset} transformer on ${o.engine}, ${count} images${o.holdout > 0 ? ` (${o.holdout} held out)` : ''}, batch ${o.batch}, steps ${startStep}→${o.steps}, ${o.lrSchedule} LR, EMA ${o.ema}, backend ${backend.backend}\n`);
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const progress = createProgress({ label: 'train-maskgit', total: o.steps, io });
  const saveCheckpoint = async (step: number): Promise<void> => {
    const opt = trainer.optimizerState();
    const emaTensors = ema === undefined ? {} : Object.assign({}, ...decays.map((d) => paramTensors(ema.average(d), `ema_${d}.`)));
    const bytes = encodeSafetensors({ ...paramTensors(trainer.params(), 'param.'), ...paramTensors(opt.m, 'adam_m.'), ...paramTensors(opt.v, 'adam_v.'), ...emaTensors });
    const state = { step, seed: o.seed, tokensKey, ...(ema ? { emaUpdates: ema.updates } : {}) };
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
  let lastLoss = NaN;
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
      if (!Number.isFinite(r.loss)) throw new Error(`train-maskgit: loss became ${r.loss} at step ${step}; last checkpoint kept in ${run.dir}`);
      if (step % o.logEvery === 0 || step === o.steps) {
        run.log({ step, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr, samplesPerSecond: o.batch / ((performance.now() - t0) / 1000) });
      }
      progress.update(step, { loss: r.loss });
      // probe before the checkpoint: a run killed mid-probe resumes from an earlier step, trims the partial probe and redoes it
      if (o.evalEvery > 0 && step % o.evalEvery === 0) await probeAll(step);
      if (step % o.checkpointEvery === 0) await saveCheckpoint(step);
    }
    await saveCheckpoint(step);
    if (interrupt.stop.requested) throw new InterruptedError(`train-maskgit: stopped by ${interrupt.stop.signal ?? 'a signal'} at step ${step}; checkpoint saved in ${join(run.dir, RUN_FILES.checkpoint)}, continue with --resume`);
    const metadata = { command: 'train-maskgit', step, seed: o.seed, finalLoss: lastLoss, tokenizerKey: await tokenizerKey(o.tokenizer) };
    await writeBundle(run.dir, trainer.params(), config, o.tokenizer, { ...metadata, weights: 'raw' });
    for (const d of decays) await writeBundle(emaBundleDir(run.dir, d), (ema as WeightEma).average(d), config, o.tokenizer, { ...metadata, weights: `ema-${d}`, emaDecay: d });
    progress.finish({ step, loss: lastLoss });
    return { out: run.dir, step, finalLoss: lastLoss, interrupted: interrupt.stop.requested, ema: decays.map((d) => emaBundleDir(run.dir, d)) };
  } finally {
    interrupt.dispose();
    await trainer.dispose();
  }
}
