/**
 * Speed-RL iteration benchmark (a benchmark, not a test): a few iterations of `runSpeedRl` with the default recipe
 * (80 rollouts: 10 classes × G = 8, T ∈ {2, 3, 4, 6}, β = 0.04, μ = 1), the model put together as `speedrl accelerate`
 * does (`loadRlModel`: policy and frozen reference on the onnxruntime training engine, the bundle's tokenizer as the
 * decoder) and accelerate's default quality reward (reward classifier 0.5, MMD witness 1). Each phase of an iteration
 * (rl-trainer's `onPhase` hook) is timed in wall and process CPU time (`process.cpuUsage`: every thread of the
 * process, onnxruntime's included), with iterations per minute.
 *
 * Run from the repository root:
 *   nice -n 19 node --conditions=@speedrl/source --import tsx tools/bench-rl.ts [--iterations 3] [--json] …
 *   (or `npm run bench:rl -w tools -- [flags]`); `--help` lists the flags.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '@speedrl/core';
import { countParams, initParams, maskGitPreset, saveModel } from '@speedrl/maskgit';
import { createQualityReward, installBundleTokenizer, loadRlModel, MASKGIT_DIR, type QualityWeights, type RlModel } from '@speedrl/pipeline';
import { resolveSpeedRlConfig, runSpeedRl, type SpeedRlPhase } from '@speedrl/rl-trainer';
import { DEFAULT_FASHION_MNIST_DIR, initBackend } from '@speedrl/tensor-utils';
import { fmt, machineInfo, markdownTable, parsePositiveInt, progress, type MachineInfo } from './bench-utils';

const RUN = 'node --conditions=@speedrl/source --import tsx tools/bench-rl.ts';
/** accelerate's default quality weights (apps/cli accelerate: --w-classifier 0.5 --w-realism 0 --w-mmd 1). */
const REWARD_WEIGHTS: QualityWeights = Object.freeze({ classifier: 0.5, realism: 0, mmd: 1 });
/** The timed phases in table order; `other` is the iteration's time outside them (metrics, plan, loop glue). */
const PHASES = ['rollout', 'decode', 'reward', 'rows', 'policy', 'reference', 'optimizer'] as const;
type Phase = (typeof PHASES)[number] | 'other';
const PHASE_LABEL: Record<Phase, string> = {
  rollout: 'rollout (sampling, policy forwards)', decode: 'decode (tokens → images)', reward: 'reward (quality, speed, advantages)',
  rows: 'row building (rows, loss weights, KL targets)', policy: 'policy forward + backward', reference: 'reference forward',
  optimizer: 'optimizer (AdamW step)', other: 'other',
};

const HELP = `Speed-RL iteration benchmark: wall and CPU time of each phase of an iteration, and iterations per minute.

Usage: ${RUN} [flags]

  --iterations N        timed iterations (default 3)
  --warmup N            untimed iterations first: sessions open and graphs build in the first one (default 1)
  --model DIR           a bundle (tokenizer/ + maskgit/, e.g. models/fashion-mnist) instead of random weights
  --tokenizer DIR       tokenizer of the random-weight model (default models/fashion-mnist/tokenizer)
  --reward-classifier DIR  the reward classifier (default models/fashion-mnist/classifiers/reward)
  --data DIR            Fashion-MNIST IDX directory: the MMD reward's training images (default ${DEFAULT_FASHION_MNIST_DIR};
                        when missing, the MMD term is off and the report says so)
  --seed N              seed of the random weights and of the run (default 0)
  --json                print one JSON object on stdout instead of markdown
  --help                this text

Without --model the transformer has random-initialised fmnist-preset weights: rollouts then draw near-uniform tokens,
but the work per iteration (80 rollouts, one row per step, the same shapes) is the recipe's. Progress goes to stderr.
A CPU share is the phase's process CPU time over the iteration's; on a machine that other jobs load, compare CPU
times and shares rather than wall times.`;

/** Parsed command-line options. */
interface BenchOptions {
  readonly iterations: number;
  readonly warmup: number;
  readonly modelDir: string | null;
  readonly tokenizer: string;
  readonly rewardClassifier: string;
  readonly data: string;
  readonly seed: number;
  readonly json: boolean;
}

/** Wall and CPU milliseconds of each phase in one iteration. */
type IterationTiming = Record<Phase | 'total', { wallMs: number; cpuMs: number }>;

function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      iterations: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      model: { type: 'string' },
      tokenizer: { type: 'string', default: 'models/fashion-mnist/tokenizer' },
      'reward-classifier': { type: 'string', default: 'models/fashion-mnist/classifiers/reward' },
      data: { type: 'string', default: DEFAULT_FASHION_MNIST_DIR },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help === true) return null;
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`tools/bench-rl.ts: --seed must be an integer ≥ 0, got "${values.seed}"`);
  return {
    iterations: parsePositiveInt(values.iterations as string, '--iterations'),
    warmup: values.warmup === '0' ? 0 : parsePositiveInt(values.warmup as string, '--warmup'),
    modelDir: values.model ?? null,
    tokenizer: values.tokenizer as string,
    rewardClassifier: values['reward-classifier'] as string,
    data: values.data as string,
    seed,
    json: values.json === true,
  };
}

