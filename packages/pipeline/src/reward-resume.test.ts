import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { checkRewardResume, recordedRewardKeys, rewardKeyOf, rewardSpecIdentity } from './reward-resume';
import { openAccelerateRun, type AccelerateOptions } from './accelerate';
import { lockMark, releaseLocksSince } from './run-lock';

describe('recordedRewardKeys', () => {
  const [a, b, c] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  it('is the current key, the history run.json recorded and, after an accepted change, the key it replaced', () => {
    expect(recordedRewardKeys(a, undefined, undefined)).toEqual([a]);
    expect(recordedRewardKeys(b, undefined, [{ iteration: 0, key: a }, { iteration: 3, key: b }])).toEqual([a, b]);
    expect(recordedRewardKeys(c, { from: b, to: c, history: [{ iteration: 0, key: a }, { iteration: 3, key: b }] }, undefined)).toEqual([a, b, c]);
    expect(recordedRewardKeys(b, { from: undefined, to: b, history: [{ iteration: 0, key: undefined }] }, undefined)).toEqual([b]);
  });
});

describe('checkRewardResume: another spelling of the same module is the same --reward list', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-reward-resume-'));
  const module = join(root, 'r.mjs');
  const out = join(root, 'run');
  beforeAll(async () => {
    writeFileSync(module, 'export default (b) => new Float32Array(b.batch);\n');
    mkdirSync(out);
    const options = { out, base: join(root, 'base'), rewardClassifier: join(root, 'rc'), data: join(root, 'data'), reward: [module] };
    writeFileSync(join(out, 'run.json'), JSON.stringify({ command: 'accelerate', options, identities: { '--reward': await rewardKeyOf([module]) } }));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('compares the files, exports and weights the specs load, not their text', () => {
    const rel = relative(process.cwd(), module);
    expect(rewardSpecIdentity(`./${rel}`)).toBe(rewardSpecIdentity(`${module}:default=1.0`));
    expect(rewardSpecIdentity('r.mjs', root)).toBe(rewardSpecIdentity(module));
    expect(rewardSpecIdentity('r.mjs')).not.toBe(rewardSpecIdentity(module)); // another working directory, another file
  });

  it('accepts ./r.mjs for r.mjs (resolved against the working directory) and keeps the run\'s spelling; another weight is refused', async () => {
    const rel = relative(process.cwd(), module);
    await expect(checkRewardResume(out, { reward: [`./${rel}=1.0`] }, false)).resolves.toMatchObject({ specs: [module] });
    await expect(checkRewardResume(out, { reward: [`${rel}=2`] }, false)).rejects.toThrow(/--reward: the list differs from the run's/);
    const mark = lockMark();
    try {
      const run = await openAccelerateRun({ ...(JSON.parse('{}') as AccelerateOptions), out, base: join(root, 'base'), reward: [`./${rel}`] }, 'resume', { reward: [`./${rel}`] });
      expect(run.options.reward).toEqual([module]);
      expect(run.identities['--reward']).toBe(await rewardKeyOf([module]));
    } finally {
      releaseLocksSince(mark);
    }
  });
});
