/** @speedrl/sampler — see README.md. */
export const PACKAGE_NAME = '@speedrl/sampler';