/** The RL model of `--model`, or of random fmnist weights with `--tokenizer` (a temporary bundle, removed by `cleanup`). */
async function openModel(opts: BenchOptions): Promise<{ model: RlModel; source: string; cleanup: () => Promise<void> }> {
  if (opts.modelDir !== null) return { model: await loadRlModel(opts.modelDir, { flag: '--model' }), source: `bundle ${opts.modelDir}`, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'bench-rl-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    // the preset's shape with the tokenizer's vocabulary (the v2 tokenizer has 1,024 codes, the preset 512)
    const vq = JSON.parse(await readFile(join(opts.tokenizer, 'config.json'), 'utf8')) as { config?: { codebookSize?: number } };
    const config = maskGitPreset('fmnist', vq.config?.codebookSize === undefined ? {} : { numCodes: vq.config.codebookSize });
    await saveModel(join(dir, MASKGIT_DIR), initParams(config, Rng.fromSeed(opts.seed)), config);
    await installBundleTokenizer(opts.tokenizer, dir);
    return { model: await loadRlModel(dir, { flag: '--tokenizer' }), source: `random-initialised fmnist weights, tokenizer ${opts.tokenizer}`, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A timer for `onPhase`: per-iteration wall and CPU time of each phase, `other` = iteration − the phases. */
function createPhaseTimer(): { onPhase: (phase: SpeedRlPhase, edge: 'start' | 'end') => void; iterations: IterationTiming[] } {
  const iterations: IterationTiming[] = [];
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const open = new Map<SpeedRlPhase, { wall: number; cpu: number }>();
  let current: IterationTiming | null = null;
  const onPhase = (phase: SpeedRlPhase, edge: 'start' | 'end'): void => {
    if (edge === 'start') {
      if (phase === 'iteration') {
        current = Object.fromEntries([...PHASES, 'other', 'total'].map((p) => [p, { wallMs: 0, cpuMs: 0 }])) as IterationTiming;
      }
      open.set(phase, { wall: performance.now(), cpu: cpuMs() });
      return;
    }
    const began = open.get(phase);
    if (began === undefined || current === null) throw new Error(`tools/bench-rl.ts: phase "${phase}" ended without a start`);
    open.delete(phase);
    const slot = current[phase === 'iteration' ? 'total' : phase];
    slot.wallMs += performance.now() - began.wall;
    slot.cpuMs += cpuMs() - began.cpu;
    if (phase === 'iteration') {
      const inPhases = (key: 'wallMs' | 'cpuMs'): number => PHASES.reduce((s, p) => s + (current as IterationTiming)[p][key], 0);
      current.other = { wallMs: current.total.wallMs - inPhases('wallMs'), cpuMs: current.total.cpuMs - inPhases('cpuMs') };
      iterations.push(current);
      current = null;
    }
  };
  return { onPhase, iterations };
}

/** One row of the summary: mean wall and CPU seconds per iteration of a phase, and its shares. */
interface PhaseRow {
  readonly phase: Phase | 'total';
  readonly wallS: number;
  readonly cpuS: number;
  readonly cpuShare: number;
  readonly wallShare: number;
}

function summarise(timed: readonly IterationTiming[]): PhaseRow[] {
  const mean = (p: Phase | 'total', key: 'wallMs' | 'cpuMs'): number => timed.reduce((s, t) => s + t[p][key], 0) / timed.length / 1000;
  const total = { wall: mean('total', 'wallMs'), cpu: mean('total', 'cpuMs') };
  return ([...PHASES, 'other', 'total'] as const).map((phase) => {
    const wallS = mean(phase, 'wallMs');
    const cpuS = mean(phase, 'cpuMs');
    return { phase, wallS, cpuS, cpuShare: cpuS / total.cpu, wallShare: wallS / total.wall };
  });
}

function report(machine: MachineInfo, load: readonly number[][], info: Record<string, string>, rows: readonly PhaseRow[], perIteration: readonly IterationTiming[]): string {
  const total = rows.find((r) => r.phase === 'total') as PhaseRow;
  const head = [
    `## Speed-RL iteration benchmark (${new Date().toISOString()})`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}, onnxruntime ${machine.onnxruntime}; ` +
      `1-min load average ${load.map((l) => fmt(l[0] ?? 0, 2)).join(' at start, ')} at end`,
    ...Object.entries(info).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ];
  const table = markdownTable(
    ['phase', 'wall s/iter', 'CPU s/iter', 'CPU share %', 'wall share %'],
    rows.map((r) => [r.phase === 'total' ? '**iteration**' : PHASE_LABEL[r.phase], fmt(r.wallS, 3), fmt(r.cpuS, 3), fmt(100 * r.cpuShare, 1), fmt(100 * r.wallShare, 1)]),
    [1, 2, 3, 4],
  );
  const tail = [
    '',
    `Iterations per minute: ${fmt(60 / total.wallS, 2)} (wall); ${fmt(total.cpuS, 3)} CPU s per iteration ` +
      `(${fmt(total.cpuS / total.wallS, 2)} cores busy on average). Per timed iteration, wall s: ${perIteration.map((t) => fmt(t.total.wallMs / 1000, 3)).join(', ')}.`,
    'Phases are bracketed by rl-trainer\'s onPhase hook; CPU time is process-wide (every onnxruntime thread).',
  ];
  return [...head, table, ...tail].join('\n');
}

/** The options, null for --help; a bad flag or a missing directory is a usage error (message on stderr, exit code 2). */
function usage(argv: string[]): BenchOptions | null | 'error' {
  try {
    const opts = parseOptions(argv);
    for (const [flag, dir] of [['--reward-classifier', opts?.rewardClassifier], ['--model', opts?.modelDir], ['--tokenizer', opts?.modelDir === null ? opts.tokenizer : null]] as const) {
      if (typeof dir === 'string' && !existsSync(dir)) throw new RangeError(`tools/bench-rl.ts: ${flag} "${dir}" does not exist`);
    }
    return opts;
  } catch (error) {
    process.stderr.write(`bench-rl: ${(error as Error).message} (--help lists the flags)\n`);
    process.exitCode = 2;
    return 'error';
  }
}

async function main(): Promise<void> {
  const opts = usage(process.argv.slice(2));
  if (opts === 'error') return;
  if (opts === null) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const machine = machineInfo();
  const loadStart = loadavg();
  const backend = await initBackend();
  const weights = existsSync(opts.data) ? REWARD_WEIGHTS : { ...REWARD_WEIGHTS, mmd: 0 };
  progress(`loading the reward (${opts.rewardClassifier}${weights.mmd > 0 ? `, MMD reference from ${opts.data}` : ', no MMD: --data is missing'}) …`);
  const quality = await createQualityReward(opts.rewardClassifier, weights, { dataDir: opts.data, limit: 20_000 });
  const { model, source, cleanup } = await openModel(opts);
  const total = opts.warmup + opts.iterations;
  const config = resolveSpeedRlConfig({ iterations: total, checkpointEvery: 0, gridEvery: 0 });
  const timer = createPhaseTimer();
  const trainedRows: number[] = [];
  try {
    progress(`${source}; ${opts.warmup} warm-up + ${opts.iterations} timed iteration(s) of ${config.groupSize * model.config.numClasses} rollouts …`);
    await runSpeedRl({
      policy: model.policy, reference: model.reference, decoder: model.decoder, reward: quality.reward, config, rng: Rng.fromSeed(opts.seed + 1),
      onPhase: timer.onPhase,
      onMetrics: (m) => {
        trainedRows.push(m.trainedRows);
        const t = timer.iterations.at(-1);
        progress(`iteration ${m.iteration + 1}/${total}${m.iteration < opts.warmup ? ' (warm-up)' : ''}: ${fmt((t?.total.wallMs ?? 0) / 1000, 3)} s wall, ` +
          `${fmt((t?.total.cpuMs ?? 0) / 1000, 3)} s CPU, ${m.trainedRows} rows`);
      },
    });
  } finally {
    await model.dispose();
    await cleanup();
  }
  const timed = timer.iterations.slice(opts.warmup);
  const rows = summarise(timed);
  const load = [loadStart, loadavg()];
  const timedRows = trainedRows.slice(opts.warmup);
  const info: Record<string, string> = {
    Model: `${source}; ${fmt(countParams(model.config) / 1e6)} M parameters, L = ${model.config.seqLen}, K = ${model.config.numCodes}`,
    Recipe: `default Speed-RL config: ${model.config.numClasses} classes × G = ${config.groupSize} rollouts, T ∈ {${config.stepChoices.join(', ')}}, ` +
      `β = ${config.klBeta}, μ = ${config.innerEpochs}, micro-batch ${config.trainMicroBatch}; ${fmt(timedRows.reduce((a, b) => a + b, 0) / timedRows.length)} rows per iteration`,
    Engines: `policy and reference on the onnxruntime training engine; decoder and reward classifier on tfjs-${backend.backend}`,
    Reward: `${opts.rewardClassifier}: classifier ${weights.classifier}, realism ${weights.realism}, MMD ${weights.mmd}`,
    Iterations: `${opts.warmup} warm-up (not timed) + ${opts.iterations} timed; means over the timed ones`,
  };
  if (opts.json) {
    const out = { date: new Date().toISOString(), machine, loadAverage: { start: load[0], end: load[1] }, info, options: opts, phases: rows, iterations: timed, trainedRows: timedRows,
      iterationsPerMinute: 60 / (rows.at(-1) as PhaseRow).wallS };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`${report(machine, load, info, rows, timed)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-rl: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
