import { Rng } from '@speedrl/core';
import { createFakePolicy, createFakeReference } from './testing/fake-policy';
import { exactKl, logSoftmaxRows } from './kl';
import { grpoLoss } from './losses/grpo';
import { collectRollouts, planRollouts } from './rollout';
import { buildStepBatch, chooseTrainedSteps, collectStepRows, stackRowInputs, type StepLossSettings, type StepRow } from './step-batch';

const L = 4;
const K = 4;
const C = 2;

async function setup() {
  const rolloutTheta = Float32Array.from([0.5, -0.2, 0.1, 0, -0.3, 0.4, 0, 0.2]);
  const policy = createFakePolicy({ seqLen: L, vocabSize: K, numClasses: C, theta: rolloutTheta });
  const plan = planRollouts([0, 1], 3, [1, 2, 4], Rng.fromSeed(3));
  const rollouts = await collectRollouts(policy.logits, plan, { seqLen: L, vocabSize: K, maskId: K, numClasses: C, sampler: {}, rng: Rng.fromSeed(4) });
  const rows = collectStepRows(rollouts, L, K, () => true, (_j, used) => new Uint8Array(used).fill(1));
  const advantages = Float32Array.from([1, -0.5, 0.3, -1, 2, 0.7]);
  const valid = Uint8Array.from([1, 1, 0, 1, 1, 1]);
  const tokens = rows.reduce((s, r) => s + (valid[r.sample] === 1 ? r.positions.length : 0), 0);
  const masked = rows.reduce((s, r) => s + r.mask.reduce((a, m) => a + m, 0), 0);
  const beta = 0.3;
  const settings: StepLossSettings = {
    seqLen: L, vocabSize: K, loss: (x) => grpoLoss(x), advantages, valid, tokenWeight: 1 / tokens, klPositionWeight: 1 / masked, klBeta: beta,
  };
  const refTheta = Float32Array.from([0, 0.3, -0.1, 0.2, 0.1, 0, -0.2, 0.3]);
  return { policy, plan, rollouts, rows, settings, refTheta, beta, tokens, masked };
}

describe('step rows', () => {
  it('one row per (sample, step) whose input is the pre-step grid and whose targets are the committed tokens', async () => {
    const { rows, rollouts, plan } = await setup();
    expect(rows.length).toBe(Array.from(rollouts.stepsUsed).reduce((a, b) => a + b, 0));
    for (let j = 0; j < plan.classes.length; j++) {
      const mine = rows.filter((r) => r.sample === j);
      expect(mine.length).toBe(plan.budgets[j]);
      // every position is committed exactly once, to the final token
      const seen = new Int32Array(L).fill(-1);
      for (const row of mine) {
        expect(row.cls).toBe(plan.classes[j]);
        row.positions.forEach((p, i) => {
          expect(row.mask[p]).toBe(1);
          expect(row.tokens[p]).toBe(K);
          seen[p] = row.targets[i] as number;
        });
      }
      expect(Array.from(seen)).toEqual(Array.from(rollouts.tokens.subarray(j * L, (j + 1) * L)));
    }
  });

  it('a step subset keeps ⌈fraction·T⌉ steps (at least one)', () => {
    const rng = Rng.fromSeed(1);
    expect(chooseTrainedSteps(8, 0.25, rng).reduce((a, b) => a + b, 0)).toBe(2);
    expect(chooseTrainedSteps(3, 0.01, rng).reduce((a, b) => a + b, 0)).toBe(1);
    expect(Array.from(chooseTrainedSteps(3, 1, rng))).toEqual([1, 1, 1]);
  });
});

