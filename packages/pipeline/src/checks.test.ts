import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRecordedInputs, checkSeedRange, classifierFiles, inputKeys } from './checks';

describe('inputKeys', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-checks-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('names the flag and the file it cannot read, and says when the folder given is a run folder rather than its model', async () => {
    await expect(inputKeys({ '--classifier': () => classifierFiles(join(root, 'none')) })).rejects.toThrow(
      `--classifier: its files cannot be read (ENOENT: ${join(root, 'none', 'config.json')})`,
    );
    writeFileSync(join(root, 'run.json'), '{"command":"train-classifier"}');
    await expect(inputKeys({ '--classifier': () => classifierFiles(root) })).rejects.toThrow(
      `--classifier: its files cannot be read (ENOENT: ${join(root, 'config.json')}); "${root}" is a run folder: give the model folder inside it (classifier/, tokenizer/ or model/)`,
    );
    expect(await inputKeys({ '--classifier': () => classifierFiles(root) }, true)).toEqual({});
  });
});

describe('checkSeedRange', () => {
  it('refuses seeds past Number.MAX_SAFE_INTEGER, even where seed + seeds − 1 rounds back to it', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(() => checkSeedRange(max, 2)).toThrow(`--seed, --seeds: the last seed ${max} + 2 − 1 exceeds ${max}`); // was: accepted, then a raw error after the first cell
    expect(() => checkSeedRange(max - 1, 3)).toThrow(/exceeds/);
    expect(() => checkSeedRange(max - 1, 2)).not.toThrow();
    expect(() => checkSeedRange(0, 3)).not.toThrow();
  });
});

describe('checkRecordedInputs', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-recorded-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses other files than the job recorded, naming the flags typed and the paths as resolved here; a file without inputs is not compared', () => {
    const file = join(root, 'demo.json');
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a', '--data': 'd' } }));
    expect(() => checkRecordedInputs(file, { '--base': 'a', '--data': 'd', '--accelerated': 'x' }, {}, 'demo')).not.toThrow();
    expect(() => checkRecordedInputs(file, { '--base': 'b', '--data': 'd' }, { '--base': 'models/m' }, 'demo')).toThrow(
      `--base: the files at "${join(process.cwd(), 'models/m')}" are not those ${file} recorded when this demo started`,
    );
    writeFileSync(file, JSON.stringify({ options: {} }));
    expect(() => checkRecordedInputs(file, { '--base': 'b' }, { '--base': 'm' }, 'demo')).not.toThrow();
  });
});
