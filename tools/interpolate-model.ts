/**
 * Writes a weight-interpolated model bundle θ = (1 − α)·θ_base + α·θ_tuned (WiSE-FT, Wortsman et al. 2022; rewarded
 * soups, Ramé et al. 2023) with `interpolateModel` of @speedrl/pipeline: a bundle every `speedrl --model` accepts,
 * recording base, tuned, alpha and both identities in maskgit/config.json's metadata.
 *
 *   node --conditions=@speedrl/source --import tsx tools/interpolate-model.ts --base DIR --tuned DIR --alpha A --out DIR [--force]
 */
import { parseArgs } from 'node:util';
import { UsageError } from '@speedrl/core';
import { interpolateModel } from '@speedrl/pipeline';

const USAGE = 'usage: tools/interpolate-model.ts --base DIR --tuned DIR --alpha A --out DIR [--force]\n';

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      base: { type: 'string' }, tuned: { type: 'string' }, alpha: { type: 'string' }, out: { type: 'string' },
      force: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  usageError((error as Error).message);
}
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
for (const flag of ['base', 'tuned', 'alpha', 'out'] as const) {
  if (typeof values[flag] !== 'string' || values[flag] === '') usageError(`--${flag}: required`);
}
const alphaText = String(values.alpha).trim();
const alpha = Number(alphaText);
if (!/^(\d+\.?\d*|\.\d+)$/.test(alphaText) || !Number.isFinite(alpha)) usageError(`--alpha: expected a decimal number in [0, 1], got "${alphaText}"`);

try {
  const r = await interpolateModel({
    base: String(values.base), tuned: String(values.tuned), alpha, out: String(values.out), force: values.force === true,
  });
  process.stdout.write(
    `${r.out}: (1 − ${alpha})·${String(values.base)} + ${alpha}·${String(values.tuned)}; identity ${r.identity.slice(0, 12)}… ` +
      `(base ${r.baseIdentity.slice(0, 12)}…, tuned ${r.tunedIdentity.slice(0, 12)}…); floors.json ${r.floorsCopied ? 'copied from --base' : 'absent (eval computes it)'}\n`,
  );
} catch (error) {
  if (error instanceof UsageError) usageError(error.message);
  throw error;
}