describe('buildStepBatch', () => {
  it('weights = −coef at committed (position, token), p_ref soft targets with β/P at masked positions, zero elsewhere', async () => {
    const { rows, settings, refTheta, beta, masked, tokens, policy } = await setup();
    const { tokens: inTokens, classes } = stackRowInputs(rows, L);
    const ref = await createFakeReference(refTheta, L, K).logits(inTokens, classes);
    const logits = await policy.logits(inTokens, classes);
    const sb = buildStepBatch(rows, logits, ref, true, settings);
    expect(sb.tokens).toBe(tokens);
    // ratio 1: GRPO coef = −w·A, so the one-hot weight is A/tokens at every committed position of valid samples
    rows.forEach((row, r) => {
      const committed = new Map<number, number>();
      row.positions.forEach((p, i) => committed.set(p, row.targets[i] as number));
      for (let p = 0; p < L; p++) {
        const cell = r * L + p;
        const expectedW = committed.has(p) && settings.valid[row.sample] === 1 ? (settings.advantages[row.sample] as number) / tokens : 0;
        expect(sb.engine.weights[cell]).toBeCloseTo(expectedW, 7);
        if (expectedW !== 0) expect(sb.engine.targets[cell]).toBe(committed.get(p));
        const refP = Array.from(logSoftmaxRows(refTheta.subarray(row.cls * K, row.cls * K + K), 1, K), Math.exp);
        const soft = Array.from(sb.engine.softTargets!.subarray(cell * K, cell * K + K));
        if (row.mask[p] === 1) {
          expect(sb.engine.softWeights![cell]).toBeCloseTo(beta / masked, 7);
          soft.forEach((q, k) => expect(q).toBeCloseTo(refP[k] as number, 6));
        } else {
          expect(sb.engine.softWeights![cell]).toBe(0);
          expect(soft).toEqual([0, 0, 0, 0]);
        }
      }
    });
    expect(sb.klShare).toBeGreaterThan(0);
    // without β there are no soft targets and no KL value
    const noKl = buildStepBatch(rows, null, null, true, { ...settings, klBeta: 0 });
    expect(noKl.engine.softTargets).toBeUndefined();
    expect(Number.isNaN(noKl.klShare)).toBe(true);
    expect(() => buildStepBatch(rows, null, null, false, settings)).toThrow(/policy logits are needed for the ratio/);
  });

  it('KL read in place equals exactKl over the gathered masked positions bit for bit (K = 512, rollout or current logits)', () => {
    const [l, k] = [7, 512];
    const rng = Rng.fromSeed(9);
    const rows: StepRow[] = Array.from({ length: 5 }, (_, r) => {
      const mask = Uint8Array.from({ length: l }, () => (rng.uniform() < 0.6 ? 1 : 0));
      return {
        sample: r, cls: 0, step: 0, tokens: new Int32Array(l), mask, positions: new Int32Array(0), targets: new Int32Array(0),
        oldLogProbs: new Float32Array(0), rolloutLogits: rng.fillNormal(new Float32Array(l * k), 0, 3),
      };
    });
    const ref = rng.fillNormal(new Float32Array(5 * l * k), 0, 3);
    const current = rng.fillNormal(new Float32Array(5 * l * k), 0, 3);
    const cells = rows.flatMap((row, r) => Array.from(row.mask).flatMap((m, pos) => (m === 1 ? [[r, pos] as const] : [])));
    const settings: StepLossSettings = {
      seqLen: l, vocabSize: k, loss: (x) => grpoLoss(x), advantages: new Float32Array(5), valid: new Uint8Array(5), tokenWeight: 0,
      klPositionWeight: 1 / cells.length, klBeta: 0.04,
    };
    for (const logits of [null, current]) {
      const gather = (pick: (r: number, pos: number) => Float32Array): Float32Array => {
        const out = new Float32Array(cells.length * k);
        cells.forEach(([r, pos], p) => out.set(pick(r, pos), p * k));
        return out;
      };
      const at = (z: Float32Array, r: number, pos: number): Float32Array => z.subarray((r * l + pos) * k, (r * l + pos + 1) * k);
      const policyRows = gather((r, pos) => (logits === null ? (rows[r] as StepRow).rolloutLogits.subarray(pos * k, (pos + 1) * k) : at(logits, r, pos)));
      const expected = exactKl(gather((r, pos) => at(ref, r, pos)), policyRows, cells.length, k, new Float32Array(cells.length).fill(settings.klPositionWeight));
      const sb = buildStepBatch(rows, logits, ref, logits === null, settings);
      expect(sb.klShare).toBe(expected.mean);
      expect(Array.from(gather((r, pos) => at(sb.engine.softTargets as Float32Array, r, pos)))).toEqual(Array.from(expected.refProbs));
    }
  });

  it('the engine gradient through the mapping equals the numerical gradient of policy loss + β·KL', async () => {
    const { rows, settings, refTheta, rollouts } = await setup();
    // Evaluate at parameters away from the rollout's, so the ratio is not 1 and some tokens are clipped.
    const theta = Float32Array.from([0.9, -0.5, 0.3, -0.1, -0.1, 0.2, 0.3, -0.2]);
    const reference = createFakeReference(refTheta, L, K);
    const chunks: StepRow[][] = [rows.slice(0, 5), rows.slice(5)];
    const total = async (th: Float32Array, accumulate: boolean) => {
      const policy = createFakePolicy({ seqLen: L, vocabSize: K, numClasses: C, theta: th });
      let loss = 0;
      let clipped = 0;
      for (const chunk of chunks) {
        const { tokens, classes } = stackRowInputs(chunk, L);
        const sb = buildStepBatch(chunk, await policy.logits(tokens, classes), await reference.logits(tokens, classes), false, settings);
        loss += sb.policyLoss + settings.klBeta * sb.klShare;
        clipped += sb.clipped;
        if (accumulate) await policy.accumulateGradients(sb.engine);
      }
      return { loss, clipped, grad: policy.pendingGradient() };
    };
    const at = await total(theta, true);
    expect(at.clipped).toBeGreaterThan(0);
    expect(rollouts.buckets.length).toBeGreaterThanOrEqual(2); // rows from trajectories of different T
    const h = 1e-3;
    for (let i = 0; i < theta.length; i++) {
      const plus = theta.slice();
      const minus = theta.slice();
      plus[i] = (plus[i] as number) + h;
      minus[i] = (minus[i] as number) - h;
      const numeric = ((await total(plus, false)).loss - (await total(minus, false)).loss) / (2 * h);
      expect(at.grad[i]).toBeCloseTo(numeric, 3);
    }
  });
});
