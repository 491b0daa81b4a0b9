import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterruptedError, readJsonl, type TextIo } from '@speedrl/core';
import { FEATURE_STATS_FILE, loadClassifier } from '@speedrl/rewards-clip-fid';
import { CLASSIFIER_DIR, lockMark, openRunDir, readConfigStep, releaseLocksSince, trainClassifierRun, trainingInputs, type TrainClassifierRunOptions } from './index';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
const io: TextIo = { isTTY: false, stdout: () => undefined, stderr: () => undefined };

describe('trainClassifierRun', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-train-classifier-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('trains a tiny eval classifier on the fixture into run/classifier with its test-set statistics, and resumes', async () => {
    const o: TrainClassifierRunOptions = {
      role: 'eval', preset: 'tiny', data: FIXTURE, out: join(root, 'cls'), epochs: 0, steps: 4, limit: 0, evalLimit: 50, checkpointEvery: 2, logEvery: 2,
    };
    const run = async (options: TrainClassifierRunOptions, mode: 'fresh' | 'resume', out: TextIo = io) => {
      const mark = lockMark();
      try {
        const dir = await openRunDir(options.out, 'train-classifier', { ...options }, mode, {}, readConfigStep, trainingInputs(false));
        return await trainClassifierRun(options, dir, out);
      } finally {
        releaseLocksSince(mark);
      }
    };
    const summary = await run(o, 'fresh');
    expect(summary).toMatchObject({ out: join(o.out, CLASSIFIER_DIR), role: 'eval', seed: 2903, step: 4, stopped: false, test: { count: 50 } });
    expect(existsSync(join(summary.out, FEATURE_STATS_FILE))).toBe(true);
    expect((await loadClassifier(summary.out)).role).toBe('eval');
    const resumed = await run({ ...o, steps: 6 }, 'resume');
    expect(resumed.step).toBe(6);
    const steps = readJsonl<{ step: number; event?: string }>(join(o.out, 'metrics.jsonl')).records.filter((m) => m.event === undefined).map((m) => m.step);
    expect(steps).toEqual([2, 4, 6]);
    // Ctrl-C (SIGINT) saves a checkpoint and throws InterruptedError (the CLI's exit 130); --resume finishes the run
    let sent = false;
    const interrupting: TextIo = {
      ...io,
      stderr: (t) => {
        if (!sent && /train-classifier\(eval\) \d+\/200/.test(t)) {
          sent = true;
          process.emit('SIGINT', 'SIGINT');
        }
      },
    };
    const stopped = await run({ ...o, steps: 200 }, 'resume', interrupting).catch((e: unknown) => e);
    expect(sent).toBe(true);
    expect(stopped).toBeInstanceOf(InterruptedError);
    expect((stopped as Error).message).toMatch(/checkpoint saved in .*, continue with --resume/);
  });
});
