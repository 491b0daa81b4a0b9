/** `speedrl sample`: draw images from a generator bundle and write a PNG grid, a folder of PNGs per class, or an .npz. */
import { Command } from 'commander';
import { z } from 'zod';
import { Rng, createProgress, type TextIo } from '@speedrl/core';
import {
  FASHION_MNIST_CLASSES, SAMPLE_FORMATS, SAMPLE_MANIFEST, checkSampleSize, initBackend, sampleOutPath, writeSampleSet,
} from '@speedrl/tensor-utils';
import { describeStepDistribution, guidanceForWeight, sample, stepDistribution, type SamplerMethod } from '@speedrl/sampler';
import { maskTokenId, nullClassId } from '@speedrl/maskgit';
import { gatherOptions, parseOptions } from '../config-file';
import { bundleIdentity, checkSamplerOptionsRead, loadGenerator, withSampleOutLock } from '@speedrl/pipeline';
import { UsageError } from '../errors';
import { cfgFlag, scheduleFlag, seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);

/** Options of `speedrl sample`, as validated at the CLI edge. */
export const sampleOptionsSchema = z.object({
  model: z.string().min(1),
  steps: int(1),
  class: z.union([z.literal('all'), int(0)], { errorMap: () => ({ message: 'expected one class id (an integer ≥ 0, e.g. 7) or "all"' }) }),
  n: int(1).max(1_000_000, 'must be ≤ 1,000,000 images per class'),
  seed: seedFlag,
  format: z.enum(SAMPLE_FORMATS),
  out: z.string().min(1).optional(),
  force: z.boolean().optional(),
  engine: z.enum(['ort', 'tfjs']),
  sampler: z.enum(['confidence', 'halton', 'adaptive']),
  schedule: scheduleFlag,
  temperature: z.coerce.number().min(0),
  gumbel: z.coerce.number().min(0),
  cfg: cfgFlag,
  batch: int(1),
  threads: int(1),
  json: z.boolean().optional(),
});
/** Validated options of `speedrl sample`. */
export type SampleCommandOptions = z.infer<typeof sampleOptionsSchema>;

const DEFAULTS: Omit<SampleCommandOptions, 'model'> = {
  steps: 12, class: 'all', n: 8, seed: 0, format: 'png', engine: 'ort', sampler: 'confidence',
  schedule: 'cosine', temperature: 1, gumbel: 4.5, cfg: 0, batch: 64, threads: 2,
};

/** Registers `sample` on the program. */
export function sampleCommand(io: TextIo): Command {
  const cmd = new Command('sample')
    .description('sample images from a model directory: a PNG grid (one row per class), PNGs per class, or an .npz')
    .option('--model <dir>', 'model directory holding tokenizer/ and maskgit/')
    .option('--steps <T>', 'sampling steps T', String(DEFAULTS.steps))
    .option('--class <c>', 'class id, or "all" for one row per class', String(DEFAULTS.class))
    .option('--n <N>', 'images per class', String(DEFAULTS.n))
    .option('--seed <S>', 'random seed (same seed, same engine → same images)', String(DEFAULTS.seed))
    .option('--format <f>', 'png (one grid), png-dir (OUT/<class>-<name>/<nnnnn>.png) or npz (images uint8, labels int64)', DEFAULTS.format)
    .option('--out <path>', 'file or directory to write (default: samples.png, samples/ or samples.npz by --format)')
    .option('--force', `replace an earlier sample set at --out: a PNG sample wrote (png), an .npz of exactly images.npy + labels.npy (npz), a folder with the ${SAMPLE_MANIFEST} sample wrote and only the files it lists (png-dir); never other files`)
    .option('--engine <e>', 'transformer engine: ort (onnxruntime) or tfjs', DEFAULTS.engine)
    .option('--sampler <m>', 'confidence (MaskGIT), halton or adaptive', DEFAULTS.sampler)
    .option('--schedule <s>', 'mask schedule: cosine, arccos, linear, exp, log, pow-K', DEFAULTS.schedule)
    .option('--temperature <t>', 'softmax temperature of token draws', String(DEFAULTS.temperature))
    .option('--gumbel <tau>', 'initial Gumbel noise scale of re-masking (annealed to 0)', String(DEFAULTS.gumbel))
    .option('--cfg <w>', 'classifier-free guidance weight w ≥ 1 of u + w·(c − u) (0 = off: plain conditional, one pass per step)', String(DEFAULTS.cfg))
    .option('--batch <B>', 'images per forward pass', String(DEFAULTS.batch))
    .option('--threads <n>', 'onnxruntime intra-op threads', String(DEFAULTS.threads))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl sample --model models/fashion-mnist --steps 12 --out grid.png
  $ speedrl sample --model models/fashion-mnist --steps 4 --class 7 --n 16 --seed 3 --json
  $ speedrl sample --model models/fashion-mnist --sampler halton --engine tfjs --out halton.png
  $ speedrl sample --model models/fashion-mnist --steps 4 --n 1000 --format png-dir --out samples/
  $ speedrl sample --model models/fashion-mnist --steps 4 --n 1000 --format npz --out samples.npz
      (Python: d = np.load('samples.npz'); d['images'] uint8 [N, 28, 28], d['labels'] int64 [N])
An existing --out is refused unless --force, which replaces only an earlier sample set of the same format (checked before
sampling; a png-dir's: only the files its ${SAMPLE_MANIFEST} lists; a symbolic link --out of png-dir is written through).
sample holds .<name>.lock beside --out while it runs: a second sample writing the same --out is refused, naming the holder.
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged } = gatherOptions(cmd, flags, { ...DEFAULTS, model: '' } as SampleCommandOptions, sampleOptionsSchema.partial());
    if (merged.model === '' || merged.model === undefined) throw new UsageError('--model: required (a directory with tokenizer/ and maskgit/)');
    await runSample(parseOptions(sampleOptionsSchema, merged), io);
  });
}

