import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleIdentity } from './bundle';
import { checkRecordedInputs, checkSamplerOptionsRead, checkSeedRange, classifierFiles, dataFiles, inputKeys, jobInputKeys, jobInputPaths } from './checks';

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

describe('jobInputKeys', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-job-inputs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const data = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
  const bundle = join(__dirname, '../../../models/fashion-mnist');

  it('keys each kind by the same files as the helpers of that kind, leaves unreadable inputs out, and tells kinds apart', async () => {
    const cls = join(root, 'cls');
    mkdirSync(cls);
    writeFileSync(join(cls, 'config.json'), '{}');
    writeFileSync(join(cls, 'model.safetensors'), 'weights');
    const config = join(root, 'speedrl.yaml');
    writeFileSync(config, 'klBeta: 0.1\n');
    const keys = await jobInputKeys({
      '--base': ['bundle', bundle], '--reward-classifier': ['classifier', cls], '--data': ['data', data], '--config': ['config', config], '--eval-classifier': ['classifier', join(root, 'none')],
    });
    expect(keys).toEqual({
      '--base': await bundleIdentity(bundle),
      ...(await inputKeys({ '--reward-classifier': () => classifierFiles(cls), '--data': () => dataFiles(data), '--config': () => ({ config }) })),
    }); // '--eval-classifier' unreadable: left out for the step that loads it
    // the same path read as another kind is another key (a classifier's files are not a config's)
    expect((await jobInputKeys({ '--x': ['config', join(cls, 'config.json')] }))['--x']).not.toBe(keys['--reward-classifier']);
    writeFileSync(config, 'klBeta: 0\n');
    expect((await jobInputKeys({ '--config': ['config', config] }))['--config']).not.toBe(keys['--config']);
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

  it('refuses other files than the job recorded, naming the flags typed and the paths as resolved here; a file without inputs is refused', () => {
    const file = join(root, 'demo.json');
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a', '--data': 'd' } }));
    expect(() => checkRecordedInputs(file, { '--base': 'a', '--data': 'd', '--accelerated': 'x' }, {}, 'demo')).not.toThrow();
    expect(() => checkRecordedInputs(file, { '--base': 'b', '--data': 'd' }, { '--base': ['bundle', 'models/m'] }, 'demo')).toThrow(
      `--base: the files at "${join(process.cwd(), 'models/m')}" are not those ${file} recorded when this demo started`,
    );
    // no inputs recorded (deleted by hand, or an older file): refused, since nothing shows what it was made from (was: not compared)
    for (const json of [{ options: {} }, { options: {}, inputs: null }, { options: {}, inputs: ['a'] }]) {
      writeFileSync(file, JSON.stringify(json));
      expect(() => checkRecordedInputs(file, { '--base': 'b' }, { '--base': ['bundle', 'm'] }, 'demo')).toThrow(
        `--resume: ${file} records no content keys of its inputs (deleted by hand, or written by an older speedrl)`,
      );
    }
    rmSync(file);
    expect(() => checkRecordedInputs(file, { '--base': 'b' }, { '--base': ['bundle', 'm'] }, 'demo')).not.toThrow(); // absent: the job's own reading says so
  });

  it('returns the keys to record again, keeping the recorded key of an input unreadable now (was: demo.json lost it)', () => {
    const file = join(root, 'kept.json');
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a', '--data': 'd' } }));
    // --data unreadable now (jobInputKeys leaves it out): its recorded key stays, so the next resume still checks it
    expect(checkRecordedInputs(file, { '--base': 'a' }, { '--base': ['bundle', '/m'], '--data': ['data', '/d'] }, 'demo')).toEqual({ inputs: { '--base': 'a', '--data': 'd' } });
  });

  it('refuses a resume from another working directory than the recorded one while an input path is relative', () => {
    const file = join(root, 'cwd.json');
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a' }, cwd: root }));
    expect(() => checkRecordedInputs(file, {}, { '--base': ['bundle', '../fx/base'], '--data': ['data', '/usr/d'] }, 'demo')).toThrow(
      `--resume: this demo was started in "${root}" (${file} says so), and its relative paths (--base "../fx/base") name other files from "${process.cwd()}"; resume it from "${root}", or start a new demo with another --out (nothing was written)`,
    );
    // absolute paths name the same files from anywhere; from the recorded directory relative ones do too
    expect(checkRecordedInputs(file, { '--base': 'a' }, { '--base': ['bundle', '/m'] }, 'demo')).toEqual({ inputs: { '--base': 'a' }, cwd: root });
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a' }, cwd: process.cwd() }));
    expect(checkRecordedInputs(file, { '--base': 'a' }, { '--base': ['bundle', 'm'] }, 'demo')).toEqual({ inputs: { '--base': 'a' }, cwd: process.cwd() });
    // a file from before the record keeps none (was the resume's directory recorded, it could be the wrong one)
    writeFileSync(file, JSON.stringify({ inputs: { '--base': 'a' } }));
    expect(checkRecordedInputs(file, { '--base': 'a' }, { '--base': ['bundle', 'm'] }, 'demo')).toEqual({ inputs: { '--base': 'a' } });
  });
});

describe('jobInputPaths', () => {
  it('maps each input flag to its path, leaving out the flags given', () => {
    const inputs = { '--base': ['bundle', 'b'], '--data': ['data', 'd'], '--config': ['config', 'c.yaml'] } as const;
    expect(jobInputPaths(inputs)).toEqual({ '--base': 'b', '--data': 'd', '--config': 'c.yaml' });
    expect(jobInputPaths(inputs, ['--config'])).toEqual({ '--base': 'b', '--data': 'd' });
  });
});

describe('checkSamplerOptionsRead', () => {
  const o = { sampler: 'confidence', schedule: 'cosine', gumbel: 4.5 };

  it('refuses --gumbel other than the default with halton or adaptive, which draw no choice noise (was: accepted, recorded, images unchanged)', () => {
    expect(() => checkSamplerOptionsRead({ ...o, sampler: 'halton', gumbel: 7 })).toThrow(/^--gumbel: only --sampler confidence reads it \(the halton sampler ranks no noisy confidence\), so 7 would be ignored; remove it/);
    expect(() => checkSamplerOptionsRead({ ...o, sampler: 'halton', gumbel: 0 })).toThrow(/^--gumbel: .* so 0 would be ignored/);
    expect(() => checkSamplerOptionsRead({ ...o, sampler: 'adaptive', gumbel: 0 })).toThrow(/^--gumbel: .*the adaptive sampler/);
    expect(() => checkSamplerOptionsRead({ ...o, gumbel: 0 })).not.toThrow();
    expect(() => checkSamplerOptionsRead({ ...o, sampler: 'halton', schedule: 'arccos' })).not.toThrow();
  });

  it('refuses --schedule with the adaptive sampler', () => {
    expect(() => checkSamplerOptionsRead({ ...o, sampler: 'adaptive', schedule: 'linear' })).toThrow(/^--schedule: the adaptive sampler .* "linear" would be ignored/);
  });
});
