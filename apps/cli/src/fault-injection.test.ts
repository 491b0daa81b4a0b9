/**
 * Fault injection: real `accelerate` and `train-maskgit` processes are killed with SIGKILL at named write points
 * (`faultPoint` in @speedrl/core: atomic renames, checkpoint staging, torn metrics lines, the bundle's tokenizer),
 * chosen from an uninterrupted run's own list of points; each is then resumed and must end exactly as the
 * uninterrupted run did: the same metrics (no duplicate, no gap), the same final weights, a consistent model
 * directory. Kill points are spread evenly over the run and always include its final writes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '@speedrl/core';
import { loadModel, ONNX_FILE, onnxModelIdentity } from '@speedrl/maskgit';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from './compare/test-models';
import { runCaptured as cli, spawnCli } from './test-cli';

/**
 * Kill points (1-based) over a run's list of point names: `count` spread evenly, the first of every distinct name
 * (each kind of write is hit at least once), and the last `tail` (the final model's writes).
 */
export function killPoints(points: readonly string[], count: number, tail: number): number[] {
  const total = points.length;
  const even = Array.from({ length: count }, (_, i) => 1 + Math.floor(((i + 0.5) * total) / count));
  const firstOfKind = [...new Set(points)].map((name) => points.indexOf(name) + 1);
  const last = Array.from({ length: tail }, (_, i) => total - i);
  return [...new Set([...even, ...firstOfKind, ...last])].sort((a, b) => a - b);
}

interface Scenario {
  readonly name: string;
  /** Fresh-run arguments writing into `out`. */
  args(out: string): string[];
  /** The command name, for `--resume`. */
  readonly command: string;
  /** The metrics value compared record by record with the uninterrupted run. */
  readonly metric: string;
  /** Model directories (holding maskgit/ and tokenizer/) the run ends with, relative to `out`. */
  readonly models: readonly string[];
  readonly kills: number;
}

describe('fault injection: SIGKILL at write points, then --resume, ends as an uninterrupted run', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-faults-'));
  const base = join(root, 'base');
  const reward = join(root, 'reward');
  beforeAll(async () => {
    await writeTinyBundle(base, 3);
    await writeTinyClassifier(reward, 'reward', 4);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const scenarios: Scenario[] = [
    {
      name: 'accelerate', command: 'accelerate', metric: 'rewardMean', models: ['model'], kills: 12,
      args: (out) => ['accelerate', '--base', base, '--reward-classifier', reward, '--data', FIXTURE_DIR, '--out', out, '--w-classifier', '1', '--w-mmd', '0',
        '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2', '--micro-batch', '16', '--checkpoint-every', '2', '--grid-every', '0',
        '--iterations', '5', '--seed', '7'],
    },
    {
      name: 'train-maskgit', command: 'train-maskgit', metric: 'loss', models: ['.', 'ema-0.9'], kills: 10,
      args: (out) => ['train-maskgit', '--preset', 'tiny', '--tokenizer', join(base, 'tokenizer'), '--data', FIXTURE_DIR, '--out', out, '--steps', '7',
        '--batch', '8', '--warmup', '2', '--checkpoint-every', '3', '--log-every', '1', '--ema', '0.9', '--ema-every', '1', '--seed', '7'],
    },
  ];

  for (const s of scenarios) {
    it(`${s.name}: at least ${s.kills} kill points, every kind of write among them`, async () => {
      const straight = join(root, `${s.name}-straight`);
      const log = join(root, `${s.name}-faults.log`);
      const ref = await spawnCli(s.args(straight), { SPEEDRL_FAULT_LOG: log });
      expect(ref.err).not.toMatch(/speedrl:/);
      expect(ref.code).toBe(0);
      const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
      expect(points.length).toBeGreaterThan(s.kills);
      const records = (dir: string) => readJsonl<Record<string, unknown> & { step: number; event?: string }>(join(dir, 'metrics.jsonl')).records.filter((r) => r.event === undefined);
      const expected = records(straight);
      const weights = (dir: string, model: string) => readFileSync(join(dir, model, 'maskgit', 'model.safetensors'));

      const seen: string[] = [];
      const kills = killPoints(points, s.kills, 3);
      expect(kills.length).toBeGreaterThanOrEqual(s.kills);
      for (const k of kills) {
        const out = join(root, `${s.name}-kill-${k}`);
        const killed = await spawnCli(s.args(out), { SPEEDRL_KILL_AT: String(k) });
        expect({ k, point: points[k - 1], signal: killed.signal }).toEqual({ k, point: points[k - 1], signal: 'SIGKILL' });
        seen.push(points[k - 1] as string);
        // what a user does next: --resume; a run killed before it recorded anything is simply started again
        let resumed = await cli([s.command, '--out', out, '--resume']);
        if (resumed.code === 2 && /no complete checkpoint/.test(resumed.err) && !existsSync(join(out, 'metrics.jsonl'))) resumed = await cli(s.args(out));
        expect({ k, point: points[k - 1], code: resumed.code, err: resumed.code === 0 ? '' : resumed.err }).toEqual({ k, point: points[k - 1], code: 0, err: '' });

        const got = records(out);
        expect(got.map((r) => r.step)).toEqual(expected.map((r) => r.step)); // no duplicate, no gap
        for (const [i, r] of got.entries()) expect(r[s.metric]).toBeCloseTo(expected[i]?.[s.metric] as number, 5);
        for (const model of s.models) {
          expect(weights(out, model).equals(weights(straight, model))).toBe(true);
          const loaded = await loadModel(join(out, model, 'maskgit')); // identity of config.json and weights checked
          expect(onnxModelIdentity(readFileSync(join(out, model, 'maskgit', ONNX_FILE)))).toBe(loaded.identity);
          for (const f of ['model.safetensors', 'config.json']) {
            expect(readFileSync(join(out, model, 'tokenizer', f)).equals(readFileSync(join(base, 'tokenizer', f)))).toBe(true);
          }
        }
        expect(existsSync(join(out, '.lock'))).toBe(false);
      }
      // the points cover checkpoint staging, renames, torn metrics lines and the final model's files
      expect(seen.some((p) => p.startsWith('checkpoint'))).toBe(true);
      expect(seen.some((p) => p.includes('torn line'))).toBe(true);
      expect(seen.some((p) => /model\.safetensors|config\.json|model\.onnx|tokenizer/.test(p))).toBe(true);
    }, 600_000);
  }
});
