/**
 * Sampling benchmark (a benchmark, not a test): images/second of MaskGIT sampling through `@speedrl/sampler`'s
 * `sample()` for T steps at a fixed batch, tfjs-wasm vs onnxruntime-node side by side in one run, with the achieved
 * GFLOP/s (`forwardFlops` × NFE / time) against a measured onnxruntime 1024³ matmul peak on the same machine.
 *
 * Run from the repository root:
 *   node --conditions=@speedrl/source --import tsx tools/bench-sample.ts [--steps 4,8,12] [--batch 64] [--json] …
 *   (or `npm run bench:sample -w tools -- [flags]`); `--help` lists the flags.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  countParams, createOrtLogitsFn, createTfjsLogitsFn, exportOnnx, forwardFlops, initParams, loadModel, maskGitPreset, maskTokenId,
  type DisposableLogitsFn, type MaskGitConfig, type MaskGitParams, type MaskGitPresetName,
} from '@speedrl/maskgit';

import { Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import {
  fmt, machineInfo, markdownTable, measureMatmulPeak, median, parsePositiveInt, parsePositiveIntList, progress, timeMs,
  type MachineInfo, type MatmulPeak,
} from './bench-utils';
import { loadSample, type SampleFn } from './sampler-module';

const RUN = 'node --conditions=@speedrl/source --import tsx tools/bench-sample.ts';
const ENGINES = ['ort', 'tfjs'] as const;
type EngineName = (typeof ENGINES)[number];

const HELP = `Sampling benchmark: MaskGIT images/s for several step counts T, onnxruntime-node vs tfjs-wasm.

Usage: ${RUN} [flags]

  --steps LIST        step counts T to time (default 4,8,12)
  --batch N           images per sample() call (default 64)
  --repeats N         timed runs per T for onnxruntime; the median is reported (default 5)
  --tfjs-repeats N    timed runs per T for tfjs-wasm, which is much slower (default 1)
  --warmup N          untimed sample() calls per engine before timing, at the smallest T (default 1)
  --preset NAME       model shape with random weights: fmnist | tiny (default fmnist)
  --model DIR         time a saved model directory (loadModel) instead of random weights
  --threads N         onnxruntime intra-op threads, also used for the matmul peak (default 2)
  --engines LIST      engines to run, in order: ort,tfjs (default ort,tfjs)
  --seed N            seed of the random weights and of the sampler (default 0)
  --samplers LIST     sampler modules timed side by side, interleaved: '@speedrl/sampler' or paths to an index.ts
                      exporting sample() (default @speedrl/sampler; see bench-sampler-step.ts for an older copy)
  --json              print one JSON object on stdout instead of markdown
  --help              this text

Progress goes to stderr. Random-initialised weights are fine for speed: the confidence sampler makes exactly
T model calls (NFE) per image whatever the weights. The default run takes a few minutes on a 2-core machine.`;

/** Parsed command-line options. */
interface BenchOptions {
  readonly steps: number[];
  readonly batch: number;
  readonly repeats: number;
  readonly tfjsRepeats: number;
  readonly warmup: number;
  readonly preset: MaskGitPresetName;
  readonly modelDir: string | null;
  readonly threads: number;
  readonly engines: EngineName[];
  readonly seed: number;
  readonly samplers: string[];
  readonly json: boolean;
}

/** One measured (engine, sampler, T) cell. */
interface BenchRow {
  readonly engine: EngineName;
  /** The sampler module (`--samplers`). */
  readonly sampler: string;
  readonly steps: number;
  readonly batch: number;
  readonly repeats: number;
  readonly medianMs: number;
  /** Fastest run (JSON only: a hint of how much other load disturbed the median). */
  readonly bestMs: number;
  readonly imagesPerSec: number;
  readonly msPerImage: number;
  readonly nfe: number;
  readonly gflops: number;
  readonly peakPercent: number;
  /** Share of the wall time spent inside the LogitsFn (the rest is the JS sampler step). */
  readonly modelShare: number;
  /** Wall time outside the LogitsFn per step (the sampler step, checks and bookkeeping), ms. */
  readonly outsideMsPerStep: number;
}

