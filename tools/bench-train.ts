/**
 * Training benchmark (a benchmark, not a test; docs/architecture.md, "Engines and parity"): MaskGIT training
 * samples/second and achieved GFLOP/s of the tfjs-wasm trainer (`createTrainer`) vs the onnxruntime engine
 * (`createOrtTrainer`) side by side in one run, against onnxruntime's own 1024³ fp32 matmul peak measured in the same
 * run, and optionally the PyTorch peer (`../shared/peers/torch_maskgit_bench.py` through `/usr/bin/python3`, when
 * `import torch` works there).
 *
 * Run from the repository root:
 *   node --conditions=@speedrl/source --import tsx tools/bench-train.ts [--batch 64] [--preset fmnist] [--json] …
 *   (`--help` lists the flags).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  countParams, createTrainer, forwardFlops, initParams, maskGitPreset, type MaskGitConfig, type MaskGitParams, type StepResult,
} from '@speedrl/maskgit';
import { createOrtTrainer } from '@speedrl/maskgit';
import { Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import { fmt, machineInfo, markdownTable, measureMatmulPeak, median, parsePositiveInt, progress, timeMs, type MatmulPeak } from './bench-utils';

const FILE = 'tools/bench-train.ts';
const ENGINES = ['ort', 'tfjs', 'torch'] as const;
type EngineName = (typeof ENGINES)[number];
const PYTHON = '/usr/bin/python3';

const HELP = `Training benchmark: MaskGIT training samples/s and GFLOP/s, onnxruntime-node vs tfjs-wasm (vs PyTorch).

Usage: node --conditions=@speedrl/source --import tsx ${FILE} [flags]

  --preset NAME       model shape with random weights: fmnist | tiny (default fmnist: dim 256, depth 6, K 512, L 49)
  --batch N           samples per training step (default 64)
  --repeats N         timed onnxruntime steps; the median is reported (default 10)
  --tfjs-repeats N    timed tfjs-wasm steps, which are much slower (default 1)
  --warmup N          untimed steps per engine first (default 1)
  --threads N         onnxruntime / torch threads, also used for the matmul peak (default 2)
  --engines LIST      engines in order: ort,tfjs,torch (default ort,tfjs,torch; torch is skipped when
                      ${PYTHON} cannot import torch: apt-get install -y python3-torch)
  --torch-script PATH the PyTorch peer (default ../shared/peers/torch_maskgit_bench.py from the repository root)
  --seed N            seed of weights, data and masks (default 0)
  --json              one JSON object on stdout instead of markdown
  --help              this text

GFLOP/s = 3 × forwardFlops(config, batch) / median step time (forward + backward, matmul FLOPs only) for every engine,
the PyTorch peer included (its own FLOP count is shown beside it). Progress goes to stderr.`;

interface Options {
  preset: 'fmnist' | 'tiny';
  batch: number;
  repeats: number;
  tfjsRepeats: number;
  warmup: number;
  threads: number;
  engines: EngineName[];
  torchScript: string;
  seed: number;
  json: boolean;
}

/** One measured engine. */
interface Row {
  engine: EngineName;
  label: string;
  runs: number;
  medianMs: number;
  bestMs: number;
  samplesPerSec: number;
  gflops: number;
  peakPercent: number;
  note: string;
}

function parseOptions(argv: string[]): Options | null {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      preset: { type: 'string', default: 'fmnist' }, batch: { type: 'string', default: '64' }, repeats: { type: 'string', default: '10' },
      'tfjs-repeats': { type: 'string', default: '1' }, warmup: { type: 'string', default: '1' }, threads: { type: 'string', default: '2' },
      engines: { type: 'string', default: ENGINES.join(',') }, 'torch-script': { type: 'string', default: resolve('../shared/peers/torch_maskgit_bench.py') },
      seed: { type: 'string', default: '0' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (v.help === true) return null;
  if (v.preset !== 'fmnist' && v.preset !== 'tiny') throw new RangeError(`${FILE}: --preset must be fmnist or tiny, got "${v.preset}"`);
  const engines = (v.engines as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const e of engines) if (!(ENGINES as readonly string[]).includes(e)) throw new RangeError(`${FILE}: --engines must list ort, tfjs and/or torch, got "${e}"`);
  const seed = Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`${FILE}: --seed must be an integer ≥ 0, got "${v.seed}"`);
  return {
    preset: v.preset, batch: parsePositiveInt(v.batch as string, '--batch'), repeats: parsePositiveInt(v.repeats as string, '--repeats'),
    tfjsRepeats: parsePositiveInt(v['tfjs-repeats'] as string, '--tfjs-repeats'), warmup: v.warmup === '0' ? 0 : parsePositiveInt(v.warmup as string, '--warmup'),
    threads: parsePositiveInt(v.threads as string, '--threads'), engines: [...new Set(engines)] as EngineName[], torchScript: v['torch-script'] as string, seed,
    json: v.json === true,
  };
}

