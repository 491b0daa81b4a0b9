/**
 * The MaskGIT transformer as the RL trainer's `TrainablePolicy` (this package composes; rl-trainer never sees
 * maskgit or onnxruntime and the policy matches its types structurally): forward and weighted-CE gradients on the onnxruntime training engine, AdamW in
 * TypeScript, and the frozen base model as the `ReferencePolicy`.
 */
import {
  cloneParams, createAdamW, createOrtTrainEngine, paramSpecs, type AdamWOptions, type MaskGitConfig, type MaskGitParams,
  type OrtTrainEngine,
} from '@speedrl/maskgit';
import type { PolicyState, ReferencePolicy, TrainablePolicy, WeightedCeBatch } from '@speedrl/rl-trainer';

/** A trainable policy that also exposes its parameters (to save the accelerated model). */
export interface MaskgitPolicy extends TrainablePolicy {
  /** The current parameters (a copy to save or hand on). */
  params(): MaskGitParams;
  /** Frees the training engine. */
  dispose(): Promise<void>;
}

/** Wraps `params` (copied) as a policy; `optimizer` sets weight decay and clipping (the RL loop sets the lr). */
export async function createMaskgitPolicy(config: MaskGitConfig, params: MaskGitParams, optimizer: Partial<AdamWOptions> = {}): Promise<MaskgitPolicy> {
  const engine = await createOrtTrainEngine(config);
  const specs = paramSpecs(config);
  const current = cloneParams(params);
  let adamw = createAdamW(specs, optimizer);
  const zeros = (): MaskGitParams => new Map(specs.map((s) => [s.name, { shape: [...s.shape], data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) }]));
  const accumulated = zeros();
  const scratch = zeros();
  let pending = 0;
  return {
    seqLen: config.seqLen,
    vocabSize: config.numCodes,
    maskId: config.numCodes,
    numClasses: config.numClasses,
    logits: async (tokens, classes) => (await engine.forward(current, tokens, classes)).logits,
    async accumulateGradients(batch: WeightedCeBatch) {
      const { loss } = await engine.gradients(current, {
        tokens: batch.tokens, classes: batch.classes, targets: batch.targets, weights: batch.weights,
        ...(batch.softTargets === undefined ? {} : { softTargets: batch.softTargets, softWeights: batch.softWeights }),
      }, { into: scratch });
      for (const [name, g] of scratch) {
        const acc = (accumulated.get(name) as { data: Float32Array }).data;
        for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (g.data[i] as number);
      }
      pending++;
      return { loss };
    },
    async applyGradients(lr: number) {
      if (pending === 0) return { gradNorm: 0 };
      const { gradNorm } = adamw.update(current, accumulated, lr);
      for (const t of accumulated.values()) t.data.fill(0);
      pending = 0;
      return { gradNorm };
    },
    async saveState(): Promise<PolicyState> {
      const opt = adamw.state();
      const tensors: PolicyState['tensors'] = {};
      for (const [prefix, map] of [['param.', current], ['adam_m.', opt.m], ['adam_v.', opt.v]] as const) {
        for (const [name, t] of map) tensors[`${prefix}${name}`] = { shape: [...t.shape], data: new Float32Array(t.data) };
      }
      return { tensors, meta: { adamStep: opt.step } };
    },
    async loadState(state: PolicyState) {
      const pick = (prefix: string): MaskGitParams => new Map(specs.map((s) => {
        const t = state.tensors[`${prefix}${s.name}`];
        if (t === undefined) throw new Error(`policy state: tensor "${prefix}${s.name}" is missing`);
        if (t.data.length !== s.shape.reduce((a, b) => a * b, 1)) throw new Error(`policy state: tensor "${prefix}${s.name}" has ${t.data.length} values, expected shape [${s.shape.join(', ')}]`);
        return [s.name, { shape: [...s.shape], data: new Float32Array(t.data) }];
      }));
      const p = pick('param.');
      for (const [name, t] of p) (current.get(name) as { data: Float32Array }).data.set(t.data);
      const step = state.meta.adamStep;
      if (typeof step !== 'number') throw new Error('policy state: meta "adamStep" must be a number');
      adamw = createAdamW(specs, optimizer, { step, m: pick('adam_m.'), v: pick('adam_v.') });
    },
    params: () => cloneParams(current),
    dispose: () => engine.dispose(),
  };
}

/** The frozen base model on the same engine (its own parameter copy, never updated). */
export function createReference(engine: Pick<OrtTrainEngine, 'forward'>, params: MaskGitParams): ReferencePolicy {
  const frozen = cloneParams(params);
  return { logits: async (tokens, classes) => (await engine.forward(frozen, tokens, classes)).logits };
}
