/**
 * `speedrl demo` refusals made before any work: a new demo never writes into a folder holding other files (it would
 * replace the evals, grids and report.html it finds there) nor inside one of its inputs. The full pipeline is
 * exercised in pipeline.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured as cli } from '../test-cli';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';

describe('speedrl demo: where it writes', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-demo-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const inputs = ['--base', join(root, 'base'), '--reward-classifier', join(root, 'reward'), '--eval-classifier', join(root, 'eval'), '--data', join(root, 'data')];

  it('a new demo refuses a folder that holds files (an eval, a report) and an --out inside an input, before writing anything', async () => {
    const out = join(root, 'results');
    mkdirSync(join(out, 'eval-accelerated'), { recursive: true });
    writeFileSync(join(out, 'eval-accelerated', 'eval.json'), '{"mine":true}');
    writeFileSync(join(out, 'report.html'), '<p>mine</p>');
    const r = await cli(['demo', ...inputs, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out: ".*results" is not empty \(it holds eval-accelerated, report\.html\); pass --resume to continue the demo there, or choose another --out/);
    expect(readFileSync(join(out, 'eval-accelerated', 'eval.json'), 'utf8')).toBe('{"mine":true}');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('<p>mine</p>');
    const resumed = await cli(['demo', ...inputs, '--out', out, '--resume']); // no demo.json: no demo to continue (was: its compare/ removed)
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/--out: ".*results" is not empty \(it holds eval-accelerated, report\.html\); it holds no demo\.json, so no demo to continue/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toBe('<p>mine</p>');
    const notModel = await cli(['demo', ...inputs, '--accelerated', join(root, 'results'), '--out', join(root, 'never')]); // checked before the RL (was: after it, as --models)
    expect(notModel.code).toBe(2);
    expect(notModel.err).toMatch(/^speedrl: --accelerated: ".*results" is not a model bundle/m);
    expect(existsSync(join(root, 'never'))).toBe(false);
    const inside = await cli(['demo', ...inputs, '--out', join(root, 'base', 'demo')]);
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/--out: ".*base\/demo" is inside --base/);
    expect(existsSync(join(root, 'base', 'demo'))).toBe(false);
  });

  it('a resumed demo keeps the options it was started with (was: a finished RL or eval reused under a new --base, fewer --iterations or other --seeds)', async () => {
    const out = join(root, 'resumed');
    mkdirSync(out);
    const options = { base: join(root, 'base'), rewardClassifier: join(root, 'reward'), evalClassifier: join(root, 'eval'), data: join(root, 'data'), out, iterations: 4, steps: '2,4', n: 50, seeds: 2, seed: 0 };
    writeFileSync(join(out, 'demo.json'), JSON.stringify({ command: 'demo', options }));
    const refused: [string[], RegExp][] = [
      [['--base', join(root, 'other')], /^speedrl: --base: a resumed demo keeps the value it was started with \(".*base"\), got ".*other"; start a new demo with another --out/],
      [['--seeds', '3'], /--seeds: a resumed demo keeps the value it was started with \(2\), got "3"/],
      [['--steps', '2,3'], /--steps: a resumed demo keeps/],
      [['--iterations', '2'], /--iterations: a resumed demo may train longer, not shorter \(it was started with 4, got 2\)/],
      // a demo.json from before --accelerated compared its own run: "none" (was: the new default, then a dead end)
      [['--accelerated', join(root, 'shipped')], /--accelerated: a resumed demo keeps the value it was started with \("none"\)/],
    ];
    for (const [flags, message] of refused) {
      const r = await cli(['demo', '--out', out, '--resume', ...flags]);
      expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
      expect(r.err).toMatch(message);
    }
    expect(JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')).options).toEqual(options); // nothing rewritten
    const same = await cli(['demo', '--out', out, '--resume', '--accelerated', 'none']);
    expect(same.err).not.toMatch(/keeps the value/);
  });

  /** Tiny base and classifiers under ROOT/models, and the args of a one-iteration demo into ROOT/out. */
  async function tinyDemo(models: string, name: string): Promise<{ dir: string; out: string; args: string[] }> {
    const dir = join(root, models);
    await writeTinyBundle(join(dir, 'base'), 3);
    await writeTinyClassifier(join(dir, 'reward'), 'reward', 4);
    await writeTinyClassifier(join(dir, 'eval'), 'eval', 5);
    const out = join(root, name);
    const args = ['demo', '--base', join(dir, 'base'), '--reward-classifier', join(dir, 'reward'), '--eval-classifier', join(dir, 'eval'), '--data', FIXTURE_DIR,
      '--iterations', '1', '--steps', '1', '--n', '30', '--seeds', '1', '--accelerated', 'none', '--out', out];
    return { dir, out, args };
  }

  it('a resume whose inputs are other files than the demo started with (a relative path from another working directory) is refused, naming the demo\'s flag', async () => {
    const { dir, out, args } = await tinyDemo('models', 'keyed');
    expect((await cli(args)).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')).inputs)).toEqual(['--base', '--reward-classifier', '--eval-classifier', '--data']);
    await writeTinyBundle(join(dir, 'base'), 7); // other files at the recorded path (as "models/x" names from another cwd)
    await writeTinyClassifier(join(dir, 'eval'), 'eval', 9);
    const before = readFileSync(join(out, 'compare', 'compare.json'), 'utf8');
    const resumed = await cli(['demo', '--out', out, '--resume']);
    expect(resumed.code).toBe(2);
    // was: "--models: the files of model "base" … Rename it or use another --out" from the compare step (or, before it ran, a silent comparison of other models)
    expect(resumed.err).toMatch(/^speedrl: --base, --eval-classifier: the files at ".*models\/base", ".*models\/eval" are not those .*keyed\/demo\.json recorded when this demo started; .*resume from the one the demo was started in/m);
    expect(resumed.err).not.toMatch(/== demo:/);
    expect(readFileSync(join(out, 'compare', 'compare.json'), 'utf8')).toBe(before);
  });

  it('a resume that stops on an input unreadable now keeps its recorded key in demo.json (was: dropped, never checked again) and the working directory', async () => {
    const { dir, out, args } = await tinyDemo('kept-models', 'kept');
    expect((await cli(args)).code).toBe(0);
    const started = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')) as { inputs: Record<string, string>; cwd: string };
    expect(started.cwd).toBe(process.cwd());
    renameSync(join(dir, 'reward'), join(dir, 'reward-away')); // unreadable now: the RL step says so
    const resumed = await cli(['demo', '--out', out, '--resume', '--iterations', '2']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/demo: Speed-RL failed/);
    expect(JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8'))).toMatchObject({ inputs: started.inputs, cwd: started.cwd });
  });

  it('a resume after a kill between the RL run\'s run.json and its first checkpoint continues the run (was: exit 2, "not empty", delete the folder)', async () => {
    const { out, args } = await tinyDemo('early-models', 'early');
    expect((await cli(args)).code).toBe(0);
    const rl = join(out, 'accelerate');
    for (const name of ['checkpoint', 'metrics.jsonl', 'model']) rmSync(join(rl, name), { recursive: true, force: true }); // as a SIGKILL there leaves it
    expect(existsSync(join(rl, 'run.json'))).toBe(true);
    const resumed = await cli(['demo', '--out', out, '--resume']);
    expect(resumed.err).not.toMatch(/speedrl:/);
    expect(resumed.code).toBe(0);
    expect(existsSync(join(rl, 'model'))).toBe(true);
  });
});
