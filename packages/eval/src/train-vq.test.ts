import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, readJsonl, type TextIo } from '@speedrl/core';
import { loadVq } from '@speedrl/vq-tokenizer';
import {
  CLASSIFIER_DIR, lockMark, openRunDir, readConfigStep, releaseLocksSince, trainClassifierRun, trainingInputs, type RunDir, type RunMode,
} from '@speedrl/pipeline';
import { computeFloorMetrics, loadEvalClassifier, loadTestReference, trainVq, type TrainVqOptions } from './index';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
const io: TextIo = { isTTY: false, stdout: () => undefined, stderr: () => undefined };

/** Opens `out` as the CLI does and runs `body` in it, releasing the run lock afterwards. */
async function inRun<T>(out: string, command: string, options: object, perceptual: boolean, body: (run: RunDir) => Promise<T>, mode: RunMode = 'fresh'): Promise<T> {
  const mark = lockMark();
  try {
    return await body(await openRunDir(out, command, { ...options }, mode, {}, readConfigStep, trainingInputs(perceptual)));
  } finally {
    releaseLocksSince(mark);
  }
}

async function classifier(root: string, role: 'reward' | 'eval'): Promise<string> {
  const o = { role, preset: 'tiny', data: FIXTURE, out: join(root, `cls-${role}`), epochs: 0, steps: 2, limit: 0, evalLimit: 50, checkpointEvery: 10, logEvery: 10 } as const;
  await inRun(o.out, 'train-classifier', o, false, (run) => trainClassifierRun(o, run, io));
  return join(o.out, CLASSIFIER_DIR);
}

describe('trainVq', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-train-vq-'));
  const dirs: Record<'reward' | 'eval', string> = { reward: '', eval: '' };
  beforeAll(async () => {
    dirs.reward = await classifier(root, 'reward');
    dirs.eval = await classifier(root, 'eval');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const options = (out: string, over: Partial<TrainVqOptions> = {}): TrainVqOptions => ({
    preset: 'tiny', data: FIXTURE, out: join(root, out), epochs: 1, steps: 4, batch: 16, seed: 0, limit: 0, evalLimit: 40, checkpointEvery: 2, logEvery: 2,
    channels: 8, resBlocks: -1, codeDim: 0, codebookSize: 24, lr: 0, lrFloor: 1, perceptual: 0.01, holdout: 50, perceptualClassifier: dirs.reward, ...over,
  });

  it('trains a tiny tokenizer with a perceptual loss, reports on held-out train images and the test set, and the floors use it', async () => {
    const o = options('vq');
    const summary = await inRun(o.out, 'train-vq', o, true, (run) => trainVq(o, run, io));
    expect(summary).toMatchObject({ out: join(o.out, 'tokenizer'), step: 4, stopped: false, test: { count: 40 } });
    const records = readJsonl<{ step: number; event?: string; split?: string; perceptualLoss?: number; rewardFd?: number; firstIndex?: number }>(join(o.out, 'metrics.jsonl')).records;
    expect(records.filter((m) => m.event === undefined).map((m) => m.step)).toEqual([2, 4]);
    expect(records.filter((m) => m.event === undefined).every((m) => (m.perceptualLoss as number) > 0)).toBe(true);
    const held = records.find((m) => m.split === 'train-holdout');
    expect(held).toMatchObject({ firstIndex: 150 });
    expect(Number.isFinite(held?.rewardFd)).toBe(true);
    const { model: vq } = await loadVq(summary.out);
    expect(vq.config).toMatchObject({ codebookSize: 24, channels: 8 });
    const judge = await loadEvalClassifier(dirs.eval, 100);
    const test = await loadTestReference(judge, FIXTURE, 0);
    const floors = await computeFloorMetrics(vq, judge, test, FIXTURE, 0, 3);
    expect(floors.heldOutTrainImages).toBe(200); // min(test, train) of the fixture
    expect(Number.isFinite(floors.reconstruction.fcd) && Number.isFinite(floors.trainHeldOut.fcd)).toBe(true);
  });

  it('refuses the evaluation classifier as the perceptual φ before writing the run', async () => {
    const o = options('vq-judge', { perceptualClassifier: dirs.eval });
    const error = await inRun(o.out, 'train-vq', o, true, (run) => trainVq(o, run, io)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--perceptual-classifier: .* is the eval classifier; the perceptual loss needs the reward classifier/);
    expect(existsSync(join(o.out, 'metrics.jsonl'))).toBe(false);
  });
});