/** A batch of clean tokens `[B, L]` and classes `[B]` (random: the step cost does not depend on the data). */
function batchOf(config: MaskGitConfig, batch: number, rng: Rng): { tokens: Int32Array; classes: Int32Array } {
  return {
    tokens: Int32Array.from({ length: batch * config.seqLen }, () => rng.int(config.numCodes)),
    classes: Int32Array.from({ length: batch }, () => rng.int(config.numClasses)),
  };
}

type StepFn = () => Promise<StepResult>;

/** Times `runs` steps after `warmup` untimed ones. */
async function timeSteps(name: string, step: StepFn, warmup: number, runs: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    progress(`${name}: warm-up step ${i + 1}/${warmup}`);
    await step();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, value } = await timeMs(step);
    times.push(ms);
    progress(`${name}: step ${i + 1}/${runs}: ${fmt(ms / 1000)} s, loss ${fmt(value.loss, 4)}`);
  }
  return times;
}

async function benchOrt(config: MaskGitConfig, params: MaskGitParams, o: Options): Promise<{ label: string; times: number[] }> {
  const trainer = await createOrtTrainer(config, params, { intraOpNumThreads: o.threads });
  const rng = Rng.fromSeed(o.seed + 1);
  const { tokens, classes } = batchOf(config, o.batch, rng);
  try {
    const times = await timeSteps('ort', () => trainer.step(tokens, classes, rng), o.warmup, o.repeats);
    return { label: `onnxruntime-node ${machineInfo().onnxruntime} (CPU EP, ${o.threads} intra-op threads) + AdamW in TypeScript`, times };
  } finally {
    await trainer.dispose();
  }
}

async function benchTfjs(config: MaskGitConfig, params: MaskGitParams, o: Options): Promise<{ label: string; times: number[] }> {
  const report = await initBackend({ prefer: 'wasm' });
  if (report.backend !== 'wasm') progress(`warning: tfjs runs on "${report.backend}", not wasm (${report.reason})`);
  const trainer = createTrainer(config, params);
  const rng = Rng.fromSeed(o.seed + 1);
  const { tokens, classes } = batchOf(config, o.batch, rng);
  try {
    const times = await timeSteps('tfjs', async () => trainer.step(tokens, classes, rng), o.warmup, o.tfjsRepeats);
    return { label: `tfjs ${tf.version.tfjs} ${report.backend} (createTrainer, autodiff)`, times };
  } finally {
    trainer.dispose();
  }
}

