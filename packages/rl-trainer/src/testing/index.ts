/**
 * `@speedrl/rl-trainer/testing` — test doubles for code that drives the Speed-RL loop: a tiny exact-gradient policy, its
 * frozen reference and a decoder, so a custom reward or loop can be tested in milliseconds without a model.
 *
 * @packageDocumentation
 */
export { createFakeDecoder, createFakePolicy, createFakeReference } from './fake-policy';
export type { FakePolicy, FakePolicyOptions } from './fake-policy';
