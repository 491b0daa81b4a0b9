/**
 * `accelerate --reward`: user reward modules are validated before anything is written to --out (exit 2, the module
 * named), the example module trains alone on a tiny bundle, and --resume refuses another --reward list or an edited
 * module. Real `import()` of .mjs files needs a child process (jest's module system cannot load ES modules).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '@speedrl/core';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';
import { runCaptured as cli, spawnCli } from '../test-cli';

const EXAMPLE = join(__dirname, '../../../../examples/rewards/ink-coverage.mjs');

describe('speedrl accelerate --reward', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-accel-reward-'));
  const base = join(root, 'base');
  const classifier = join(root, 'reward');
  const common = (out: string) => ['accelerate', '--base', base, '--reward-classifier', classifier, '--data', FIXTURE_DIR, '--out', out,
    '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2', '--micro-batch', '16', '--checkpoint-every', '1', '--grid-every', '0'];
  const only = ['--w-classifier', '0', '--w-realism', '0', '--w-mmd', '0'];
  beforeAll(async () => {
    await writeTinyBundle(base, 3);
    await writeTinyClassifier(classifier, 'reward', 4);
    writeFileSync(join(root, 'no-export.mjs'), 'export const score = () => [];\nexport const other = 1;\n');
    writeFileSync(join(root, 'short.mjs'), 'export default () => new Float32Array(1);\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('options: repeatable, from a config file as a list, a user reward alone counts as a weight > 0', async () => {
    const printed = await cli([...common(join(root, 'p')), ...only, '--reward', `${EXAMPLE}=0.5`, '--reward', `${EXAMPLE}:blankPenalty`, '--print-config']);
    expect(printed.err).toBe('');
    expect(JSON.parse(printed.out).options.reward).toEqual([`${EXAMPLE}=0.5`, `${EXAMPLE}:blankPenalty`]);
    const config = join(root, 'speedrl.yaml');
    writeFileSync(config, `reward:\n  - ${EXAMPLE}:blankPenalty=2\nwMmd: 0\n`);
    const fromFile = await cli(['accelerate', '--config', config, '--print-config']);
    expect(JSON.parse(fromFile.out).options).toMatchObject({ reward: [`${EXAMPLE}:blankPenalty=2`], wMmd: 0 });
    writeFileSync(config, `reward: ${EXAMPLE}\n`);
    expect((await cli(['accelerate', '--config', config, '--print-config'])).err).toMatch(/speedrl\.yaml: field "reward": Expected array/);
    const zero = await cli([...common(join(root, 'p')), ...only, '--reward', `${EXAMPLE}=0`, '--print-config']);
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/--w-classifier, --w-realism, --w-mmd, --reward: at least one quality-reward weight must be > 0/);
    const weight = await cli([...common(join(root, 'p')), '--reward', `${EXAMPLE}=heavy`, '--print-config']);
    expect(weight.code).toBe(2);
    expect(weight.err).toMatch(/--reward: ".*ink-coverage\.mjs=heavy": the weight after "=" must be a finite number/);
  });

  it('refuses a broken module with exit 2, naming it, before anything is written to --out', async () => {
    const cases: [string, RegExp][] = [
      [join(root, 'absent.mjs'), /--reward: ".*absent\.mjs": no such file/],
      [join(root, 'no-export.mjs'), /--reward: ".*no-export\.mjs": .*no-export\.mjs has no export "default" \(its exports: other, score\)/],
    ];
    for (const [i, [spec, message]] of cases.entries()) {
      const out = join(root, `bad-${i}`);
      const r = await spawnCli([...common(out), '--iterations', '1', '--reward', spec]);
      expect({ spec, code: r.code }).toEqual({ spec, code: 2 });
      expect(r.err).toMatch(message);
      expect(existsSync(out) ? readdirSync(out).filter((f) => !f.startsWith('.')) : []).toEqual([]);
    }
  });

  it('a module returning the wrong length stops the run (exit 2, named) without a checkpoint of that iteration', async () => {
    const out = join(root, 'short');
    const r = await spawnCli([...common(out), ...only, '--iterations', '1', '--reward', join(root, 'short.mjs')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reward: ".*short\.mjs": default\(batch\) returned 1 scores for a batch of 6; expected one per sample/);
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });

  it('trains on the example module alone; --resume refuses another --reward list or an edited module and continues an unchanged one', async () => {
    const out = join(root, 'ink');
    const module = join(root, 'ink-coverage.mjs');
    writeFileSync(module, readFileSync(EXAMPLE));
    const r = await spawnCli([...common(out), ...only, '--iterations', '1', '--reward', module, '--json']);
    expect(r.err).toMatch(/user reward user:ink-coverage \(weight 1, z-scored\)/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ iterations: 1, aborted: false });
    const [record] = readJsonl<{ step: number; components: Record<string, { mean: number }> }>(join(out, 'metrics.jsonl')).records;
    expect(record?.step).toBe(1);
    expect(Object.keys(record?.components ?? {})).toEqual(['user:ink-coverage']);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as { normalizer?: { components: Record<string, { count: number }> } };
    expect(state.normalizer?.components['user:ink-coverage']?.count).toBe(6);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { options: { reward: string[] }; identities: Record<string, string> };
    expect(run.options.reward).toEqual([module]);
    expect(run.identities['--reward']).toMatch(/^[0-9a-f]{64}$/);

    const other = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--reward', `${module}=2`]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--reward: a resumed run keeps the value it was started with/);
    const more = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--reward', module, '--reward', EXAMPLE]);
    expect(more.code).toBe(2);
    expect(more.err).toMatch(/--reward: /);
    writeFileSync(module, `${readFileSync(EXAMPLE, 'utf8')}\n// edited\n`);
    const edited = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2']);
    expect(edited.code).toBe(2);
    expect(edited.err).toMatch(/--reward: its files changed since this run started/);
    writeFileSync(module, readFileSync(EXAMPLE)); // restored: the run continues, its normaliser restored from the checkpoint
    const resumed = await spawnCli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--json']);
    expect(resumed.err).toMatch(/resuming at iteration 1/);
    expect(resumed.code).toBe(0);
    expect(readJsonl<{ step: number }>(join(out, 'metrics.jsonl')).records.map((m) => m.step)).toEqual([1, 2]);
    const resumedState = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as typeof state;
    expect(resumedState.normalizer?.components['user:ink-coverage']?.count).toBe(12);
  });
});
