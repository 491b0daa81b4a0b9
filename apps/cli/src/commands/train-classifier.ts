/**
 * `speedrl train-classifier --role reward|eval`: trains one of the two Fashion-MNIST CNNs (different
 * architectures and seeds; docs/architecture.md, "Speed-RL objective" and "Evaluation protocol") and writes its feature
 * statistics: per-class Gaussians of the training images for the reward classifier (realism reward), the test-set
 * Gaussian for the evaluation classifier (FCD).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { Rng } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import {
  CLASSIFIER_SEEDS, FEATURE_STATS_FILE, classifierPreset, createClassifier, evaluateClassifier, featureStatistics, loadClassifier, saveClassifier,
  saveFeatureStatistics, trainClassifier,
} from '@speedrl/rewards-clip-fid';
import { gatherOptions, parseOptions } from '../config-file';
import { installInterruptHandler, trainingInputs } from '@speedrl/pipeline';
import type { TextIo } from '@speedrl/core';
import { createProgress } from '@speedrl/core';
import { RUN_FILES, openRunDir, readConfigStep, runModeOf } from '@speedrl/pipeline';
import { seedFlag } from '../flags';
import { checkDataDir } from '@speedrl/pipeline';
import { InterruptedError, UsageError } from '../errors';

/** Where a trained classifier and its statistics go inside the run directory. */
export const CLASSIFIER_DIR = 'classifier';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  role: z.enum(['reward', 'eval']),
  preset: z.enum(['tiny', 'fmnist']),
  data: z.string().min(1),
  out: z.string().min(1),
  epochs: int(0),
  steps: int(0),
  seed: seedFlag.optional(),
  limit: int(0),
  evalLimit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Omit<Options, 'role'> = {
  preset: 'fmnist', data: DEFAULT_FASHION_MNIST_DIR, out: '', epochs: 0, steps: 0, limit: 0, evalLimit: 0,
  checkpointEvery: 500, logEvery: 20,
};

