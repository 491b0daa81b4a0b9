/**
 * Shared helpers of the workspace benchmarks (`tools/bench-*.ts`): timing, medians, markdown tables, CLI list
 * parsing, a machine description and a measured onnxruntime matmul peak (the yardstick of "% of peak").
 */
import { availableParallelism, cpus, platform, release } from 'node:os';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
const FILE = 'tools/bench-utils.ts';

/** Writes a progress line to stderr (stdout stays clean for the table or the JSON). */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Milliseconds taken by one awaited call of `fn`, with its result. */
export async function timeMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError(`${FILE}: median of an empty list`);
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Formats a number with `digits` decimals, or with 3 significant digits when `digits` is omitted. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (digits !== undefined) return value.toFixed(digits);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** A GitHub-flavoured markdown table; columns listed in `rightAlign` (by index) are right-aligned. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[], rightAlign: readonly number[] = []): string {
  const cells = rows.map((r) => headers.map((_, i) => String(r[i] ?? '')));
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...cells.map((r) => (r[i] as string).length)));
  const pad = (text: string, i: number): string => (rightAlign.includes(i) ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number));
  const line = (r: readonly string[]): string => `| ${r.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAlign.includes(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

/** Parses a comma-separated list of positive integers (`"4,8,12"`); `flag` names the option in errors. */
export function parsePositiveIntList(text: string, flag: string): number[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new RangeError(`${FILE}: ${flag} must be a comma-separated list of positive integers, got "${text}"`);
  return items.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${FILE}: ${flag} must hold positive integers, got "${s}" in "${text}"`);
    return n;
  });
}

/** Parses one positive integer option; `flag` names the option in errors. */
export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${FILE}: ${flag} must be a positive integer, got "${text}"`);
  return n;
}

/** What the benchmark ran on: CPU model, logical cores, OS and Node version. */
export interface MachineInfo {
  /** CPU model string of the first core. */
  readonly cpu: string;
  /** Logical cores Node may use (`os.availableParallelism()`). */
  readonly cores: number;
  /** `platform release`. */
  readonly os: string;
  /** `process.version`. */
  readonly node: string;
  /** onnxruntime-node version. */
  readonly onnxruntime: string;
}

/** Describes the machine the benchmark runs on. */
export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime: ort.env.versions.node ?? ort.env.versions.common,
  };
}

/** ONNX ModelProto bytes of `y = x · W` with x `[n, n]` an input and W `[n, n]` a float32 initializer (opset 17, IR 8). */
export function matmulModel(n: number, fill = 0.001): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const w = new Float32Array(n * n).fill(fill);
  const bytes = new Uint8Array(w.buffer, w.byteOffset, w.byteLength); // little-endian on every host we run on
  const io = (name: string): OnnxTypes.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: n }, { dimValue: n }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'speedrl-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'matmul_peak',
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'], name: 'MatMul_0' }],
      initializer: [{ name: 'w', dims: [n, n], dataType: FLOAT, rawData: bytes }],
      input: [io('x')],
      output: [io('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Options of {@link measureMatmulPeak}. */
export interface MatmulPeakOptions {
  /** Matrix size n of the n×n · n×n product (default 1024). */
  readonly n?: number;
  /** onnxruntime intra-op threads (default 2: the cores of our machines). */
  readonly threads?: number;
  /** Untimed runs first (default 3). */
  readonly warmup?: number;
  /** Timed runs; the median is reported (default 10). */
  readonly repeats?: number;
}

/** A measured matmul peak. */
export interface MatmulPeak {
  readonly n: number;
  readonly threads: number;
  /** Median milliseconds of one product. */
  readonly medianMs: number;
  /** 2·n³ / median time, in GFLOP/s. */
  readonly gflops: number;
}

/** Measures the fp32 matmul throughput of onnxruntime-node on this machine: 2·n³ / median time of `repeats` runs. */
export async function measureMatmulPeak(options: MatmulPeakOptions = {}): Promise<MatmulPeak> {
  const n = options.n ?? 1024;
  const threads = options.threads ?? 2;
  const session = await ort.InferenceSession.create(matmulModel(n), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    const x = new Float32Array(n * n).fill(1);
    const feeds = { x: new ort.Tensor('float32', x, [n, n]) };
    const run = async (): Promise<void> => {
      const out = await session.run(feeds);
      const y = out.y;
      if (y === undefined || (y.data as Float32Array)[0] === undefined) throw new Error(`${FILE}: the matmul session returned no "y"`);
    };
    for (let i = 0; i < (options.warmup ?? 3); i++) await run();
    const times: number[] = [];
    for (let i = 0; i < (options.repeats ?? 10); i++) times.push((await timeMs(run)).ms);
    const medianMs = median(times);
    return { n, threads, medianMs, gflops: (2 * n ** 3) / (medianMs * 1e6) };
  } finally {
    await session.release();
  }
}
