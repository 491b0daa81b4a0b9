/**
 * Sampler-step benchmark (a benchmark, not a test): milliseconds per step that `sample()` spends outside the model,
 * measured with a LogitsFn that returns one precomputed `[B, L, K]` logits buffer instantly, so all the time timed
 * is the sampler's (validation, guidance, token draws, confidences, Gumbel noise, re-masking, trajectory records).
 * Several sampler modules can be timed side by side, interleaved repeat by repeat, e.g. the working tree against a
 * copy of an older sampler: `git archive REV packages/sampler tsconfig.base.json | tar -x -C tmp/before`, then
 * `--modules @speedrl/sampler,tmp/before/packages/sampler/src/index.ts` (copy the package.json and tsconfig files
 * along, as this does: without them tsx compiles the copy differently and it runs slower for that alone).
 *
 * Run from the repository root:
 *   nice -n 10 node --conditions=@speedrl/source --import tsx tools/bench-sampler-step.ts [--modules A,B] [--model-ms 90] …
 *   `--help` lists the flags.
 */
import { parseArgs } from 'node:util';
import { Rng } from '@speedrl/core';
import type { LogitsFn, SamplerConfig } from '@speedrl/sampler';
import { loadSample, type SampleFn } from './sampler-module';

const RUN = 'node --conditions=@speedrl/source --import tsx tools/bench-sampler-step.ts';

const HELP = `Sampler-step benchmark: ms per step of sample() outside the model (the LogitsFn returns a precomputed buffer).

Usage: ${RUN} [flags]

  --modules LIST     sampler modules to compare, timed interleaved: '@speedrl/sampler' or paths to an index.ts
                     (default @speedrl/sampler)
  --batch N          B (default 64)
  --steps N          T (default 12)
  --seq-len N        L (default 49)
  --vocab N          K, logits per position (default 1025; the mask id is K)
  --method NAME      confidence | halton | adaptive (default confidence)
  --temperature X    softmax temperature (default 1)
  --threshold P      adaptive: commit threshold adaptiveThreshold (default 0.9)
  --min-per-step N   adaptive: the hybrid's floor, an integer or 'schedule' (default 0, plain threshold decoding)
  --cfg W            classifier-free guidance weight (default off; NFE 2 per step)
  --repeats N        timed sample() calls per module; the median is reported (default 7)
  --warmup N         untimed calls per module first (default 2)
  --model-ms X       model time per LogitsFn call, to print the model's share of sample() (optional)
  --help             this text

Wall time and this process's CPU time (user + system) are both reported; on a busy machine the CPU time is the steadier
of the two. Compare modules within one run: other load shifts every number.`;

/** Parsed flags. */
interface Flags {
  readonly modules: string[];
  readonly batch: number;
  readonly steps: number;
  readonly seqLen: number;
  readonly vocab: number;
  readonly config: Partial<SamplerConfig>;
  readonly repeats: number;
  readonly warmup: number;
  readonly modelMs: number | null;
}

