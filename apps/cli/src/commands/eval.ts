/**
 * `speedrl eval` (docs/architecture.md, "Evaluation protocol"): for each step budget T and seed, sample a
 * class-balanced set once, then FCD, KID, precision/recall and class accuracy on the EVALUATION classifier's features
 * against the test set, with the reconstruction and train-vs-test floors; eval.json (resumable cell by cell), eval.md
 * and an FCD-vs-steps plot.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { Rng, contentKey, writeFileAtomic, writeJsonAtomic } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, initBackend, writeLineChart } from '@speedrl/tensor-utils';
import { computeSetMetrics, extractEvalOutputs } from '@speedrl/rewards-clip-fid';
import { gatherOptions, parseOptions } from '../config-file';
import { UsageError } from '../errors';
import { bundleIdentity, loadGenerator } from '@speedrl/pipeline';
import type { TextIo } from '@speedrl/core';
import { createProgress } from '@speedrl/core';
import { FLOORS_FILE, loadOrComputeFloors } from '../eval/floors-cache';
import { computeFloors, loadEvalClassifier, loadTestReference, type Floors } from '../eval/reference';
import { drawSampleSet } from '@speedrl/pipeline';
import { aggregate, markdownTable, type EvalCell } from '../eval/table';
import { checkDataDir, checkSeedRange, scheduleFlag, seedFlag } from '../flags';
import { ensureWritableDir } from '@speedrl/core';

const int = (min: number) => z.coerce.number().int().min(min);
const stepsList = z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts, e.g. 1,2,4,8');
const schema = z.object({
  model: z.string().min(1),
  classifier: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  steps: stepsList,
  n: int(2),
  seeds: int(1),
  seed: seedFlag,
  engine: z.enum(['ort', 'tfjs']),
  sampler: z.enum(['confidence', 'halton', 'adaptive']),
  schedule: scheduleFlag,
  temperature: z.coerce.number().min(0),
  gumbel: z.coerce.number().min(0),
  cfg: z.coerce.number(),
  batch: int(1),
  refLimit: int(0),
  kidSubsets: int(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Omit<Options, 'model'> = {
  classifier: 'models/fashion-mnist/classifiers/eval', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/eval', steps: '1,2,3,4,6,8,12,16',
  n: 10000, seeds: 3, seed: 0, engine: 'ort', sampler: 'confidence', schedule: 'cosine', temperature: 1, gumbel: 4.5, cfg: 0,
  batch: 64, refLimit: 0, kidSubsets: 100,
};

/** Registers `eval` on the program. */
export function evalCommand(io: TextIo): Command {
  const cmd = new Command('eval')
    .description('evaluate a model at several step budgets: FCD, KID, precision/recall, accuracy, NFE, ms/image')
    .option('--model <dir>', 'model directory holding tokenizer/ and maskgit/')
    .option('--classifier <dir>', 'EVALUATION classifier directory (never the reward classifier)', DEFAULTS.classifier)
    .option('--data <dir>', 'IDX dataset directory (test set = reference; train set = floor)', DEFAULTS.data)
    .option('--out <dir>', 'output directory: eval.json, eval.md, fcd-vs-steps.png', DEFAULTS.out)
    .option('--steps <list>', 'step budgets T', DEFAULTS.steps)
    .option('--n <N>', 'samples per (T, seed), balanced over classes', String(DEFAULTS.n))
    .option('--seeds <k>', 'number of seeds (seed, seed+1, …)', String(DEFAULTS.seeds))
    .option('--seed <S>', 'first seed', String(DEFAULTS.seed))
    .option('--engine <e>', 'transformer engine: ort or tfjs', DEFAULTS.engine)
    .option('--sampler <m>', 'confidence, halton or adaptive', DEFAULTS.sampler)
    .option('--schedule <s>', 'mask schedule', DEFAULTS.schedule)
    .option('--temperature <t>', 'token temperature', String(DEFAULTS.temperature))
    .option('--gumbel <tau>', 'initial re-masking noise', String(DEFAULTS.gumbel))
    .option('--cfg <w>', 'guidance weight (0 = off)', String(DEFAULTS.cfg))
    .option('--batch <B>', 'images per forward pass (timings are per image at this batch)', String(DEFAULTS.batch))
    .option('--ref-limit <n>', 'use only the first n test images as reference (0 = all)', String(DEFAULTS.refLimit))
    .option('--kid-subsets <k>', 'KID subsets', String(DEFAULTS.kidSubsets))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'keep the cells already in OUT/eval.json and compute only the missing ones (same options required)')
    .option('--force', 'replace an existing OUT/eval.json instead of refusing')
    .option('--json', 'print eval.json on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl eval --model models/fashion-mnist --steps 1,2,3,4,6,8,12,16 --n 10000 --seeds 3 --out runs/eval-base
  $ speedrl eval --model runs/maskgit --steps 4,12 --n 1000 --seeds 1 --json
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged } = gatherOptions(cmd, flags, { ...DEFAULTS, model: '' } as Options, schema.partial());
    if (merged.model === '') throw new UsageError('--model: required (a directory with tokenizer/ and maskgit/)');
    const options = parseOptions(schema, merged);
    const result = await runEval(options, flags.resume === true, flags.force === true, io);
    io.stdout(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${result.table}\nwrote ${join(options.out, 'eval.json')}, eval.md, fcd-vs-steps.png\n`);
  });
}

/** The bundle's floors from its floors.json when the key matches, else computed (and the file rewritten). */
async function bundleFloors(o: Options, io: TextIo, compute: () => Promise<Floors>): Promise<Floors> {
  const inputs = { modelDir: o.model, classifierDir: o.classifier, dataDir: o.data, refLimit: o.refLimit };
  const cached = await loadOrComputeFloors(inputs, async () => {
    io.stderr('floors: tokenizer reconstructions of the test set, and held-out train images, each vs the test set\n');
    return compute();
  }, io.stderr);
  io.stderr(cached.source === 'cache' ? `floors: loaded from ${join(o.model, FLOORS_FILE)} (its key matches)\n` : `floors: recomputed because ${cached.reason}\n`);
  return cached.floors;
}

/** Options that define a cell's numbers: a resumed eval.json must have been computed with the same values. */
const CELL_DEFINING = ['model', 'classifier', 'data', 'n', 'engine', 'sampler', 'schedule', 'temperature', 'gumbel', 'cfg', 'refLimit', 'kidSubsets', 'batch'] as const;

/** Content key of the files a cell's numbers come from: the bundle (transformer and tokenizer) and the evaluation classifier. */
async function inputsKeyFor(o: Options): Promise<string> {
  const keyOf = async <T>(flag: string, what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (error) {
      throw new UsageError(`${flag}: ${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]})`);
    }
  };
  const bundle = await keyOf('--model', `"${o.model}" (a directory with tokenizer/ and maskgit/)`, () => bundleIdentity(o.model));
  const classifier = await keyOf('--classifier', `"${o.classifier}" (a classifier/ directory)`, async () =>
    (await contentKey({ 'classifier/model.safetensors': join(o.classifier, 'model.safetensors'), 'classifier/config.json': join(o.classifier, 'config.json') }, null)).key);
  return (await contentKey({}, { bundle, classifier })).key;
}

/** The previous eval.json on --resume, checked against `o`; without --resume an existing one is refused unless --force. */
async function previousEval(o: Options, jsonPath: string, resume: boolean, force: boolean, inputsKey: string): Promise<{ cells?: EvalCell[]; floors?: Record<string, number> }> {
  if (!existsSync(jsonPath)) return {};
  if (!resume) {
    if (force) return {};
    throw new UsageError(`--out: "${o.out}" already holds eval.json; pass --resume to add cells to it, --force to replace it, or choose another --out`);
  }
  let prev: { cells?: EvalCell[]; floors?: Record<string, number>; options?: Partial<Options>; inputsKey?: string };
  try {
    prev = JSON.parse(await readFile(jsonPath, 'utf8')) as typeof prev;
  } catch (error) {
    throw new UsageError(`--resume: ${jsonPath} is not valid JSON (${(error as Error).message.split('\n')[0]}); move it away or pass --force without --resume`);
  }
  for (const key of CELL_DEFINING) {
    const was = prev.options?.[key];
    if (was !== undefined && String(was) !== String(o[key])) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag}: ${jsonPath} was computed with ${JSON.stringify(was)}, now ${JSON.stringify(o[key])}; use the same value, --force to recompute, or another --out`);
    }
  }
  if (prev.inputsKey !== undefined && prev.inputsKey !== inputsKey) {
    throw new UsageError(`--resume: the files of --model ${o.model} or --classifier ${o.classifier} changed since ${jsonPath} was computed; its cells would mix two models. Pass --force to recompute, or use another --out`);
  }
  return prev;
}

