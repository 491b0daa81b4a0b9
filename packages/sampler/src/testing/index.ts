/**
 * `@speedrl/sampler/testing` — `LogitsFn` test doubles: logits from a formula, or one fixed distribution everywhere.
 *
 * @packageDocumentation
 */
export { fakeLogitsFn, fixedDistributionLogitsFn } from './fake-logits';
export type { FakeLogit } from './fake-logits';
