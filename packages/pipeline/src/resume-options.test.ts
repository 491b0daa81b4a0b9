import { UsageError } from '@speedrl/core';
import { checkCheckpointOptions, checkCheckpointRun, checkResumeOverrides, checkSavedOptions, checkpointRunRecord, definingOptions } from './resume-options';

describe('checkResumeOverrides', () => {
  const saved = { base: 'models/fashion-mnist', data: '/usr/share/datasets/fashion-mnist', seed: 0, klBeta: 0.04, iterations: 100 };

  it('accepts the same values, a number given as text, and another spelling of the same path', () => {
    expect(() => checkResumeOverrides(saved, { base: 'models/fashion-mnist/', data: '/usr/share/datasets/../datasets/fashion-mnist', seed: '0', klBeta: 0.04 })).not.toThrow();
    expect(() => checkResumeOverrides(saved, { base: './models/fashion-mnist' })).not.toThrow(); // was: refused, "got "./models/fashion-mnist""
    // the same number written another way (was: refused, "started with ("-1"), got "-1.0"")
    expect(() => checkResumeOverrides({ floor: '-1', stepChoices: '2,3', lr: 0.00002 }, { floor: '-1.0', stepChoices: '2,3.0', lr: '2e-5' })).not.toThrow();
    expect(() => checkResumeOverrides({ stepChoices: '2,3' }, { stepChoices: '3,2' })).toThrow(/--step-choices/); // another order draws other T
  });

  it('refuses another path or another value of a defining option, naming the flag and both values', () => {
    expect(() => checkResumeOverrides(saved, { base: 'models/other' })).toThrow('--base: a resumed run keeps the value it was started with ("models/fashion-mnist"), got "models/other"');
    expect(() => checkResumeOverrides(saved, { klBeta: 0 })).toThrow('--kl-beta: a resumed run keeps the value it was started with (0.04), got 0');
    expect(() => checkResumeOverrides(saved, { seed: '0 ' })).toThrow(/--seed/);
  });

  it('takes the value given for an option run.json does not record (was: refused, "started with (undefined)")', () => {
    expect(() => checkResumeOverrides(saved, { batch: 16 })).not.toThrow();
  });

  it('lets a resume change how long it runs and where it saves, and ignores options not given', () => {
    expect(() => checkResumeOverrides(saved, { iterations: 200, out: 'elsewhere', checkpointEvery: 5, seed: undefined })).not.toThrow();
  });
});