function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      steps: { type: 'string', default: '4,8,12' },
      batch: { type: 'string', default: '64' },
      repeats: { type: 'string', default: '5' },
      'tfjs-repeats': { type: 'string', default: '1' },
      warmup: { type: 'string', default: '1' },
      preset: { type: 'string', default: 'fmnist' },
      model: { type: 'string' },
      threads: { type: 'string', default: '2' },
      engines: { type: 'string', default: 'ort,tfjs' },
      seed: { type: 'string', default: '0' },
      samplers: { type: 'string', default: '@speedrl/sampler' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help === true) return null;
  const preset = values.preset as string;
  if (preset !== 'fmnist' && preset !== 'tiny') throw new RangeError(`tools/bench-sample.ts: --preset must be fmnist or tiny, got "${preset}"`);
  const engines = (values.engines as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const e of engines) {
    if (!(ENGINES as readonly string[]).includes(e)) throw new RangeError(`tools/bench-sample.ts: --engines must list ort and/or tfjs, got "${e}"`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`tools/bench-sample.ts: --seed must be an integer ≥ 0, got "${values.seed}"`);
  return {
    steps: parsePositiveIntList(values.steps as string, '--steps'),
    batch: parsePositiveInt(values.batch as string, '--batch'),
    repeats: parsePositiveInt(values.repeats as string, '--repeats'),
    tfjsRepeats: parsePositiveInt(values['tfjs-repeats'] as string, '--tfjs-repeats'),
    warmup: values.warmup === '0' ? 0 : parsePositiveInt(values.warmup as string, '--warmup'),
    preset,
    modelDir: values.model ?? null,
    threads: parsePositiveInt(values.threads as string, '--threads'),
    engines: [...new Set(engines)] as EngineName[],
    seed,
    samplers: (values.samplers as string).split(',').map((x) => x.trim()).filter((x) => x !== ''),
    json: values.json === true,
  };
}

async function loadWeights(opts: BenchOptions): Promise<{ params: MaskGitParams; config: MaskGitConfig; source: string }> {
  if (opts.modelDir !== null) {
    const { params, config } = await loadModel(opts.modelDir);
    return { params, config, source: `saved model ${opts.modelDir}` };
  }
  const config = maskGitPreset(opts.preset);
  return { params: initParams(config, Rng.fromSeed(opts.seed)), config, source: `random-initialised weights, preset "${opts.preset}" (speed only)` };
}

/** Starts one engine and returns its LogitsFn with a one-line description. */
async function startEngine(name: EngineName, params: MaskGitParams, config: MaskGitConfig, threads: number): Promise<{ fn: DisposableLogitsFn; label: string }> {
  if (name === 'ort') {
    const fn = await createOrtLogitsFn(exportOnnx(params, config), { intraOpNumThreads: threads, config });
    return { fn, label: `onnxruntime-node ${machineInfo().onnxruntime} (CPU EP, ${threads} intra-op threads)` };
  }
  const report = await initBackend({ prefer: 'wasm' });
  if (report.backend !== 'wasm') progress(`warning: tfjs runs on "${report.backend}", not wasm (${report.reason})`);
  let threadNote = '';
  if (report.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const n = wasm.getThreadsCount();
    threadNote = `, ${n} thread${n === 1 ? '' : 's'}`;
  }
  return { fn: createTfjsLogitsFn(params, config), label: `tfjs ${tf.version.tfjs} ${report.backend}${threadNote}` };
}

/** One timed `sample()` call: wall time, NFE, the time spent inside the LogitsFn and the steps run. */
interface SampleTiming {
  readonly ms: number;
  readonly nfe: number;
  readonly modelMs: number;
  readonly steps: number;
}

/** A function running one seeded `sample()` of `opts.batch` images with T = `steps` through `fn`, timed. */
function sampleRunner(fn: DisposableLogitsFn, config: MaskGitConfig, opts: BenchOptions, sampleFn: SampleFn): (steps: number) => Promise<SampleTiming> {
  const classes = Int32Array.from({ length: opts.batch }, (_, b) => b % config.numClasses);
  return async (steps) => {
    let modelMs = 0;
    const timed = async (tokens: Int32Array, cls: Int32Array): Promise<Float32Array> => {
      const start = performance.now();
      try {
        return await fn(tokens, cls);
      } finally {
        modelMs += performance.now() - start;
      }
    };
    const { ms, value } = await timeMs(() =>
      sampleFn(timed, {
        classes, steps, rng: Rng.fromSeed(opts.seed + 1), maskId: maskTokenId(config), seqLen: config.seqLen, vocabSize: config.numCodes,
        numClasses: config.numClasses,
      }));
    return { ms, nfe: value.nfe, modelMs, steps: value.trajectory.records.length };
  };
}

