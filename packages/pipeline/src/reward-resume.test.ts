import { recordedRewardKeys } from './reward-resume';

describe('recordedRewardKeys', () => {
  const [a, b, c] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  it('is the current key, the history run.json recorded and, after an accepted change, the key it replaced', () => {
    expect(recordedRewardKeys(a, undefined, undefined)).toEqual([a]);
    expect(recordedRewardKeys(b, undefined, [{ iteration: 0, key: a }, { iteration: 3, key: b }])).toEqual([a, b]);
    expect(recordedRewardKeys(c, { from: b, to: c, history: [{ iteration: 0, key: a }, { iteration: 3, key: b }] }, undefined)).toEqual([a, b, c]);
    expect(recordedRewardKeys(b, { from: undefined, to: b, history: [{ iteration: 0, key: undefined }] }, undefined)).toEqual([b]);
  });
});