describe('checkCheckpointOptions', () => {
  const run = { out: 'runs/a', seed: 0, lr: 0.00003, loss: 'grpo', stepChoices: '2,3,4', iterations: 70, base: 'models/x', reward: ['a.mjs'] };
  it('records the defining options only: not where the run is, how long it runs or its input paths; a reward spec by file, export and weight', () => {
    expect(definingOptions(run)).toEqual({ seed: 0, lr: 0.00003, loss: 'grpo', stepChoices: '2,3,4', reward: ['a.mjs:default=1'] });
    expect(definingOptions({ reward: ['./x/r.mjs:sharp=0.5'] })).toEqual({ reward: ['r.mjs:sharp=0.5'] });
  });
  it('accepts its own record, one written with another length, a value written otherwise, and a checkpoint with no record', () => {
    const own = definingOptions(run);
    expect(() => checkCheckpointOptions(own, { ...run, iterations: 1000, out: './runs/a/' }, 'ckpt')).not.toThrow();
    expect(() => checkCheckpointOptions({ ...own, lr: 3e-5, stepChoices: '2,3.0,4' }, run, 'ckpt')).not.toThrow();
    expect(() => checkCheckpointOptions(undefined, run, 'ckpt')).not.toThrow();
    expect(() => checkCheckpointOptions({ ...own, addedLater: 1 }, run, 'ckpt')).not.toThrow();
  });
  it('refuses a checkpoint of a run with the same seed and another defining option, naming the flag and both values', () => {
    expect(() => checkCheckpointOptions({ ...definingOptions(run), lr: 0.0001 }, run, 'runs/a/checkpoint'))
      .toThrow(/--resume: the checkpoint in "runs\/a\/checkpoint" was written by a run with --lr 0.0001, and this run's is 0.00003: it is not this run's checkpoint/);
    expect(() => checkCheckpointOptions({ ...definingOptions(run), loss: 'cispo' }, run, 'c')).toThrow(/--loss "cispo", and this run's is "grpo"/);
  });
});

describe('checkCheckpointRun', () => {
  const run = { options: { seed: 0, lr: 0.00003, reward: ['r.mjs=0.5'] }, identities: { '--base': 'a'.repeat(64), '--data': 'b'.repeat(64), '--reward': 'c'.repeat(64) } };
  it('accepts its own record, one with a --reward key accepted since (--allow-changed-reward), and none', () => {
    expect(() => checkCheckpointRun(checkpointRunRecord(run), run, 'ckpt')).not.toThrow();
    expect(() => checkCheckpointRun(checkpointRunRecord({ ...run, identities: { ...run.identities, '--reward': 'd'.repeat(64) } }), run, 'ckpt')).not.toThrow();
    expect(() => checkCheckpointRun(undefined, run, 'ckpt')).not.toThrow();
  });
  it('refuses a same-seed checkpoint of a run with another base or another reward weight (was: accepted, only options without --reward compared)', () => {
    const otherBase = checkpointRunRecord({ ...run, identities: { ...run.identities, '--base': 'e'.repeat(64) } });
    expect(() => checkCheckpointRun(otherBase, run, 'runs/a/checkpoint')).toThrow(/the checkpoint in "runs\/a\/checkpoint" was written by a run whose --base files differ from this run's \(content key eeeeeeeeeeee…, this run's aaaaaaaaaaaa…\)/);
    const otherWeight = checkpointRunRecord({ ...run, options: { ...run.options, reward: ['r.mjs=2'] } });
    expect(() => checkCheckpointRun(otherWeight, run, 'c')).toThrow(/--reward \["r\.mjs:default=2"\], and this run's is \["r\.mjs:default=0\.5"\]/);
  });
  it('refuses a checkpoint scored by a --reward module of the same file name whose key the run never recorded (was: the --reward key skipped)', () => {
    const mine = { ...run, rewardKeys: ['d'.repeat(64), 'c'.repeat(64)] }; // 'd…' accepted earlier with --allow-changed-reward
    const copied = checkpointRunRecord({ ...run, identities: { ...run.identities, '--reward': 'e'.repeat(64) } });
    expect(() => checkCheckpointRun(copied, mine, 'runs/a/checkpoint')).toThrow(UsageError);
    expect(() => checkCheckpointRun(copied, mine, 'runs/a/checkpoint'))
      .toThrow(/--resume: the checkpoint in "runs\/a\/checkpoint" was scored with --reward module files this run never used \(content key eeeeeeeeeeee…; this run's run\.json records dddddddddddd…, cccccccccccc…\): it is not this run's checkpoint/);
    expect(() => checkCheckpointRun(copied, { ...run, rewardKeys: [] }, 'c')).toThrow(/content key eeeeeeeeeeee…; this run has no --reward modules\)/);
    const before = checkpointRunRecord({ ...run, identities: { ...run.identities, '--reward': 'd'.repeat(64) } });
    expect(() => checkCheckpointRun(before, mine, 'c')).not.toThrow(); // from before an accepted edit: the run's own
    expect(() => checkCheckpointRun(checkpointRunRecord(run), mine, 'c')).not.toThrow();
  });
});

describe('checkSavedOptions', () => {
  it('refuses a typed option of a resumed job that differs from the saved one, naming the flag and the file; defaults and other keys pass', () => {
    const saved = { base: 'models/a', config: 'c.yaml', n: 100 };
    const keys = ['base', 'config'];
    expect(() => checkSavedOptions('out/ablate.json', saved, { base: 'models/b' }, keys, (k) => k === 'base', 'ablation')).toThrow(
      new UsageError('--base: out/ablate.json was started with "models/a", now "models/b"; a resumed ablation keeps it, use another --out to change it'),
    );
    expect(() => checkSavedOptions('f', saved, { base: 'models/b' }, keys, () => false, 'ablation')).not.toThrow(); // not typed: the saved value is used
    expect(() => checkSavedOptions('f', saved, { base: 'models/a', config: 'c.yaml', n: 5 }, keys, () => true, 'ablation')).not.toThrow(); // n is not a key
    expect(() => checkSavedOptions('f', {}, { base: 'x' }, keys, () => true, 'ablation')).not.toThrow(); // nothing saved: nothing to keep
    // compared as checkResumeOverrides compares (was: by text, so another spelling of the same path was refused)
    expect(() => checkSavedOptions('f', { ...saved, fixedSteps: 4 }, { base: './models/a/', config: 'sub/../c.yaml', fixedSteps: '4.0' }, [...keys, 'fixedSteps'], () => true, 'ablation')).not.toThrow();
  });
});
