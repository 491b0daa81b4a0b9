/**
 * The quality probe of train-maskgit (createQualityProbe, the same options a run with --eval-every uses) on a finished
 * run's bundles: for a run whose last step is no multiple of --eval-every, so its final weights were never probed.
 * Prints one JSON line per bundle (the probe record train-maskgit would log) and redraws the run's curve with them
 * into --curve when given.
 *
 *   node --conditions=@speedrl/source --import tsx tools/probe-final.ts --run runs/maskgit-v2 --tokenizer DIR [--curve out.png]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readJsonl } from '@speedrl/core';
import { createQualityProbe } from '@speedrl/eval';
import { loadModel } from '@speedrl/maskgit';
import { loadIdxDataset } from '@speedrl/tensor-utils';
import { writeQualityCurve } from '@speedrl/pipeline';

const { values } = parseArgs({ options: { run: { type: 'string' }, tokenizer: { type: 'string' }, curve: { type: 'string' } } });
if (values.run === undefined || values.tokenizer === undefined) throw new Error('usage: tools/probe-final.ts --run DIR --tokenizer DIR [--curve out.png]');
const runDir = values.run;
const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { options: Record<string, unknown> };
const o = run.options;
const records = readJsonl<{ step: number; event?: string; weights: string; fcd: number }>(join(runDir, 'metrics.jsonl')).records;
const step = Math.max(...records.map((r) => r.step));
const trainCount = (await loadIdxDataset({ dir: String(o.data), split: 'train' })).count; // the run held out the last --holdout images
const probe = await createQualityProbe({
  tokenizer: values.tokenizer, evalClassifier: String(o.classifier), rewardClassifier: String(o.rewardClassifier), data: String(o.data),
  heldOutFrom: Number(o.holdout) > 0 ? trainCount - Number(o.holdout) : undefined, n: Number(o.evalN), steps: Number(o.evalSteps), seed: 0,
});
const bundles: [string, string][] = [['raw', runDir], ...readdirSync(runDir).filter((d) => d.startsWith('ema-')).sort().map((d): [string, string] => [d, join(runDir, d)])];
const probes = records.filter((r) => r.event === 'eval');
for (const [weights, dir] of bundles) {
  if (!existsSync(join(dir, 'maskgit'))) continue;
  const model = await loadModel(join(dir, 'maskgit'));
  const r = await probe.measure(model.params, model.config);
  const record = { step, event: 'eval', weights, steps: Number(o.evalSteps), n: Number(o.evalN), ...r };
  probes.push(record);
  process.stdout.write(`${JSON.stringify(record)}\n`);
}
if (values.curve !== undefined) await writeQualityCurve(values.curve, probes, Number(o.evalSteps), Number(o.evalN));