/** Registers `train-classifier` on the program. */
export function trainClassifierCommand(io: TextIo): Command {
  const cmd = new Command('train-classifier')
    .description('train the reward or the evaluation classifier (different CNNs and seeds) and its feature statistics')
    .option('--role <role>', 'reward (used in rewards) or eval (used only to judge; never a reward); required for a new run')
    .option('--preset <name>', 'tiny (tests) or fmnist', DEFAULTS.preset)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (default runs/classifier-<role>)')
    .option('--epochs <n>', 'epochs (0 = the role\'s default: 6 reward, 7 eval)', String(DEFAULTS.epochs))
    .option('--steps <n>', 'total steps instead of epochs (0 = use epochs)', String(DEFAULTS.steps))
    .option('--seed <n>', 'seed (default: the role\'s own seed, reward 1701 / eval 2903)')
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--eval-limit <n>', 'evaluate on the first n test images (0 = all)', String(DEFAULTS.evalLimit))
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run in a non-empty --out (its metrics and checkpoint are replaced)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-classifier --role reward --out runs/classifier-reward
  $ speedrl train-classifier --role eval --epochs 8 --out runs/classifier-eval
  $ speedrl train-classifier --role eval --out runs/classifier-eval --resume
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const mode = runModeOf(flags);
    const { merged, typed } = gatherOptions(cmd, flags, { ...DEFAULTS, role: 'reward' } as Options, schema.partial());
    if (mode !== 'resume' && typed.role === undefined) throw new UsageError('--role: required for a new run (reward or eval); a --resume takes it from run.json');
    if (merged.out === '') merged.out = `runs/classifier-${merged.role}`;
    const parsed = parseOptions(schema, merged);
    // a new run saves the seed it uses, so a resume can check it; a resume takes the run's own (its role's default when absent)
    const fresh = mode === 'resume' ? parsed : { ...parsed, seed: parsed.seed ?? CLASSIFIER_SEEDS[parsed.role] };
    const run = await openRunDir(fresh.out, 'train-classifier', fresh, mode, parseOptions(schema.partial(), typed), readConfigStep, trainingInputs(false));
    const o = parseOptions(schema, run.options);
    const summary = await train(o, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n`
      : `${o.role} classifier in ${join(o.out, CLASSIFIER_DIR)}: test accuracy ${(100 * summary.test.accuracy).toFixed(2)}% on ${summary.test.count} images\n`);
  });
}

async function train(o: Options, run: Awaited<ReturnType<typeof openRunDir>>, io: TextIo) {
  checkDataDir(o.data);
  const backend = await initBackend();
  const config = classifierPreset(o.role, o.preset);
  const seed = o.seed ?? CLASSIFIER_SEEDS[o.role];
  const rng = Rng.fromSeed(seed);
  const data = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  if (data.count === 0) throw new UsageError(`--data: the train split of "${o.data}" holds no images`);
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  const model = run.resumeFrom !== undefined ? (await loadClassifier(run.resumeFrom)).model : createClassifier(o.role, config, rng.fork(0));
  const epochs = o.epochs > 0 ? o.epochs : config.epochs;
  const totalSteps = o.steps > 0 ? o.steps : epochs * Math.floor(data.count / config.batchSize);
  if (model.step > totalSteps) throw new UsageError(`--steps/--epochs: the run in ${run.dir} is already at step ${model.step}, past the ${totalSteps} asked for`);
  if (config.batchSize > data.count) throw new UsageError(`--limit: ${data.count} training images are fewer than the ${o.preset} preset's batch of ${config.batchSize}`);
  io.stderr(`train-classifier: ${o.role} CNN (${o.preset}), seed ${seed}, ${data.count} images, steps ${model.step}→${totalSteps}, backend ${backend.backend}\n`);
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const abort = new AbortController();
  const progress = createProgress({ label: `train-classifier(${o.role})`, total: totalSteps, io });
  // one atomic directory: the step is in its config.json (no second file a kill could leave out of step)
  const checkpoint = async (): Promise<void> => saveClassifier(checkpointDir, model, { command: 'train-classifier', seed });
  try {
    const result = await trainClassifier({
      model, images: data.images, labels: data.labels, steps: totalSteps, rng: rng.fork(1), signal: abort.signal,
      onProgress: async (p) => {
        if (!Number.isFinite(p.loss)) throw new Error(`train-classifier: loss became ${p.loss} at step ${p.step}; last checkpoint kept in ${checkpointDir}`);
        if (p.step % o.logEvery === 0 || p.step === totalSteps) {
          run.log({ step: p.step, loss: p.loss, batchAccuracy: p.accuracy, lr: p.learningRate, stepMs: p.stepMs });
        }
        progress.update(p.step, { loss: p.loss, acc: p.accuracy });
        if (p.step % o.checkpointEvery === 0) await checkpoint();
        if (interrupt.stop.requested) abort.abort();
      },
    });
    await checkpoint();
    if (result.stopped) throw new InterruptedError(`train-classifier: stopped by ${interrupt.stop.signal ?? 'a signal'} at step ${model.step}; checkpoint saved in ${checkpointDir}, continue with --resume`);
    const test = await loadIdxDataset({ dir: o.data, split: 'test', ...(o.evalLimit > 0 ? { limit: o.evalLimit } : {}) });
    const testMetrics = evaluateClassifier(model, test.images, test.labels);
    run.log({ step: model.step, event: 'eval', split: 'test', ...testMetrics });
    const outDir = join(run.dir, CLASSIFIER_DIR);
    await saveClassifier(outDir, model, { command: 'train-classifier', seed, preset: o.preset, step: model.step, test: testMetrics }, { includeOptimizer: false });
    // reward: per-class Gaussians of real training images (realism reward); eval: Gaussian of the test set (FCD reference)
    const stats = o.role === 'reward'
      ? await featureStatistics(model, data.images, data.labels)
      : await featureStatistics(model, test.images, test.labels);
    await saveFeatureStatistics(join(outDir, FEATURE_STATS_FILE), stats, { source: o.role === 'reward' ? 'train' : 'test', count: String(o.role === 'reward' ? data.count : test.count) });
    progress.finish({ step: model.step, testAccuracy: testMetrics.accuracy });
    return { out: outDir, role: o.role, seed, step: model.step, stopped: result.stopped, test: testMetrics };
  } finally {
    interrupt.dispose();
  }
}
