/**
 * The ablation variants of `speedrl ablate`: each is a set of `accelerate` option overrides applied as flags on
 * top of the user's `--config`, so one config file drives every variant and only the ablated knob differs.
 */
import { ROLLOUT_OPTIONS } from '@speedrl/pipeline';
import { UsageError, flagOf } from '../errors';

/** Accelerate options (camelCase) a variant overrides. */
export type Overrides = Readonly<Record<string, string | number | readonly number[]>>;

/** Variant name → its overrides, given the step count of fixed-T RL. */
export const ABLATION_VARIANTS: Readonly<Record<string, (fixedSteps: number) => Overrides>> = Object.freeze({
  /** The config as given. */
  full: () => ({}),
  /** No speed reward and one fixed T: plain RL fine-tuning at that T (fixed-T rollouts also when the config's are adaptive). */
  'no-speed': (fixedSteps: number) => ({ speedWeight: 0, rollout: 'fixed', stepChoices: [fixedSteps] }),
  /** No KL to the base model. */
  'no-kl': () => ({ klBeta: 0 }),
  /** Speed credit also for low-quality samples. */
  'no-filter': () => ({ floor: 'none' }),
  /** REINFORCE instead of the clipped GRPO objective. */
  reinforce: () => ({ loss: 'reinforce' }),
});

/** Every variant, in table order. */
export const DEFAULT_VARIANTS = Object.freeze(Object.keys(ABLATION_VARIANTS));

/** The accelerate options an ablation row reports: the knobs the variants turn, and those the run's rollout reads. */
export const ABLATED_KEYS: readonly string[] = Object.freeze(['speedWeight', 'rollout', ...ROLLOUT_OPTIONS.fixed, ...ROLLOUT_OPTIONS.adaptive, 'klBeta', 'floor', 'loss']);

/** Options given as comma-separated numbers on the command line, reported as lists. */
const LIST_KEYS: ReadonlySet<string> = new Set(['stepChoices', 'thresholds']);

/** `config` without the rollout options its rollout does not read (an adaptive run's step choices); no `rollout` = fixed, accelerate's default. */
export function readKnobs(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const unread = ROLLOUT_OPTIONS[config.rollout === 'adaptive' ? 'fixed' : 'adaptive'];
  return Object.fromEntries(Object.entries(config).filter(([key]) => !unread.includes(key)));
}

/** Parses `--variants a,b`; an unknown or repeated name is a UsageError naming it. */
export function parseVariants(list: string): string[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`--variants: expected a comma-separated list of ${DEFAULT_VARIANTS.join(', ')}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!Object.hasOwn(ABLATION_VARIANTS, name)) throw new UsageError(`--variants: unknown variant "${name}" (expected one of ${DEFAULT_VARIANTS.join(', ')})`);
    if (seen.has(name)) throw new UsageError(`--variants: "${name}" is listed twice`);
    seen.add(name);
  }
  return names;
}

/** The overrides of variant `name`. */
export function overridesOf(name: string, fixedSteps: number): Overrides {
  const make = ABLATION_VARIANTS[name];
  if (make === undefined) throw new UsageError(`--variants: unknown variant "${name}"`);
  return make(fixedSteps);
}

/** Overrides as accelerate flags: `{ klBeta: 0 }` → `['--kl-beta', '0']`, arrays comma-joined. */
export function overrideFlags(overrides: Overrides): string[] {
  return Object.entries(overrides).flatMap(([key, value]) => [
    flagOf(key),
    Array.isArray(value) ? value.join(',') : String(value),
  ]);
}

/** The ablated knobs of a run's saved options (run.json) that its rollout reads ({@link readKnobs}), lists as numbers. */
export function knobsOf(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ABLATED_KEYS) {
    const value = options[key];
    if (value === undefined) continue;
    out[key] = LIST_KEYS.has(key) && typeof value === 'string' ? value.split(',').map(Number) : value;
  }
  return readKnobs(out);
}