/** Runs `speedrl sample` with validated options. */
export async function runSample(o: SampleCommandOptions, io: TextIo): Promise<void> {
  checkSamplerOptionsRead(o);
  const out = sampleOutPath(o.format, o.out);
  return withSampleOutLock(o.format, out, o.force === true, { '--model': o.model }, () => sampleLocked(o, out, io)); // one writer of --out at a time
}

async function sampleLocked(o: SampleCommandOptions, out: string, io: TextIo): Promise<void> {
  await initBackend(); // the tokenizer decodes on tfjs whatever the transformer's engine
  const gen = await loadGenerator(o.model, o.engine, o.threads);
  try {
    const { config } = gen;
    if (o.class !== 'all' && o.class >= config.numClasses) {
      throw new UsageError(`--class: must be < ${config.numClasses} (the model's classes) or "all", got ${o.class}`);
    }
    if (o.sampler !== 'adaptive' && o.steps > config.seqLen) {
      throw new UsageError(`--steps: must be ≤ ${config.seqLen} (tokens per image) for the ${o.sampler} sampler, got ${o.steps}`);
    }
    const classList = o.class === 'all' ? Array.from({ length: config.numClasses }, (_, c) => c) : [o.class];
    checkSampleSize(o.n, classList.length, 28, 28);
    const classes = classList.flatMap((c) => Array.from({ length: o.n }, () => c));
    const total = classes.length;
    const rng = Rng.fromSeed(o.seed);
    const L = config.seqLen;
    const tokens = new Int32Array(total * L);
    const progress = createProgress({ label: 'sample', total, io });
    const started = performance.now();
    let nfe = 0;
    const stepsUsed = new Int32Array(total);
    for (let start = 0; start < total; start += o.batch) {
      const end = Math.min(total, start + o.batch);
      const result = await sample(gen.logits, {
        classes: classes.slice(start, end),
        sampleIds: Array.from({ length: end - start }, (_, i) => start + i),
        steps: o.steps,
        rng,
        maskId: maskTokenId(config),
        seqLen: L,
        vocabSize: config.numCodes,
        numClasses: config.numClasses,
        config: {
          method: o.sampler as SamplerMethod,
          schedule: o.schedule,
          temperature: o.temperature,
          gumbelScale: o.gumbel,
          guidance: guidanceForWeight(o.cfg, nullClassId(config)),
        },
      });
      tokens.set(result.tokens, start * L);
      nfe += result.nfe;
      stepsUsed.set(result.trajectory.stepsUsed, start);
      progress.update(end);
    }
    const seconds = (performance.now() - started) / 1000;
    const images = await gen.decode(tokens);
    const source = o.format === 'png-dir' ? { model: o.model, modelIdentity: await bundleIdentity(o.model), steps: o.steps, sampler: o.sampler, seed: o.seed } : {};
    const written = await writeSampleSet(
      { images, labels: classes, height: 28, width: 28, classNames: FASHION_MNIST_CLASSES }, o.format, out, { force: o.force === true, source },
    );
    if (written.kept !== undefined) io.stderr(`note: the earlier set's folder ${written.kept} holds files its ${SAMPLE_MANIFEST} does not list; they were left there\n`);
    progress.finish({ images: total, seconds: Number(seconds.toFixed(2)) });
    const steps = stepDistribution(stepsUsed, classes, o.steps); // adaptive: the steps each image used, per class
    const adaptive = o.sampler === 'adaptive';
    const summary = {
      format: o.format, path: out, count: total, perClass: written.perClass, out, images: total, steps: o.steps, sampler: o.sampler, engine: o.engine, seed: o.seed, nfe,
      meanStepsUsed: steps.mean, ...(adaptive ? { stepsDistribution: steps } : {}), seconds, msPerImage: (1000 * seconds) / total,
    };
    io.stdout(o.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `wrote ${out} (${o.format}): ${total} images, T=${adaptive ? `${o.steps} (cap)` : o.steps}, ${nfe} forward passes, ${summary.msPerImage.toFixed(1)} ms/image on ${o.engine}\n${adaptive ? `steps used per image: ${describeStepDistribution(steps)}\n` : ''}`);
  } finally {
    gen.dispose();
  }
}