/** Summarises the timed runs of one (engine, sampler, T) cell (the % of peak is added once the peak is known). */
function summarise(engine: EngineName, sampler: string, steps: number, runs: readonly SampleTiming[], config: MaskGitConfig, batch: number): Omit<BenchRow, 'peakPercent'> {
  const times = runs.map((r) => r.ms);
  const medianMs = median(times);
  const nfe = runs[0]?.nfe ?? 0;
  const total = times.reduce((a, b) => a + b, 0);
  return {
    engine, sampler, steps, batch, repeats: runs.length, medianMs, bestMs: Math.min(...times), imagesPerSec: (batch * 1000) / medianMs,
    msPerImage: medianMs / batch, nfe, gflops: (nfe * forwardFlops(config, batch)) / (medianMs * 1e6),
    modelShare: runs.reduce((a, r) => a + r.modelMs, 0) / total,
    outsideMsPerStep: runs.reduce((a, r) => a + r.ms - r.modelMs, 0) / Math.max(1, runs.reduce((a, r) => a + r.steps, 0)),
  };
}

/**
 * Warms every (engine, sampler) up at the smallest T, then times round-robin (round r: every T, every engine and
 * sampler that still has runs left), so that load from other processes spreads over all cells instead of hitting one;
 * returns a row per (engine, sampler, T).
 */
async function benchAll(engines: readonly { name: EngineName; fn: DisposableLogitsFn }[], config: MaskGitConfig, opts: BenchOptions): Promise<Omit<BenchRow, 'peakPercent'>[]> {
  const samplers = await Promise.all(opts.samplers.map(async (spec) => ({ spec, fn: await loadSample(spec, 'tools/bench-sample.ts') })));
  const runners = engines.flatMap((e) => samplers.map((sm) => ({
    name: e.name, sampler: sm.spec, run: sampleRunner(e.fn, config, opts, sm.fn), repeats: e.name === 'tfjs' ? opts.tfjsRepeats : opts.repeats,
  })));
  const label = (r: { name: string; sampler: string }): string => (samplers.length > 1 ? `${r.name} [${r.sampler}]` : r.name);
  const smallest = Math.min(...opts.steps);
  for (const r of runners) {
    for (let i = 0; i < opts.warmup; i++) {
      progress(`${label(r)}: warm-up ${i + 1}/${opts.warmup} (T=${smallest}, batch ${opts.batch})`);
      await r.run(smallest);
    }
  }
  const timings = new Map<string, SampleTiming[]>();
  const rounds = Math.max(...runners.map((r) => r.repeats));
  for (let round = 0; round < rounds; round++) {
    for (const steps of opts.steps) {
      for (const r of runners.filter((x) => round < x.repeats)) {
        const t = await r.run(steps);
        const key = `${r.name}:${r.sampler}:${steps}`;
        timings.set(key, [...(timings.get(key) ?? []), t]);
        progress(`${label(r)}: T=${steps} run ${round + 1}/${r.repeats}: ${fmt(t.ms / 1000)} s, ${fmt((opts.batch * 1000) / t.ms)} images/s, ${fmt((100 * t.modelMs) / t.ms, 1)}% in model`);
      }
    }
  }
  return runners.flatMap((r) => opts.steps.map((steps) => summarise(r.name, r.sampler, steps, timings.get(`${r.name}:${r.sampler}:${steps}`) ?? [], config, opts.batch)));
}

/** ort images/s over tfjs images/s per T (only when both engines ran). */
function speedups(rows: readonly BenchRow[]): { steps: number; ortOverTfjs: number }[] {
  const out: { steps: number; ortOverTfjs: number }[] = [];
  for (const r of rows.filter((x) => x.engine === 'ort' && x.sampler === rows[0]?.sampler)) {
    const t = rows.find((x) => x.engine === 'tfjs' && x.sampler === r.sampler && x.steps === r.steps);
    if (t !== undefined) out.push({ steps: r.steps, ortOverTfjs: r.imagesPerSec / t.imagesPerSec });
  }
  return out;
}

