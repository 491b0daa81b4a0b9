import { checkResumeOverrides } from './resume-options';

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