async function runEval(o: Options, resume: boolean, force: boolean, io: TextIo) {
  checkDataDir(o.data);
  const steps = o.steps.split(',').map(Number);
  const repeated = steps.find((t, i) => steps.indexOf(t) !== i);
  if (repeated !== undefined) throw new UsageError(`--steps: T=${repeated} is listed twice (a repeated cell would count as another seed)`);
  checkSeedRange(o.seed, o.seeds);
  const jsonPath = join(o.out, 'eval.json');
  await ensureWritableDir(o.out, '--out');
  const inputsKey = await inputsKeyFor(o);
  const previous = await previousEval(o, jsonPath, resume, force, inputsKey); // before any work
  const backend = await initBackend();
  const gen = await loadGenerator(o.model, o.engine);
  try {
    const maxT = gen.config.seqLen;
    if (o.sampler !== 'adaptive' && steps.some((t) => t < 1 || t > maxT)) throw new UsageError(`--steps: each T must be in 1..${maxT}, got ${o.steps}`);
    const classifier = await loadEvalClassifier(o.classifier, o.n, '--classifier', 'eval needs');
    const test = await loadTestReference(classifier, o.data, o.refLimit);
    const { reference } = test;
    io.stderr(`eval: ${o.model} on ${o.engine} (tfjs backend ${backend.backend}), reference ${test.count} test images, T ∈ {${o.steps}}, n=${o.n}, ${o.seeds} seed(s)\n`);
    const floorValues: Record<string, number> = previous.floors ?? { ...(await bundleFloors(o, io, () => computeFloors(gen, classifier, test, o.data, o.seed, o.kidSubsets))) };
    const cells: EvalCell[] = [...(previous.cells ?? [])];
    const save = async () => {
      const rows = aggregate(cells);
      const table = markdownTable(rows, { reconstruction: floorValues.reconstruction ?? NaN, 'held-out train': floorValues.trainHeldOut ?? NaN }, o.engine);
      // options as the file holds them: the union of step counts and seeds of all its cells (a resume may add some)
      const cellSteps = [...new Set(cells.map((c) => c.steps))].sort((a, b) => a - b);
      const cellSeeds = [...new Set(cells.map((c) => c.seed))].sort((a, b) => a - b);
      const options = { ...o, steps: cellSteps.join(','), seed: cellSeeds[0] ?? o.seed, seeds: cellSeeds.length, seedList: cellSeeds };
      const result = { model: o.model, engine: o.engine, backend: backend.backend, options, inputsKey, floors: floorValues, cells, rows, table };
      await writeJsonAtomic(jsonPath, result);
      await writeFileAtomic(join(o.out, 'eval.md'), `# speedrl eval: ${o.model}\n\n${table}`);
      return result;
    };
    const todo = steps.flatMap((t) => Array.from({ length: o.seeds }, (_, k) => ({ t, seed: o.seed + k })))
      .filter(({ t, seed }) => !cells.some((c) => c.steps === t && c.seed === seed));
    const progress = createProgress({ label: 'eval', total: todo.length * o.n, io });
    let done = 0;
    for (const { t, seed } of todo) {
      const set = await drawSampleSet(gen, o.n, t, seed, o.batch, {
        method: o.sampler, schedule: o.schedule, temperature: o.temperature, gumbelScale: o.gumbel,
        guidance: o.cfg === 0 ? null : { weight: o.cfg, nullClassId: gen.config.numClasses, warmup: 'none' },
      }, (k) => progress.update(done + k, { T: t, seed }));
      done += o.n;
      const outputs = await extractEvalOutputs(classifier, set.images, set.count);
      const m = computeSetMetrics(outputs, reference, Rng.fromSeed(seed).fork(t), set.classes, { kid: { numSubsets: o.kidSubsets } });
      cells.push({
        steps: t, seed, fcd: m.fcd, kid: m.kid.mean, precision: m.precision, recall: m.recall, accuracy: m.accuracy?.accuracy ?? NaN,
        nfePerImage: set.nfePerImage, meanSteps: set.meanSteps, msPerImage: (1000 * set.sampleSeconds) / set.count,
      });
      await save();
    }
    progress.finish();
    const result = await save();
    const rows = result.rows;
    await writeLineChart(join(o.out, 'fcd-vs-steps.png'), {
      title: `FCD vs sampling steps (${o.n} samples, ${result.options.seeds} seed(s))`, xLabel: 'steps T', yLabel: 'FCD (eval classifier)',
      xTicks: rows.map((r) => r.steps), xScale: rows.length > 0 && (rows[rows.length - 1]?.steps ?? 1) / (rows[0]?.steps ?? 1) >= 8 ? 'log2' : 'linear',
      series: [{ name: o.model, x: rows.map((r) => r.steps), y: rows.map((r) => r.fcd.mean), yErr: rows.map((r) => r.fcd.std) }],
      hlines: [
        { name: 'reconstruction floor', y: floorValues.reconstruction ?? NaN, dashed: true },
        { name: 'held-out train floor', y: floorValues.trainHeldOut ?? NaN, dashed: true },
      ],
    });
    return result;
  } finally {
    gen.dispose();
  }
}