function positive(text: string, flag: string, integer = true): number {
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new RangeError(`tools/bench-sampler-step.ts: --${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  return n;
}

function parseFlags(argv: string[]): Flags | null {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      modules: { type: 'string', default: '@speedrl/sampler' }, batch: { type: 'string', default: '64' }, steps: { type: 'string', default: '12' },
      'seq-len': { type: 'string', default: '49' }, vocab: { type: 'string', default: '1025' }, method: { type: 'string', default: 'confidence' },
      temperature: { type: 'string', default: '1' }, threshold: { type: 'string', default: '0.9' }, 'min-per-step': { type: 'string', default: '0' }, cfg: { type: 'string' }, repeats: { type: 'string', default: '7' },
      warmup: { type: 'string', default: '2' }, 'model-ms': { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (v.help) return null;
  const method = v.method as SamplerConfig['method'];
  const guidance = v.cfg === undefined ? null : { weight: Number(v.cfg), nullClassId: 10, warmup: 'none' as const };
  const floor: number | 'schedule' = v['min-per-step'] === 'schedule' ? 'schedule' : Number(v['min-per-step']);
  const adaptive = method === 'adaptive' ? { adaptiveThreshold: Number(v.threshold), adaptiveMinPerStep: floor } : {};
  return {
    modules: v.modules.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    batch: positive(v.batch, 'batch'),
    steps: positive(v.steps, 'steps'),
    seqLen: positive(v['seq-len'], 'seq-len'),
    vocab: positive(v.vocab, 'vocab'),
    config: { method, temperature: Number(v.temperature), guidance, ...adaptive },
    repeats: positive(v.repeats, 'repeats'),
    warmup: Number(v.warmup),
    modelMs: v['model-ms'] === undefined ? null : positive(v['model-ms'], 'model-ms', false),
  };
}

/** Logits shaped like a trained model's: N(0, 1.5²) spread plus a few strong tokens per position. */
function makeLogits(batch: number, seqLen: number, vocab: number, seed: number): Float32Array {
  const rng = Rng.fromSeed(seed);
  const out = new Float32Array(batch * seqLen * vocab);
  for (let i = 0; i < out.length; i++) out[i] = 1.5 * rng.normal();
  for (let pos = 0; pos < batch * seqLen; pos++) {
    for (let j = 0; j < 4; j++) {
      const i = pos * vocab + rng.int(vocab);
      out[i] = (out[i] as number) + 4 + 3 * rng.uniform();
    }
  }
  return out;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags === null) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { batch, steps, seqLen, vocab } = flags;
  // With guidance, sample() refuses one array for both passes: the null-class pass gets a second buffer.
  const logits = makeLogits(batch, seqLen, vocab, 1);
  const nullLogits = flags.config.guidance === null ? logits : makeLogits(batch, seqLen, vocab, 2);
  let modelCalls = 0;
  const logitsFn: LogitsFn = async (_tokens, classes) => {
    modelCalls += 1;
    return classes[0] === 10 ? nullLogits : logits;
  };
  const classes = Int32Array.from({ length: batch }, (_, b) => b % 10);
  const samplers = await Promise.all(flags.modules.map((spec) => loadSample(spec, 'tools/bench-sampler-step.ts')));
  const run = async (fn: SampleFn): Promise<{ ms: number; cpuMs: number; steps: number; nfe: number }> => {
    const start = performance.now();
    const cpu = process.cpuUsage();
    const r = await fn(logitsFn, { classes, steps, rng: Rng.fromSeed(0), maskId: vocab, seqLen, vocabSize: vocab, config: flags.config });
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, steps: r.trajectory.records.length, nfe: r.nfe };
  };
  for (let w = 0; w < flags.warmup; w++) for (const fn of samplers) await run(fn);
  const perStep: number[][] = samplers.map(() => []);
  const cpuPerStep: number[][] = samplers.map(() => []);
  const nfePerStep: number[] = samplers.map(() => 0);
  for (let r = 0; r < flags.repeats; r++) {
    for (const [i, fn] of samplers.entries()) {
      const { ms, cpuMs, steps: ran, nfe } = await run(fn);
      perStep[i]?.push(ms / ran);
      cpuPerStep[i]?.push(cpuMs / ran);
      nfePerStep[i] = nfe / ran;
    }
  }
  process.stdout.write(`B=${batch} T=${steps} L=${seqLen} K=${vocab} ${JSON.stringify(flags.config)}; ${flags.repeats} repeats, interleaved; ${modelCalls} LogitsFn calls\n`);
  flags.modules.forEach((spec, i) => {
    const ms = median(perStep[i] ?? []);
    const best = Math.min(...(perStep[i] ?? []));
    const share = flags.modelMs === null ? '' : `, model share ${((100 * flags.modelMs * (nfePerStep[i] ?? 1)) / (flags.modelMs * (nfePerStep[i] ?? 1) + ms)).toFixed(1)}%`;
    const cpu = median(cpuPerStep[i] ?? []);
    process.stdout.write(`${spec}: sampler ${ms.toFixed(2)} ms/step median (best ${best.toFixed(2)}), CPU ${cpu.toFixed(2)} ms/step median${share}\n`);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
