import { classPrompts, clipScore, createClipReward, type ClipEncoder } from './clip-reward';

describe('clipScore', () => {
  it('is 100 × max(cos, 0), NaN for a zero embedding', () => {
    expect(clipScore([1, 0], 0, [1, 1], 0, 2)).toBeCloseTo(100 / Math.SQRT2, 10);
    expect(clipScore([3, 4, 0, 0], 0, [0, 0, 6, 8], 1, 2)).toBeCloseTo(100, 10); // rows are offset by dim
    expect(clipScore([1, 0], 0, [-1, 0.5], 0, 2)).toBe(0);
    expect(clipScore([0, 0], 0, [1, 1], 0, 2)).toBeNaN();
  });

  it('builds prompts from the template', () => {
    expect(classPrompts(['Trouser', 'Bag'])).toEqual(['a photo of a Trouser', 'a photo of a Bag']);
    expect(classPrompts(['x'], '{name}, {name}')).toEqual(['x, x']);
    expect(() => classPrompts(['x'], 'a photo')).toThrow(/must contain "\{name\}"/);
  });
});

describe('createClipReward', () => {
  it('embeds the prompts once, retries after a failed first call, and checks class ids', async () => {
    let textCalls = 0;
    const encoder: ClipEncoder = {
      image: { height: 28, width: 28, mean: [0, 0, 0], std: [1, 1, 1] }, embedDim: 1,
      embedImages: async (_p, n) => new Float32Array(n).fill(1),
      embedTexts: async (texts) => {
        textCalls++;
        if (textCalls === 1) throw new Error('disk hiccup');
        return new Float32Array(texts.length).fill(2);
      },
    };
    const reward = createClipReward(encoder, ['a', 'b']);
    const input = { images: new Float32Array(784), classes: Int32Array.of(1), batch: 1, height: 28, width: 28 };
    await expect(reward(input)).rejects.toThrow(/disk hiccup/);
    expect(Array.from(await reward(input))).toEqual([100]);
    await reward(input);
    expect(textCalls).toBe(2);
    await expect(reward({ ...input, classes: Int32Array.of(2) })).rejects.toThrow(/batch.classes\[0\] = 2; expected a class id in \[0, 2\)/);
  });
});
