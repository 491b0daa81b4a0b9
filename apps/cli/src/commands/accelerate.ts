/**
 * `speedrl accelerate`: Speed-RL (arXiv 2512.01094; docs/architecture.md, "Speed-RL objective") on a base bundle — GRPO
 * with a speed reward, exact KL to the frozen base, low-quality filtering — on the onnxruntime engine; metrics.jsonl,
 * grids, checkpoints, --resume, Ctrl-C saves; the accelerated bundle lands in OUT/model.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { Rng, readJsonl } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, initBackend, writeImageGrid } from '@speedrl/tensor-utils';
import { loadModel, saveModel, writeOnnxModel, createOrtTrainEngine } from '@speedrl/maskgit';
import { decode, disposeVqModel, loadVq } from '@speedrl/vq-tokenizer';
import {
  DEFAULT_SPEED_RL_CONFIG, TRAINER_STATE_FILE, resolveSpeedRlConfig, restoreSpeedRlCheckpoint, runSpeedRl, writeSpeedRlCheckpoint,
  type SpeedRlConfig,
} from '@speedrl/rl-trainer';
import { gatherOptions, parseOptions } from '../config-file';
import { InterruptedError, UsageError } from '../errors';
import { MASKGIT_DIR, TOKENIZER_DIR, bundleIdentity, installBundleTokenizer, tokenizerKey } from '@speedrl/pipeline';
import { installInterruptHandler } from '../interrupt';
import type { TextIo } from '@speedrl/core';
import { createProgress } from '@speedrl/core';
import { RUN_FILES, openRunDir, runModeOf, savedRunOptions } from '../run-dir';
import { createMaskgitPolicy, createReference } from '@speedrl/pipeline';
import { createQualityReward } from '@speedrl/pipeline';
import { seedFlag, usageErrorForConfigField } from '../flags';
import { checkDataDir } from '@speedrl/pipeline';

const D = DEFAULT_SPEED_RL_CONFIG;
const int = (min: number) => z.coerce.number().int().min(min);
const num = (min: number) => z.coerce.number().min(min);
/** The options of `accelerate` (also a config file's valid keys: `ablate` checks its --config against them). */
export const accelerateOptionsSchema = z.object({
  base: z.string().min(1), rewardClassifier: z.string().min(1), out: z.string().min(1), seed: seedFlag,
  iterations: int(0), groupSize: int(2), classesPerIteration: int(0),
  stepChoices: z.union([z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/, 'a comma-separated list of step counts ≥ 1'), z.array(int(1))]),
  speedWeight: num(0), floor: z.string().regex(/^(none|-?[0-9.]+)$/, '"none" or a number (z-scored quality floor)'),
  loss: z.enum(['grpo', 'ppo', 'reinforce']), clipLow: num(0).lt(1, 'must be < 1'), clipHigh: num(0), klBeta: num(0),
  stepFraction: z.coerce.number().gt(0, 'must be > 0').max(1, 'must be ≤ 1'), innerEpochs: int(1), lr: z.coerce.number().gt(0, 'must be > 0'), warmup: int(0), microBatch: int(1), checkpointEvery: int(0), gridEvery: int(0),
  wClassifier: num(0), wRealism: num(0), wMmd: num(0), data: z.string().min(1), timeBudget: num(0),
});
type Options = z.infer<typeof accelerateOptionsSchema>;
const DEFAULTS: Options = {
  base: 'models/fashion-mnist', rewardClassifier: 'models/fashion-mnist/classifiers/reward', out: 'runs/accelerate', seed: 0,
  iterations: D.iterations, groupSize: D.groupSize, classesPerIteration: D.classesPerIteration, stepChoices: D.stepChoices.join(','),
  speedWeight: D.speedWeight, floor: D.qualityFloor.kind === 'absolute' ? String(D.qualityFloor.value) : 'none', loss: D.loss,
  clipLow: D.clipLow, clipHigh: D.clipHigh, klBeta: D.klBeta, stepFraction: D.stepFraction, innerEpochs: D.innerEpochs,
  lr: D.learningRate, warmup: D.warmupIterations, microBatch: D.trainMicroBatch, checkpointEvery: D.checkpointEvery,
  gridEvery: D.gridEvery, wClassifier: 0.5, wRealism: 0, wMmd: 1, // realism alone collapsed diversity; see configs/fashion-mnist-speedrl.yaml
  data: DEFAULT_FASHION_MNIST_DIR, timeBudget: 0,
};

/** rl-trainer config fields whose flag is not their kebab-case name. */
const CONFIG_FLAGS: Readonly<Record<string, string>> = { learningRate: '--lr', warmupIterations: '--warmup', trainMicroBatch: '--micro-batch', qualityFloor: '--floor' };