function report(machine: MachineInfo, load: readonly number[][], model: Record<string, unknown>, peak: MatmulPeak, labels: Record<string, string>, rows: BenchRow[]): string {
  const head = [
    `## Sampling benchmark (${new Date().toISOString()})`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}; 1-min load average ${load.map((l) => fmt(l[0] ?? 0, 2)).join(' at start, ')} at end`,
    ...Object.entries(labels).map(([k, v]) => `- Engine ${k}: ${v}`),
    `- Model: ${String(model.source)}; ${fmt(Number(model.params) / 1e6)} M params; ${fmt(Number(model.forwardGflopPerImage), 3)} GFLOP per image per model call`,
    `- Sampler: ${[...new Set(rows.map((r) => r.sampler))].join(', ')} sample(), default config (confidence, cosine schedule), no guidance`,
    `- Matmul peak: onnxruntime ${peak.n}×${peak.n}·${peak.n}×${peak.n} fp32, ${peak.threads} threads: ${fmt(peak.gflops)} GFLOP/s (median ${fmt(peak.medianMs)} ms; the better of a run before and after the engines)`,
    '',
  ];
  const several = new Set(rows.map((r) => r.sampler)).size > 1;
  const table = markdownTable(
    ['engine', ...(several ? ['sampler'] : []), 'T', 'batch', 'images/s', 'ms/image', 'NFE', 'GFLOP/s', '% of matmul peak', 'in model %', 'outside model ms/step', 'runs'],
    rows.map((r) => [
      r.engine, ...(several ? [r.sampler] : []), r.steps, r.batch, fmt(r.imagesPerSec), fmt(r.msPerImage), r.nfe, fmt(r.gflops), fmt(r.peakPercent, 1),
      fmt(100 * r.modelShare, 1), fmt(r.outsideMsPerStep, 2), r.repeats,
    ]),
    several ? [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const sp = speedups(rows);
  const spTable = sp.length === 0 ? [] : ['', 'Speed-up (ort images/s ÷ tfjs images/s):', '', markdownTable(['T', 'ort/tfjs'], sp.map((s) => [s.steps, `${fmt(s.ortOverTfjs, 2)}×`]), [0, 1])];
  const notes = [
    '',
    'GFLOP/s = NFE × forwardFlops(batch) / median wall time of one sample() call (matmul FLOPs only; the time includes the JS sampler step, see "in model %": the LogitsFn\'s share of all runs\' time; "outside model ms/step": the rest per step).',
    'Both engines share the weights, the seed and the sampler, and are timed round-robin; tfjs-backend-wasm runs single-threaded under Node, onnxruntime uses --threads.',
  ];
  return [...head, table, ...spTable, ...notes].join('\n');
}

/** The onnxruntime matmul peak, measured before and after the engines; the higher one is used (less disturbed by load). */
async function matmulPeak(threads: number, when: string): Promise<MatmulPeak> {
  progress(`measuring the onnxruntime matmul peak ${when} the engines (1024³ fp32, ${threads} threads)…`);
  const peak = await measureMatmulPeak({ threads, repeats: 20 });
  progress(`matmul peak ${fmt(peak.gflops)} GFLOP/s (median ${fmt(peak.medianMs)} ms)`);
  return peak;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (opts === null) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const machine = machineInfo();
  const loadStart = loadavg();
  const { params, config, source } = await loadWeights(opts);
  for (const t of opts.steps) {
    if (t > config.seqLen) throw new RangeError(`tools/bench-sample.ts: --steps ${t} exceeds the ${config.seqLen} image tokens (T ≤ L)`);
  }
  const model = { source, config, params: countParams(config), forwardGflopPerImage: forwardFlops(config, 1) / 1e9 };
  progress(`${machine.cpu}, ${machine.cores} cores; ${source}; batch ${opts.batch}, T = ${opts.steps.join(', ')}`);
  const peakBefore = await matmulPeak(opts.threads, 'before');
  const labels: Record<string, string> = {};
  const engines: { name: EngineName; fn: DisposableLogitsFn }[] = [];
  let measured: Omit<BenchRow, 'peakPercent'>[];
  try {
    for (const name of opts.engines) {
      const { fn, label } = await startEngine(name, params, config, opts.threads);
      engines.push({ name, fn });
      labels[name] = label;
      progress(`${name}: ${label}`);
    }
    measured = await benchAll(engines, config, opts);
  } finally {
    for (const e of engines) await e.fn.dispose();
  }
  const peakAfter = await matmulPeak(opts.threads, 'after');
  const peak = peakAfter.gflops > peakBefore.gflops ? peakAfter : peakBefore;
  const load = [loadStart, loadavg()];
  const rows: BenchRow[] = measured.map((r) => ({ ...r, peakPercent: (100 * r.gflops) / peak.gflops }));
  if (opts.json) {
    const out = { date: new Date().toISOString(), machine, loadAverage: { start: load[0], end: load[1] }, engines: labels, model, options: opts, matmulPeak: peak, matmulPeakRuns: [peakBefore, peakAfter], rows, speedups: speedups(rows) };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`${report(machine, load, model, peak, labels, rows)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-sample: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