/** Runs the PyTorch peer; null (with the reason) when it cannot run here. */
function benchTorch(config: MaskGitConfig, o: Options): { label: string; times: number[]; note: string } | { skipped: string } {
  if (!existsSync(o.torchScript)) return { skipped: `no peer script at ${o.torchScript}` };
  const probe = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${PYTHON} cannot import torch (apt-get install -y python3-torch)` };
  const iters = Math.max(3, o.repeats);
  const args = [o.torchScript, '--dim', config.dim, '--layers', config.depth, '--heads', config.heads, '--seq', config.seqLen + 1, '--codes', config.numCodes,
    '--batch', o.batch, '--threads', o.threads, '--iters', iters].map(String);
  progress(`torch: ${PYTHON} ${args.join(' ')}`);
  const run = spawnSync(PYTHON, args, { encoding: 'utf8' });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const m = /([\d.]+) samples\/s, ([\d.]+) GFLOP\/s train, matmul peak ([\d.]+) GFLOP\/s/.exec(line);
  if (run.status !== 0 || m === null) return { skipped: `the peer failed (exit ${run.status}): ${run.stderr.trim().split('\n').pop() ?? line}` };
  const ms = (1000 * o.batch) / Number(m[1]);
  return {
    label: `PyTorch ${probe.stdout.trim()} (${o.threads} threads, ${iters} steps, mean)`,
    times: [ms],
    note: `its own count: ${m[2]} GFLOP/s; its matmul peak ${m[3]} GFLOP/s`,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === null) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const machine = machineInfo();
  const loadStart = loadavg();
  const config = maskGitPreset(o.preset);
  const params = initParams(config, Rng.fromSeed(o.seed));
  const stepFlops = 3 * forwardFlops(config, o.batch);
  progress(`${machine.cpu}, ${machine.cores} cores, load ${fmt(loadStart[0] ?? 0, 2)}; preset ${o.preset}, batch ${o.batch}, ${fmt(stepFlops / 1e9)} GFLOP per step`);
  const peaks: MatmulPeak[] = [await measureMatmulPeak({ threads: o.threads, repeats: 20 })];
  progress(`matmul peak ${fmt(peaks[0]?.gflops ?? 0)} GFLOP/s`);
  const measured: Omit<Row, 'peakPercent'>[] = [];
  const skipped: string[] = [];
  for (const engine of o.engines) {
    let r: { label: string; times: number[]; note?: string } | { skipped: string };
    if (engine === 'ort') r = await benchOrt(config, params, o);
    else if (engine === 'tfjs') r = await benchTfjs(config, params, o);
    else r = benchTorch(config, o);
    if ('skipped' in r) {
      skipped.push(`${engine}: ${r.skipped}`);
      progress(`${engine} skipped: ${r.skipped}`);
      continue;
    }
    const medianMs = median(r.times);
    measured.push({
      engine, label: r.label, runs: r.times.length, medianMs, bestMs: Math.min(...r.times), samplesPerSec: (1000 * o.batch) / medianMs,
      gflops: stepFlops / (medianMs * 1e6), note: r.note ?? '',
    });
  }
  peaks.push(await measureMatmulPeak({ threads: o.threads, repeats: 20 }));
  const peak = peaks.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const rows: Row[] = measured.map((r) => ({ ...r, peakPercent: (100 * r.gflops) / peak.gflops }));
  const loadEnd = loadavg();
  const ort = rows.find((r) => r.engine === 'ort');
  const ratios = ort === undefined ? [] : rows.filter((r) => r !== ort).map((r) => ({ engine: r.engine, ortSpeedup: ort.samplesPerSec / r.samplesPerSec }));
  if (o.json) {
    const out = { date: new Date().toISOString(), machine, loadAverage: { start: loadStart, end: loadEnd }, config, params: countParams(config), options: o, stepFlops, matmulPeak: peak, matmulPeakRuns: peaks, rows, ratios, skipped };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines = [
    `## Training benchmark (${new Date().toISOString()})`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}; 1-min load average ${fmt(loadStart[0] ?? 0, 2)} at start, ${fmt(loadEnd[0] ?? 0, 2)} at end (other load depresses every number)`,
    `- Model: preset ${o.preset} (dim ${config.dim}, depth ${config.depth}, heads ${config.heads}, K ${config.numCodes}, L ${config.seqLen}+1), ${fmt(countParams(config) / 1e6)} M params; batch ${o.batch}; ${fmt(stepFlops / 1e9)} GFLOP per step (3 × forwardFlops)`,
    `- Matmul peak: onnxruntime 1024³ fp32, ${o.threads} threads: ${fmt(peak.gflops)} GFLOP/s (the better of a run before and after the engines)`,
    ...rows.map((r) => `- ${r.engine}: ${r.label}`),
    ...skipped.map((s) => `- skipped ${s}`),
    '',
    markdownTable(
      ['engine', 'samples/s', 's/step', 'best s/step', 'GFLOP/s', '% of matmul peak', 'runs', 'note'],
      rows.map((r) => [r.engine, fmt(r.samplesPerSec), fmt(r.medianMs / 1000), fmt(r.bestMs / 1000), fmt(r.gflops), fmt(r.peakPercent, 1), r.runs, r.note]),
      [1, 2, 3, 4, 5, 6],
    ),
    ...(ratios.length === 0 ? [] : ['', ...ratios.map((x) => `onnxruntime engine / ${x.engine}: ${fmt(x.ortSpeedup, 2)}× samples/s`)]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-train: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
