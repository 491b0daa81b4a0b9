/** floors.json: loaded when its key and its numbers' SHA-256 match; numbers edited under a matching key are recomputed. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOORS_FILE, loadOrComputeFloors } from './floors-cache';

describe('loadOrComputeFloors', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-floors-'));
  const inputs = { modelDir: join(root, 'model'), classifierDir: join(root, 'cls'), dataDir: join(root, 'data'), refLimit: 0 };
  beforeAll(() => {
    for (const [dir, names] of [[join(root, 'model', 'tokenizer'), ['model.safetensors', 'config.json']], [inputs.classifierDir, ['model.safetensors', 'config.json']], [inputs.dataDir, ['t10k-images-idx3-ubyte', 'train-images-idx3-ubyte']]] as const) {
      mkdirSync(dir, { recursive: true });
      for (const name of names) writeFileSync(join(dir, name), name);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('recomputes floors whose numbers were edited under a matching key', async () => {
    const floors = { reconstruction: 3, trainHeldOut: 4, heldOutTrainImages: 100 };
    const compute = jest.fn(async () => Promise.resolve(floors));
    expect((await loadOrComputeFloors(inputs, compute, () => undefined)).source).toBe('computed');
    expect((await loadOrComputeFloors(inputs, compute, () => undefined)).source).toBe('cache');
    const path = join(inputs.modelDir, FLOORS_FILE);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as { floors: { reconstruction: number } };
    saved.floors.reconstruction = 0.001;
    writeFileSync(path, JSON.stringify(saved));
    const again = await loadOrComputeFloors(inputs, compute, () => undefined);
    expect(again).toMatchObject({ source: 'computed', floors: { reconstruction: 3 }, reason: expect.stringMatching(/SHA-256 does not match/) });
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('keeps intact floors of other inputs (another --ref-limit): computed, used, not cached over them (was: overwritten)', async () => {
    const path = join(inputs.modelDir, FLOORS_FILE);
    const usual = readFileSync(path, 'utf8'); // the intact floors of the test above (refLimit 0)
    const other = jest.fn(async () => Promise.resolve({ reconstruction: 5, trainHeldOut: 6, heldOutTrainImages: 100 }));
    const got = await loadOrComputeFloors({ ...inputs, refLimit: 100 }, other, () => undefined);
    expect(got).toMatchObject({ source: 'computed', floors: { reconstruction: 5 }, reason: expect.stringMatching(/key mismatch\); it is kept, and these floors are not cached/) });
    expect(readFileSync(path, 'utf8')).toBe(usual);
    expect((await loadOrComputeFloors(inputs, other, () => undefined)).source).toBe('cache');
  });
});
