import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregate, evalOptionsKey, type EvalCell } from '@speedrl/eval';
import { evalState, type EvalWanted } from './run-state';

/** A cell with plausible metrics (only steps and seed matter to evalState). */
const cell = (steps: number, seed: number): EvalCell => ({
  steps, seed, fcd: 10 + steps + seed, kid: 0.1, precision: 0.8, recall: 0.6, accuracy: 0.9, nfePerImage: steps, meanSteps: steps, msPerImage: 1,
} as EvalCell);

describe('evalState (what ablate --resume does with an existing eval.json)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-ablate-state-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const want: EvalWanted = { classifier: 'c', data: 'd', n: 40, steps: [2], seeds: [1], modelKey: 'key' };
  const write = (name: string, cells: EvalCell[]): string => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const options = { classifier: 'c', data: 'd', n: 40 };
    writeFileSync(join(dir, 'eval.json'), JSON.stringify({ options, optionsKey: evalOptionsKey(options), inputs: { '--model': 'key' }, cells, rows: aggregate(cells) }));
    return dir;
  };

  it('reuses an eval holding exactly the asked cells, and resumes one missing some', () => {
    expect(evalState(write('complete', [cell(2, 1)]), want)).toBe('complete');
    expect(evalState(write('partial', [cell(2, 1)]), { ...want, seeds: [1, 2] })).toBe('partial');
  });

  it('recomputes an eval holding cells of seeds or T the ablation does not ask for (resuming kept them in the rows: mixed seed sets)', () => {
    expect(evalState(write('extra-seed', [cell(2, 0), cell(2, 1)]), want)).toBe('stale'); // was 'partial': base averaged seeds {0, 1}, variants {1}
    expect(evalState(write('extra-steps', [cell(2, 1), cell(4, 1)]), want)).toBe('stale');
  });

  it('recomputes an eval of another model or with other options', () => {
    expect(evalState(write('other-model', [cell(2, 1)]), { ...want, modelKey: 'other' })).toBe('stale');
    expect(evalState(write('other-n', [cell(2, 1)]), { ...want, n: 80 })).toBe('stale');
    expect(evalState(join(root, 'none'), want)).toBe('stale');
    // options edited after its cells were computed (they no longer give its optionsKey): was 'complete', its cells reused as n = 40 ones
    const edited = write('edited', [cell(2, 1)]);
    const json = JSON.parse(readFileSync(join(edited, 'eval.json'), 'utf8'));
    writeFileSync(join(edited, 'eval.json'), JSON.stringify({ ...json, optionsKey: 'f'.repeat(64) }));
    expect(evalState(edited, want)).toBe('stale');
    // its optionsKey deleted (or a file from before the key): its options can't vouch for its cells (was: 'complete')
    const { optionsKey: _dropped, ...keyless } = json;
    writeFileSync(join(edited, 'eval.json'), JSON.stringify(keyless));
    expect(evalState(edited, want)).toBe('stale');
  });
});