/** The rl-trainer config these options describe; a value it refuses is a usage error naming the flag. */
export function speedRlConfigOf(o: Options): SpeedRlConfig {
  if (!(o.wClassifier + o.wRealism + o.wMmd > 0)) throw new UsageError('--w-classifier, --w-realism, --w-mmd: at least one quality-reward weight must be > 0');
  const steps = Array.isArray(o.stepChoices) ? o.stepChoices : o.stepChoices.split(',').map(Number);
  return usageErrorForConfigField(CONFIG_FLAGS, () => resolveSpeedRlConfig({
    iterations: o.iterations, groupSize: o.groupSize, classesPerIteration: o.classesPerIteration, stepChoices: steps,
    speedWeight: o.speedWeight, qualityFloor: o.floor === 'none' ? { kind: 'none' } : { kind: 'absolute', value: Number(o.floor) },
    loss: o.loss, clipLow: o.clipLow, clipHigh: o.clipHigh, klBeta: o.klBeta, stepFraction: o.stepFraction, innerEpochs: o.innerEpochs,
    learningRate: o.lr, warmupIterations: o.warmup, trainMicroBatch: o.microBatch, checkpointEvery: o.checkpointEvery, gridEvery: o.gridEvery,
  }));
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Registers `accelerate` on the program. */
export function accelerateCommand(io: TextIo): Command {
  const cmd = new Command('accelerate').description('Speed-RL: fine-tune a base model so it samples well in fewer steps');
  const help: Record<keyof Options, string> = {
    base: 'base model directory (tokenizer/ + maskgit/)', rewardClassifier: 'REWARD classifier directory (with feature statistics)',
    out: 'run directory (metrics.jsonl, grids/, checkpoint/, model/)', seed: 'seed of rollouts and step budgets',
    iterations: 'RL iterations', groupSize: 'GRPO group size G (rollouts per class)', classesPerIteration: 'classes per iteration (0 = all)',
    stepChoices: 'step budgets T drawn per rollout', speedWeight: 'λ of the speed reward 1 − T/Tmax', floor: 'z-scored quality floor for speed credit, or none',
    loss: 'grpo, ppo or reinforce', clipLow: 'ratio clip below (1 − clipLow)', clipHigh: 'ratio clip above (1 + clipHigh)',
    klBeta: 'β of the exact KL to the base (0 = none)', stepFraction: 'fraction of each trajectory\'s steps trained on', innerEpochs: 'updates per rollout batch μ',
    lr: 'learning rate (AdamW, no weight decay)', warmup: 'warm-up iterations', microBatch: 'training rows per gradient call',
    checkpointEvery: 'iterations between checkpoints', gridEvery: 'iterations between PNG grids', wClassifier: 'weight of the classifier reward', wRealism: 'weight of the realism reward',
    wMmd: 'weight of the mmd (MMD witness) reward', data: 'IDX dataset directory; its TRAIN split is the mmd reward\'s reference',
    timeBudget: 'minutes of RL (summed over resumes) after which the run saves and stops (0 = no limit)',
  };
  for (const [key, text] of Object.entries(help)) cmd.option(`--${kebab(key)} <v>`, text, String(DEFAULTS[key as keyof Options]));
  cmd
    .option('--config <file>', 'JSON or YAML file with any of these options (camelCase keys; flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run in a non-empty --out (its metrics and checkpoint are replaced)')
    .option('--print-config', 'print the resolved options and rl-trainer config, then exit')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl accelerate --base models/fashion-mnist --out runs/speedrl --iterations 200
  $ speedrl accelerate --out runs/speedrl --resume                      # after Ctrl-C or a crash
  $ speedrl accelerate --config speedrl.yaml --kl-beta 0 --out runs/no-kl   # ablation
  $ speedrl accelerate --out runs/speedrl --time-budget 60              # stop (saved) after 60 minutes of RL
  $ speedrl accelerate --print-config
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, accelerateOptionsSchema.partial());
    const fresh = parseOptions(accelerateOptionsSchema, merged);
    const overrides = parseOptions(accelerateOptionsSchema.partial(), typed);
    if (flags.printConfig === true) {
      // a resumed run prints its own options (run.json) with this call's overrides, as --resume would run them
      const shown = flags.resume === true ? parseOptions(accelerateOptionsSchema, { ...(await savedRunOptions(fresh.out)), ...overrides }) : fresh;
      io.stdout(`${JSON.stringify({ options: shown, speedRl: speedRlConfigOf(shown) }, null, 2)}\n`);
      return;
    }
    const outside = relative(resolve(fresh.out), resolve(fresh.base));
    if (outside === '' || !(outside.startsWith('..') || isAbsolute(outside))) throw new UsageError(`--base: "${fresh.base}" is inside --out "${fresh.out}"; the run would write over its own base`);
    const readIteration = async (dir: string): Promise<number> => {
      const state = JSON.parse(await readFile(join(dir, TRAINER_STATE_FILE), 'utf8')) as { iteration?: number };
      return state.iteration ?? 0;
    };
    // the base's files are part of the run: a base changed at the same path is refused on --resume
    const identities = async (opts: Record<string, unknown>): Promise<Record<string, string>> => {
      const dir = String(opts.base);
      try {
        return { '--base': await bundleIdentity(dir) };
      } catch {
        return {}; // a base with missing files: the checks that load it say what is wrong
      }
    };
    const run = await openRunDir(fresh.out, 'accelerate', fresh, runModeOf(flags), overrides, readIteration, identities);
    const summary = await accelerate(parseOptions(accelerateOptionsSchema, run.options), run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `accelerated model in ${summary.model} after ${summary.iterations} iterations\n`);
  });
}

