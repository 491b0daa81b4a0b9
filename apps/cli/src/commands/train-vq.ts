/**
 * `speedrl train-vq`: trains the VQ-VAE tokenizer (van den Oord et al. 2017; EMA codebook, k-means init)
 * with checkpoints, metrics.jsonl, --resume and Ctrl-C saving; reports test-set PSNR and code usage.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_FASHION_MNIST_DIR, Rng, initBackend, loadIdxDataset, writeJsonAtomic } from '@speedrl/tensor-utils';
import { createVqModel, evaluate, loadVq, saveVq, train, vqPreset } from '@speedrl/vq-tokenizer';
import { gatherOptions, parseOptions } from '../config-file';
import { TOKENIZER_DIR } from '../generator';
import { installInterruptHandler } from '../interrupt';
import type { CliIo } from '../io';
import { createProgress } from '../progress';
import { RUN_FILES, openRunDir } from '../run-dir';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  preset: z.enum(['tiny', 'fmnist']),
  data: z.string().min(1),
  out: z.string().min(1),
  epochs: int(1),
  steps: int(0),
  batch: int(1),
  seed: int(0),
  limit: int(0),
  evalLimit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  preset: 'fmnist', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/vq', epochs: 3, steps: 0, batch: 64, seed: 0, limit: 0,
  evalLimit: 0, checkpointEvery: 200, logEvery: 10,
};

/** Registers `train-vq` on the program. */
export function trainVqCommand(io: CliIo): Command {
  const cmd = new Command('train-vq')
    .description('train the VQ-VAE tokenizer (28×28 images → 7×7 tokens) and report test PSNR and code usage')
    .option('--preset <name>', 'tiny (tests) or fmnist (shipped tokenizer)', DEFAULTS.preset)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (checkpoint, metrics.jsonl, tokenizer/)', DEFAULTS.out)
    .option('--epochs <n>', 'epochs over the training images', String(DEFAULTS.epochs))
    .option('--steps <n>', 'total steps instead of epochs (0 = use --epochs)', String(DEFAULTS.steps))
    .option('--batch <n>', 'batch size', String(DEFAULTS.batch))
    .option('--seed <n>', 'seed of init, k-means, data order', String(DEFAULTS.seed))
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--eval-limit <n>', 'evaluate on the first n test images (0 = all)', String(DEFAULTS.evalLimit))
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-vq --preset tiny --steps 100 --out runs/vq-tiny
  $ speedrl train-vq --preset fmnist --epochs 3 --out runs/vq      # Ctrl-C saves; then:
  $ speedrl train-vq --out runs/vq --resume
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial());
    const fresh = parseOptions(schema, merged);
    const run = await openRunDir(fresh.out, 'train-vq', fresh, flags.resume === true, parseOptions(schema.partial(), typed));
    const options = parseOptions(schema, run.options);
    const summary = await trainVq(options, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n`
      : `tokenizer in ${join(options.out, TOKENIZER_DIR)}: test PSNR ${summary.test.psnr.toFixed(2)} dB, perplexity ${summary.test.perplexity.toFixed(1)}, ${(100 * summary.test.usage).toFixed(1)}% of codes used\n`);
  });
}

async function trainVq(o: Options, run: Awaited<ReturnType<typeof openRunDir>>, io: CliIo) {
  const backend = await initBackend();
  const data = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  const rng = Rng.fromSeed(o.seed);
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  const model = run.resumeFrom !== undefined ? (await loadVq(run.resumeFrom)).model : createVqModel(vqPreset(o.preset), rng.fork(0));
  const totalSteps = o.steps > 0 ? o.steps : o.epochs * Math.floor(data.count / o.batch);
  io.stderr(`train-vq: ${o.preset} tokenizer, ${data.count} images, batch ${o.batch}, steps ${model.step}→${totalSteps}, backend ${backend.backend}\n`);
  const interrupt = installInterruptHandler(io);
  const abort = new AbortController();
  const progress = createProgress({ label: 'train-vq', total: totalSteps, io });
  const checkpoint = async (): Promise<void> => {
    await saveVq(checkpointDir, model, { command: 'train-vq', seed: o.seed });
    await writeJsonAtomic(join(checkpointDir, RUN_FILES.state), { step: model.step });
  };
  try {
    const result = await train({
      model, images: data.images, steps: totalSteps, batchSize: o.batch, rng: rng.fork(1), signal: abort.signal,
      onProgress: async (p) => {
        if (!Number.isFinite(p.loss)) throw new Error(`train-vq: loss became ${p.loss} at step ${p.step}; last checkpoint kept in ${checkpointDir}`);
        if (p.step % o.logEvery === 0 || p.step === totalSteps) {
          run.log({ step: p.step, loss: p.loss, reconMse: p.reconMse, commitLoss: p.commitLoss, perplexity: p.perplexity, deadRestarted: p.deadRestarted, lr: p.learningRate, stepMs: p.stepMs });
        }
        progress.update(p.step, { loss: p.loss, mse: p.reconMse });
        if (p.step % o.checkpointEvery === 0) await checkpoint();
        if (interrupt.stop.requested) abort.abort();
      },
    });
    await checkpoint();
    const test = await loadIdxDataset({ dir: o.data, split: 'test', ...(o.evalLimit > 0 ? { limit: o.evalLimit } : {}) });
    const metrics = evaluate(model, test.images);
    run.log({ step: model.step, event: 'eval', split: 'test', ...metrics });
    await saveVq(join(run.dir, TOKENIZER_DIR), model, { command: 'train-vq', seed: o.seed, preset: o.preset, step: model.step, test: metrics }, { includeOptimizer: false });
    progress.finish({ step: model.step, psnr: metrics.psnr });
    if (result.stopped) io.stderr(`stopped by ${interrupt.stop.signal ?? 'signal'} at step ${model.step}; resume with --resume\n`);
    return { out: join(run.dir, TOKENIZER_DIR), step: model.step, stopped: result.stopped, kmeansMse: result.kmeansMse, test: metrics };
  } finally {
    interrupt.dispose();
  }
}
