import { createAdamW, globalGradNorm } from './adamw';
import { maskGitPreset } from './config';
import { paramSpecs, type MaskGitParams, type ParamSpec } from './params';

const SPECS: ParamSpec[] = [
  { name: 'w', shape: [2, 2], init: 'normal', decay: true },
  { name: 'b', shape: [2], init: 'zeros', decay: false },
];

function tensors(w: number[], b: number[]): MaskGitParams {
  return new Map([
    ['w', { shape: [2, 2], data: Float32Array.from(w) }],
    ['b', { shape: [2], data: Float32Array.from(b) }],
  ]);
}

const constantLr = { lr: 0.1, warmupSteps: 1, totalSteps: undefined, minLrRatio: 0.1 };

describe('AdamW', () => {
  test('first step moves every element by lr·sign(g) (m̂/√v̂ = ±1), decays only decay tensors', () => {
    const opt = createAdamW(SPECS, { ...constantLr, weightDecay: 0.5, clipNorm: Infinity, eps: 1e-12 });
    const params = tensors([1, -1, 2, 0], [1, 1]);
    const r = opt.update(params, tensors([0.3, -0.2, 5, 1e-3], [-2, 4]));
    expect(r.lr).toBe(0.1);
    expect(r.clipScale).toBe(1);
    const decay = 1 - 0.1 * 0.5;
    const w = params.get('w')?.data as Float32Array;
    [1 * decay - 0.1, -1 * decay + 0.1, 2 * decay - 0.1, 0 - 0.1].forEach((x, i) => expect(w[i]).toBeCloseTo(x, 6));
    const b = params.get('b')?.data as Float32Array;
    expect(b[0]).toBeCloseTo(1.1, 6); // no decay on the bias
    expect(b[1]).toBeCloseTo(0.9, 6);
    expect(opt.step).toBe(1);
  });

  test('matches a float64 re-implementation over several steps with clipping and warm-up', () => {
    const o = { lr: 0.05, warmupSteps: 3, totalSteps: 10, minLrRatio: 0.1, beta1: 0.9, beta2: 0.96, eps: 1e-8, weightDecay: 0.1, clipNorm: 1 };
    const opt = createAdamW(SPECS, o);
    const params = tensors([0.5, -0.5, 0.25, 1], [0.1, -0.1]);
    const ref = { p: [0.5, -0.5, 0.25, 1, 0.1, -0.1], m: new Array(6).fill(0), v: new Array(6).fill(0) };
    for (let t = 0; t < 6; t++) {
      const g = [0.3 * (t + 1), -0.2, 1.5, 0.1 * t, -0.7, 0.05];
      const r = opt.update(params, tensors(g.slice(0, 4), g.slice(4)));
      const norm = Math.hypot(...g);
      expect(r.gradNorm).toBeCloseTo(norm, 5);
      const scale = Math.min(1, 1 / (norm + 1e-6));
      const lr = t < 3 ? (0.05 * (t + 1)) / 3 : 0.005 + 0.5 * 0.045 * (1 + Math.cos((Math.PI * (t - 3)) / 7));
      expect(r.lr).toBeCloseTo(lr, 10);
      for (let i = 0; i < 6; i++) {
        const gi = (g[i] as number) * scale;
        ref.m[i] = 0.9 * ref.m[i] + 0.1 * gi;
        ref.v[i] = 0.96 * ref.v[i] + 0.04 * gi * gi;
        const upd = ref.m[i] / (1 - 0.9 ** (t + 1)) / (Math.sqrt(ref.v[i] / (1 - 0.96 ** (t + 1))) + 1e-8);
        ref.p[i] = (ref.p[i] as number) * (i < 4 ? 1 - lr * 0.1 : 1) - lr * upd;
      }
    }
    const got = [...(params.get('w')?.data ?? []), ...(params.get('b')?.data ?? [])];
    got.forEach((x, i) => expect(x).toBeCloseTo(ref.p[i] as number, 5));
  });

  test('every element follows the float64 formula exactly (bit for bit, decayed and undecayed tensors)', () => {
    const o = { lr: 0.01, warmupSteps: 1, totalSteps: undefined, minLrRatio: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, clipNorm: 0.5 };
    const specs: ParamSpec[] = [
      { name: 'w', shape: [3, 5], init: 'normal', decay: true },
      { name: 'b', shape: [7], init: 'zeros', decay: false },
    ];
    const wave = (n: number, t: number, f: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(f * (i + 1) + t) * (t + 1));
    const map = (w: Float32Array, b: Float32Array): MaskGitParams => new Map([['w', { shape: [3, 5], data: w }], ['b', { shape: [7], data: b }]]);
    const params = map(wave(15, 0, 0.7), wave(7, 0, 1.3));
    const ref = { p: [...(params.get('w')?.data ?? []), ...(params.get('b')?.data ?? [])], m: new Float32Array(22), v: new Float32Array(22) };
    const opt = createAdamW(specs, o);
    for (let t = 0; t < 4; t++) {
      const g = map(wave(15, t, 2.1), wave(7, t, 0.3));
      const flat = [...(g.get('w')?.data ?? []), ...(g.get('b')?.data ?? [])];
      const { lr, clipScale, gradNorm } = opt.update(params, g);
      let sum = 0;
      for (const x of flat) sum += x * x;
      expect(gradNorm).toBe(Math.sqrt(sum));
      const p = new Float32Array(ref.p);
      for (let i = 0; i < 22; i++) {
        const gi = (flat[i] as number) * clipScale;
        const mi = 0.9 * (ref.m[i] as number) + (1 - 0.9) * gi;
        const vi = 0.999 * (ref.v[i] as number) + (1 - 0.999) * gi * gi;
        ref.m[i] = mi;
        ref.v[i] = vi;
        const decay = i < 15 ? 1 - lr * 0.05 : 1;
        p[i] = (p[i] as number) * decay - ((lr / (1 - 0.9 ** (t + 1))) * mi) / (Math.sqrt(vi * (1 / (1 - 0.999 ** (t + 1)))) + 1e-8);
      }
      ref.p = [...p];
    }
    expect([...(params.get('w')?.data ?? []), ...(params.get('b')?.data ?? [])]).toEqual(ref.p);
    const state = opt.state();
    expect([...(state.m.get('w')?.data ?? []), ...(state.m.get('b')?.data ?? [])]).toEqual([...ref.m]);
    expect([...(state.v.get('w')?.data ?? []), ...(state.v.get('b')?.data ?? [])]).toEqual([...ref.v]);
  });

  test('state round-trips: resuming from state() continues exactly like an uninterrupted run', () => {
    const grads = (t: number): MaskGitParams => tensors([Math.sin(t), Math.cos(t), 0.5, -t / 10], [t / 3, -1]);
    const a = createAdamW(SPECS, constantLr);
    const pa = tensors([1, 2, 3, 4], [5, 6]);
    for (let t = 0; t < 6; t++) a.update(pa, grads(t));
    const b1 = createAdamW(SPECS, constantLr);
    const pb = tensors([1, 2, 3, 4], [5, 6]);
    for (let t = 0; t < 3; t++) b1.update(pb, grads(t));
    const saved = b1.state();
    b1.update(pb, grads(99)); // must not affect the saved copy
    const pb2 = tensors([1, 2, 3, 4], [5, 6]);
    const replay = createAdamW(SPECS, constantLr);
    for (let t = 0; t < 3; t++) replay.update(pb2, grads(t));
    const b2 = createAdamW(SPECS, constantLr, saved);
    expect(b2.step).toBe(3);
    for (let t = 3; t < 6; t++) b2.update(pb2, grads(t));
    expect(Array.from(pb2.get('w')?.data ?? [])).toEqual(Array.from(pa.get('w')?.data ?? []));
    expect(Array.from(pb2.get('b')?.data ?? [])).toEqual(Array.from(pa.get('b')?.data ?? []));
  });

  test('the decay mask follows paramSpecs: 2-D tensors (linear weights, embeddings) only', () => {
    const specs = paramSpecs(maskGitPreset('tiny'));
    const decayed = specs.filter((s) => s.decay).map((s) => s.name);
    expect(decayed).toContain('tok_emb');
    expect(decayed).toContain('blocks.0.attn.wq');
    expect(decayed).not.toContain('blocks.0.ln1.gamma');
    expect(decayed).not.toContain('head.b');
  });

  test('an explicit lr overrides the built-in schedule for that update only', () => {
    const opt = createAdamW(SPECS, { lr: 0.5, warmupSteps: 10, totalSteps: undefined, minLrRatio: 0.1, weightDecay: 0, clipNorm: Infinity, eps: 1e-12 });
    const params = tensors([0, 0, 0, 0], [0, 0]);
    const r = opt.update(params, tensors([1, -1, 1, -1], [1, 1]), 0.02);
    expect(r.lr).toBe(0.02);
    expect(params.get('w')?.data[0]).toBeCloseTo(-0.02, 7);
    expect(opt.update(params, tensors([1, 1, 1, 1], [1, 1])).lr).toBeCloseTo((0.5 * 2) / 10, 12); // schedule resumes at step 1
    expect(() => opt.update(params, tensors([1, 1, 1, 1], [1, 1]), NaN)).toThrow(/lr must be finite and ≥ 0, got NaN/);
  });

  test('rsqrt with a cool-down: the update follows the rsqrt tail, then falls linearly to 0 at totalSteps; a bad one is refused', () => {
    const o = { lr: 1, warmupSteps: 1, totalSteps: 6, minLrRatio: 0, lrSchedule: 'rsqrt' as const, cooldownSteps: 3, weightDecay: 0, clipNorm: Infinity };
    const opt = createAdamW(SPECS, o);
    const params = tensors([0, 0, 0, 0], [0, 0]);
    const lrs = Array.from({ length: 7 }, () => opt.update(params, tensors([1, 1, 1, 1], [1, 1])).lr);
    // steps 0..2: warm-up then √(1/(s+1)); from step 3 (√(1/4) = 0.5) linear to 0 at step 6
    [1, Math.SQRT1_2, Math.sqrt(1 / 3), 0.5, 1 / 3, 1 / 6, 0].forEach((lr, i) => expect(lrs[i]).toBeCloseTo(lr, 12));
    expect(() => createAdamW(SPECS, { ...o, lrSchedule: 'cosine' })).toThrow('createAdamW: option "cooldownSteps" needs lrSchedule "rsqrt"');
    expect(() => createAdamW(SPECS, { ...o, cooldownSteps: 6 })).toThrow('createAdamW: option "cooldownSteps" (6) must fit between the warm-up (1 steps) and totalSteps (6)');
    expect(() => createAdamW(SPECS, { ...o, totalSteps: undefined })).toThrow('must fit between the warm-up');
    expect(() => createAdamW(SPECS, { ...o, cooldownSteps: 1.5 })).toThrow('createAdamW: option "cooldownSteps" must be an integer ≥ 0, got 1.5');
  });

  test('a misspelt option is refused (it trained at the default), an undefined one keeps the default', () => {
    expect(() => createAdamW(SPECS, { learningrate: 5 } as never)).toThrow(/createAdamW: unknown field "learningrate"; expected only lr, warmupSteps/);
    const byDefault = createAdamW(SPECS).update(tensors([0, 0, 0, 0], [0, 0]), tensors([1, 1, 1, 1], [1, 1])).lr;
    expect(createAdamW(SPECS, { lr: undefined }).update(tensors([0, 0, 0, 0], [0, 0]), tensors([1, 1, 1, 1], [1, 1])).lr).toBe(byDefault);
  });

  test('global norm and clear errors', () => {
    expect(globalGradNorm(SPECS, tensors([3, 0, 0, 0], [0, 4]))).toBe(5);
    const opt = createAdamW(SPECS);
    expect(() => opt.update(tensors([0, 0, 0, 0], [0, 0]), tensors([Number.NaN, 0, 0, 0], [0, 0]))).toThrow(
      'adamw.update: the gradient norm is NaN; refusing to update (step 0)',
    );
    expect(() => opt.update(tensors([0, 0, 0, 0], [0, 0]), new Map([['w', { shape: [2, 2], data: new Float32Array(4) }]]))).toThrow(
      'adamw.update: grads has no tensor "b"',
    );
    expect(() => createAdamW(SPECS, { lr: 0 })).toThrow('createAdamW: option "lr" must be > 0, got 0');
    expect(() => createAdamW(SPECS, { beta2: 1.5 })).toThrow('createAdamW: option "beta2" must be in [0, 1], got 1.5');
    expect(() => createAdamW(SPECS, {}, { step: -1, m: new Map(), v: new Map() })).toThrow('initialState.step must be an integer ≥ 0');
  });
});
