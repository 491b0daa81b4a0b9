/**
 * `speedrl accelerate`: flags of `accelerate` (@speedrl/pipeline), Speed-RL (arXiv 2512.01094; docs/architecture.md,
 * "Speed-RL objective") on a base bundle; metrics.jsonl, grids, checkpoints, --resume, Ctrl-C saves; the accelerated
 * bundle lands in OUT/model.
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { DEFAULT_ADAPTIVE_ROLLOUT, DEFAULT_SPEED_RL_CONFIG } from '@speedrl/rl-trainer';
import { accelerate, checkRolloutOptions, openAccelerateRun, runModeOf, savedRunOptions, speedRlConfigOf, defaultedNote } from '@speedrl/pipeline';
import { gatherOptions, parseOptions, readConfigFile } from '../config-file';
import { minPerStepFlag, seedFlag } from '../flags';
import { flagOf } from '../errors';

const D = DEFAULT_SPEED_RL_CONFIG;
const A = DEFAULT_ADAPTIVE_ROLLOUT;
const probability = z.coerce.number().gt(0, 'must be > 0').max(1, 'must be ≤ 1');
const int = (min: number) => z.coerce.number().int().min(min);
const num = (min: number) => z.coerce.number().min(min);
/** The options of `accelerate` (also a config file's valid keys: `ablate` checks its --config against them). */
export const accelerateOptionsSchema = z.object({
  base: z.string().min(1), rewardClassifier: z.string().min(1), out: z.string().min(1), seed: seedFlag,
  iterations: int(0), groupSize: int(2), classesPerIteration: int(0),
  stepChoices: z.union([z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/, 'a comma-separated list of step counts ≥ 1'), z.array(int(1))]),
  rollout: z.enum(['fixed', 'adaptive']),
  thresholds: z.union([z.string().regex(/^[0-9.]+(,[0-9.]+)*$/, 'a comma-separated list of probabilities in (0, 1]'), z.array(probability)]),
  maxSteps: int(1), minPerStep: minPerStepFlag, adaptiveNoise: z.boolean(),
  speedWeight: num(0), floor: z.string().regex(/^(none|-?(\d+(\.\d*)?|\.\d+))$/, '"none" or a decimal number such as -0.5 (z-scored quality floor)'),
  loss: z.enum(['grpo', 'ppo', 'reinforce']), clipLow: num(0).lt(1, 'must be < 1'), clipHigh: num(0), klBeta: num(0),
  stepFraction: z.coerce.number().gt(0, 'must be > 0').max(1, 'must be ≤ 1'), innerEpochs: int(1), lr: z.coerce.number().gt(0, 'must be > 0'), warmup: int(0), microBatch: int(1), checkpointEvery: int(0), gridEvery: int(0),
  wClassifier: num(0), wRealism: num(0), wMmd: num(0), data: z.string().min(1), timeBudget: num(0),
  reward: z.array(z.string().min(1, 'a module spec PATH[:EXPORT][=WEIGHT]')),
});
type Options = z.infer<typeof accelerateOptionsSchema>;
const DEFAULTS: Options = {
  base: 'models/fashion-mnist', rewardClassifier: 'models/fashion-mnist/classifiers/reward', out: 'runs/accelerate', seed: 0,
  iterations: D.iterations, groupSize: D.groupSize, classesPerIteration: D.classesPerIteration, stepChoices: D.stepChoices.join(','),
  rollout: D.rollout.kind, thresholds: A.thresholds.join(','), maxSteps: A.maxSteps, minPerStep: A.minPerStep, adaptiveNoise: false,
  speedWeight: D.speedWeight, floor: D.qualityFloor.kind === 'absolute' ? String(D.qualityFloor.value) : 'none', loss: D.loss,
  clipLow: D.clipLow, clipHigh: D.clipHigh, klBeta: D.klBeta, stepFraction: D.stepFraction, innerEpochs: D.innerEpochs,
  lr: D.learningRate, warmup: D.warmupIterations, microBatch: D.trainMicroBatch, checkpointEvery: D.checkpointEvery,
  gridEvery: D.gridEvery, wClassifier: 0.5, wRealism: 0, wMmd: 1, // realism alone collapsed diversity; see configs/fashion-mnist-speedrl.yaml
  data: DEFAULT_FASHION_MNIST_DIR, timeBudget: 0, reward: [],
};