async function accelerate(o: Options, run: Awaited<ReturnType<typeof openRunDir>>, io: TextIo) {
  checkDataDir(o.data);
  const backend = await initBackend();
  const config = speedRlConfigOf(o);
  for (const sub of [TOKENIZER_DIR, MASKGIT_DIR]) {
    if (!existsSync(join(o.base, sub))) throw new UsageError(`--base: "${join(o.base, sub)}" is missing (a model directory holds ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/)`);
  }
  const base = await loadModel(join(o.base, MASKGIT_DIR));
  const baseTokenizer = await tokenizerKey(join(o.base, TOKENIZER_DIR));
  if (typeof base.metadata.tokenizerKey === 'string' && base.metadata.tokenizerKey !== baseTokenizer) {
    throw new UsageError(`--base: ${join(o.base, TOKENIZER_DIR)} is not the tokenizer ${join(o.base, MASKGIT_DIR)} was trained on (its files differ from the recorded key)`);
  }
  const { model: vq } = await loadVq(join(o.base, TOKENIZER_DIR));
  if (vq.config.codebookSize !== base.config.numCodes) {
    disposeVqModel(vq);
    throw new UsageError(`--base: the tokenizer has ${vq.config.codebookSize} codes but the transformer expects ${base.config.numCodes}`);
  }
  const policy = await createMaskgitPolicy(base.config, base.params, { weightDecay: 0, clipNorm: 1 });
  const refEngine = await createOrtTrainEngine(base.config);
  const quality = await createQualityReward(o.rewardClassifier, { classifier: o.wClassifier, realism: o.wRealism, mmd: o.wMmd }, { dataDir: o.data, limit: 20_000 });
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  let rng = Rng.fromSeed(o.seed);
  let startIteration = 0;
  if (run.resumeFrom !== undefined) {
    const restored = await restoreSpeedRlCheckpoint(checkpointDir, policy);
    rng = restored.rng;
    startIteration = restored.iteration;
    if (startIteration > config.iterations) throw new UsageError(`--iterations: the run in ${run.dir} is already at iteration ${startIteration}; give at least that many`);
    if (restored.normalizer !== undefined) quality.restoreNormaliser(restored.normalizer as ReturnType<typeof quality.normaliserState>);
    io.stderr(`resuming at iteration ${startIteration} (${checkpointDir})\n`);
  }
  if (config.classesPerIteration > base.config.numClasses) {
    throw new UsageError(`--classes-per-iteration: must be ≤ ${base.config.numClasses} (the classes of ${o.base}) or 0 for all, got ${config.classesPerIteration}`);
  }
  const tooLong = config.stepChoices.filter((t) => t > base.config.seqLen);
  if (tooLong.length > 0) throw new UsageError(`--step-choices: each T must be ≤ ${base.config.seqLen} (the tokens per image of ${o.base}), got ${tooLong.join(',')}`);
  const classes = config.classesPerIteration === 0 ? base.config.numClasses : config.classesPerIteration;
  const rollouts = classes * config.groupSize;
  const meanT = config.stepChoices.reduce((a, b) => a + b, 0) / config.stepChoices.length;
  io.stderr([
    `speedrl accelerate: base ${o.base} (${base.config.dim}×${base.config.depth}, K=${base.config.numCodes}), onnxruntime engine, tfjs backend ${backend.backend}`,
    `  per iteration: ${classes} classes × G=${config.groupSize} = ${rollouts} rollouts, T ∈ {${config.stepChoices.join(',')}} (mean ${meanT.toFixed(1)}):`,
    `  ≈ ${Math.round(rollouts * meanT)} sample-steps of forward passes, then ${config.innerEpochs} update(s) over ≈ ${Math.round(rollouts * meanT * config.stepFraction)} step rows in micro-batches of ${config.trainMicroBatch}`,
    `  loss ${config.loss}, λ=${config.speedWeight}, β=${config.klBeta}, lr ${config.learningRate}, iterations ${startIteration}→${config.iterations}, out ${run.dir}`,
  ].join('\n') + '\n');
  // RL wall-clock summed over resumes: elapsedMs of the checkpoint's own record (the last one --resume keeps)
  let priorMs = 0;
  if (run.resumeFrom !== undefined && startIteration > 0) {
    const metricsPath = join(run.dir, RUN_FILES.metrics);
    const record = readJsonl<{ step?: number; elapsedMs?: number }>(metricsPath).records.filter((r) => r.step === startIteration).at(-1);
    if (record === undefined || typeof record.elapsedMs !== 'number') {
      throw new UsageError(
        `--resume: ${metricsPath} has no record of iteration ${startIteration} (the checkpoint's), so the RL time already spent is unknown; ` +
          'restore the file, or start a new run with another --out',
      );
    }
    priorMs = record.elapsedMs;
  }
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const abort = new AbortController();
  const budgetMs = o.timeBudget * 60_000;
  const started = performance.now();
  let budgetReached = false;
  const progress = createProgress({ label: 'accelerate', total: config.iterations, io });
  await mkdir(join(run.dir, 'grids'), { recursive: true });
  try {
    const result = await runSpeedRl({
      policy, reference: createReference(refEngine, base.params), reward: quality.reward, config, rng, startIteration, signal: abort.signal,
      decoder: { height: 28, width: 28, decode: async (tokens) => decode(vq, tokens) },
      onMetrics: async (m) => {
        const elapsedMs = priorMs + performance.now() - started;
        run.log({ ...m, elapsedMs, step: m.iteration + 1 }); // step = iterations done, as the checkpoint counts them
        progress.update(m.iteration, { reward: m.rewardMean, steps: m.stepsMean, kl: m.klMean });
        if (budgetMs > 0 && elapsedMs >= budgetMs) budgetReached = true;
        if (interrupt.stop.requested || budgetReached) abort.abort();
      },
      onCheckpoint: async ({ iteration }) => {
        await writeSpeedRlCheckpoint(checkpointDir, { iteration, rng: rng.state(), config, policy: await policy.saveState(), normalizer: quality.normaliserState() });
      },
      onGrid: async (iteration, sampleGrid) => {
        for (const steps of [Math.min(...config.stepChoices), Math.max(...config.stepChoices)]) {
          const batch = await sampleGrid({ steps, perClass: 8 });
          await writeImageGrid(join(run.dir, 'grids', `iter-${String(iteration).padStart(5, '0')}-T${steps}.png`), {
            images: batch.images, n: batch.batch, height: 28, width: 28, columns: 8, scale: 2, rowLabels: [...FASHION_MNIST_CLASSES],
          });
        }
      },
    });
    if (result.aborted && !budgetReached) {
      // a signal: the checkpoint is saved; no final model is written for a run that did not finish
      throw new InterruptedError(`accelerate: stopped by ${interrupt.stop.signal ?? 'a signal'} after iteration ${result.nextIteration}; checkpoint saved in ${checkpointDir}, continue with --resume`);
    }
    const modelDir = join(run.dir, 'model');
    await saveModel(join(modelDir, MASKGIT_DIR), policy.params(), base.config, { command: 'accelerate', iterations: result.nextIteration, seed: o.seed, base: o.base, tokenizerKey: baseTokenizer });
    await writeOnnxModel(join(modelDir, MASKGIT_DIR), policy.params(), base.config);
    await installBundleTokenizer(join(o.base, TOKENIZER_DIR), modelDir);
    progress.finish({ iterations: result.nextIteration });
    const elapsedMinutes = (priorMs + performance.now() - started) / 60_000;
    if (result.aborted) io.stderr(`time budget of ${o.timeBudget} min reached after iteration ${result.nextIteration}; continue with --resume --time-budget <more>\n`);
    const stoppedBy = result.aborted ? 'time-budget' : 'end';
    return { model: modelDir, iterations: result.nextIteration, aborted: result.aborted, stoppedBy, elapsedMinutes };
  } finally {
    interrupt.dispose();
    await policy.dispose();
    await refEngine.dispose();
  }
}