/** Registers `accelerate` on the program. */
export function accelerateCommand(io: TextIo): Command {
  const cmd = new Command('accelerate').description('Speed-RL: fine-tune a base model so it samples well in fewer steps');
  const help: Record<Exclude<keyof Options, 'reward' | 'adaptiveNoise'>, string> = {
    base: 'base model directory (tokenizer/ + maskgit/)', rewardClassifier: 'REWARD classifier directory (with feature statistics)',
    out: 'run directory (metrics.jsonl, grids/, checkpoint/, model/)', seed: 'seed of rollouts and step budgets',
    iterations: 'RL iterations', groupSize: 'GRPO group size G (rollouts per class)', classesPerIteration: 'classes per iteration (0 = all)',
    stepChoices: 'step budgets T drawn per rollout (--rollout fixed)', rollout: 'fixed (T from --step-choices) or adaptive (the policy\'s confidence decides T)',
    thresholds: 'adaptive: commit thresholds drawn per rollout', maxSteps: 'adaptive: step cap, Tmax of the speed reward', minPerStep: 'adaptive: tokens committed at least per step, schedule (the hybrid), or exit (the schedule with an early exit)',
    speedWeight: 'λ of the speed reward 1 − T/Tmax', floor: 'z-scored quality floor for speed credit, or none',
    loss: 'grpo, ppo or reinforce', clipLow: 'ratio clip below (1 − clipLow)', clipHigh: 'ratio clip above (1 + clipHigh)',
    klBeta: 'β of the exact KL to the base (0 = none)', stepFraction: 'fraction of each trajectory\'s steps trained on', innerEpochs: 'updates per rollout batch μ',
    lr: 'learning rate (AdamW, no weight decay)', warmup: 'warm-up iterations', microBatch: 'training rows per gradient call',
    checkpointEvery: 'iterations between checkpoints', gridEvery: 'iterations between PNG grids', wClassifier: 'weight of the classifier reward', wRealism: 'weight of the realism reward',
    wMmd: 'weight of the mmd (MMD witness) reward', data: 'IDX dataset directory; its TRAIN split is the mmd reward\'s reference',
    timeBudget: 'minutes of RL (summed over resumes) after which the run saves and stops (0 = no limit)',
  };
  for (const [key, text] of Object.entries(help)) cmd.option(`${flagOf(key)} <v>`, text, String(DEFAULTS[key as keyof Options]));
  cmd
    .option(
      '--reward <spec>',
      'user reward module PATH[:EXPORT][=WEIGHT] (export "default", weight 1 if omitted): (batch) => one finite score per sample, z-scored into the quality reward; repeatable. ' +
        'It runs in this process: a module stuck in a synchronous loop ignores Ctrl-C (kill -9 it, then --resume)',
      (spec: string, previous: string[]) => [...previous, spec], [] as string[],
    )
    .option('--adaptive-noise', 'adaptive: rank the top-up by the confidence sampler\'s noisy confidence (its Gumbel choice noise)')
    .option('--config <file>', 'JSON or YAML file with any of these options (camelCase keys; flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--allow-changed-reward', 'with --resume: accept edited --reward module files (same list), recorded in run.json rewardHistory and metrics rewardKey')
    .option('--force', 'start a new run over the run in --out (its records, checkpoint and products are removed; refused for a directory that is no run)')
    .option('--print-config', 'print the resolved options and rl-trainer config, then exit')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl accelerate --base models/fashion-mnist --out runs/speedrl --iterations 200
  $ speedrl accelerate --out runs/speedrl --resume                      # after Ctrl-C or a crash
  $ speedrl accelerate --out runs/ink --resume --allow-changed-reward   # after fixing a --reward module that failed
  $ speedrl accelerate --config speedrl.yaml --kl-beta 0 --out runs/no-kl   # ablation
  $ speedrl accelerate --out runs/speedrl --time-budget 60              # stop (saved) after 60 minutes of RL
  $ speedrl accelerate --reward examples/rewards/ink-coverage.mjs=0.5 --out runs/ink   # built-in rewards + a user reward
  $ speedrl accelerate --w-classifier 0 --w-mmd 0 --reward ./my-reward.mjs:score --out runs/mine   # the user reward alone
  $ speedrl accelerate --rollout adaptive --thresholds 0.5,0.7,0.9 --max-steps 12 --out runs/adaptive   # the policy decides T
  $ speedrl accelerate --print-config
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, accelerateOptionsSchema.partial());
    const fresh = parseOptions(accelerateOptionsSchema, merged);
    const overrides = parseOptions(accelerateOptionsSchema.partial(), typed);
    const onCli = new Set(Object.keys(flags).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
    const inFile = typeof flags.config === 'string' ? readConfigFile(flags.config, accelerateOptionsSchema.partial()) : {};
    const atDefault = parseOptions(accelerateOptionsSchema.partial(), DEFAULTS) as Record<string, unknown>; // a file's key at its default changes nothing (--print-config's output)
    if (flags.resume !== true) checkRolloutOptions(fresh, onCli, Object.fromEntries(Object.entries(inFile).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(atDefault[k])))); // a resume's options are its run.json's
    if (flags.printConfig === true) {
      // a resumed run prints its own options (run.json) with this call's overrides, as --resume would run them
      const shown = flags.resume === true ? parseOptions(accelerateOptionsSchema, { ...(await savedRunOptions(fresh.out)), ...overrides }) : fresh;
      io.stdout(`${JSON.stringify({ options: shown, speedRl: speedRlConfigOf(shown) }, null, 2)}\n`);
      return;
    }
    const run = await openAccelerateRun(fresh, runModeOf(flags), overrides, flags.allowChangedReward === true);
    io.stderr(defaultedNote(run) ?? ''); // a resumed run whose run.json lacks an option says which default it takes
    const summary = await accelerate(parseOptions(accelerateOptionsSchema, run.options), run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `accelerated model in ${summary.model} after ${summary.iterations} iterations\n`);
  });
}
