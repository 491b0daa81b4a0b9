import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { accelerateOptionsSchema } from './commands/accelerate';
import { checkScalarTypes, editDistance, nearestKey, parseOptions, readConfigFile } from './config-file';
import { UsageError } from './errors';
import { runCaptured as cli } from './test-cli';

describe('config files are strict', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-config-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const schema = z.object({ klBeta: z.coerce.number(), lr: z.coerce.number(), groupSize: z.coerce.number().int() }).partial();

  it('edit distance and the nearest key (kebab-case and case are normalised)', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(nearestKey('klBta', ['klBeta', 'lr', 'groupSize'])).toBe('klBeta');
    expect(nearestKey('group-size', ['klBeta', 'lr', 'groupSize'])).toBe('groupSize');
    expect(nearestKey('x', [])).toBeUndefined();
  });

  it('an unknown key is a usage error naming the file, the key and the nearest valid key', () => {
    const path = join(root, 'typo.yaml');
    writeFileSync(path, 'lr: 0.001\nklBta: 0\n');
    expect(() => readConfigFile(path, schema)).toThrow(UsageError);
    expect(() => readConfigFile(path, schema)).toThrow(`${path}: unknown key "klBta"; did you mean "klBeta"? (valid keys: klBeta, lr, groupSize)`);
    writeFileSync(path, 'lr: 0.001\nklBeta: 0\n');
    expect(readConfigFile(path, schema)).toEqual({ lr: 0.001, klBeta: 0 });
    // a flag-only key says so (was: 'did you mean "lr"?'); an unrelated name gets no far-fetched suggestion
    writeFileSync(path, 'resume: true\n');
    expect(() => readConfigFile(path, schema)).toThrow(`${path}: "resume" is a command-line flag only (--resume), not a config key`);
    writeFileSync(path, 'temperature: 2\n');
    expect(() => readConfigFile(path, schema)).toThrow(`${path}: unknown key "temperature" (valid keys: klBeta, lr, groupSize)`);
    // a schema that holds flag-only options (sample's --force, --json) does not list them as valid keys; a null key says so
    const withFlags = schema.extend({ force: z.boolean(), json: z.boolean() }).partial();
    expect(() => readConfigFile(path, withFlags)).toThrow(`${path}: unknown key "temperature" (valid keys: klBeta, lr, groupSize)`);
    writeFileSync(path, '~: 3\n');
    expect(() => readConfigFile(path, schema)).toThrow(`${path}: unknown key "" (an empty or null key, such as "~:")`);
  });

  it('a byte-order mark is no syntax error (was: JSON "Unexpected token"); a YAML merge key says it is one', () => {
    const json = join(root, 'bom.json');
    writeFileSync(json, '\uFEFF{"lr": 0.001}');
    expect(readConfigFile(json, schema)).toEqual({ lr: 0.001 });
    const yaml = join(root, 'merge.yaml');
    writeFileSync(yaml, '<<: {lr: 0.001}\n');
    expect(() => readConfigFile(yaml, schema)).toThrow(`${yaml}: unknown key "<<" (a YAML merge key: not supported, write the keys out) (valid keys: klBeta, lr, groupSize)`);
  });

  it('types are strict before coercion: no true → 1, null or "" → 0, Infinity; numbers and lists become strings where a string is expected', () => {
    const opts = z.object({ steps: z.coerce.number().int(), seed: z.coerce.number(), temperature: z.coerce.number(), list: z.union([z.string(), z.array(z.coerce.number())]), floor: z.string(), cls: z.union([z.literal('all'), z.coerce.number()]) }).partial();
    const name = (k: string) => `--${k}`;
    for (const [key, value, message] of [
      ['steps', true, '--steps: expected a finite number, got true'],
      ['seed', null, '--seed: expected a finite number, got null'],
      ['seed', '', '--seed: expected a finite number, got ""'],
      ['temperature', 'Infinity', '--temperature: expected a finite number, got "Infinity"'],
      ['temperature', Infinity, '--temperature: expected a finite number, got Infinity'],
      ['temperature', NaN, '--temperature: expected a finite number, got NaN'],
      ['temperature', '1e400', '--temperature: expected a finite number, got "1e400"'],
      ['steps', [3], '--steps: expected a finite number, got [3]'],
      ['floor', true, '--floor: expected a string, got true'],
      ['cls', '', '--cls: expected a number or a word, got ""'], // was: coerced to class 0
      ['cls', ' ', '--cls: expected a number or a word, got " "'],
      ['cls', '0x7', '--cls: expected a number or a word, got "0x7"'], // was: read as 7 (every number flag refuses hex)
      ['cls', '0b11', '--cls: expected a number or a word, got "0b11"'],
      ['cls', '0o7', '--cls: expected a number or a word, got "0o7"'],
    ] as const) {
      expect(() => checkScalarTypes({ [key]: value }, opts, name)).toThrow(message);
    }
    expect(checkScalarTypes({ steps: '12', seed: 3, temperature: ' 0.5', floor: -1, list: 4, cls: 'all' }, opts, name)).toEqual({ steps: '12', seed: 3, temperature: ' 0.5', floor: '-1', list: '4', cls: 'all' });
    expect(checkScalarTypes({ floor: [2, 3] }, opts, name)).toEqual({ floor: '2,3' });
    expect(checkScalarTypes({ cls: ' 7' }, opts, name)).toEqual({ cls: ' 7' });
    expect(() => parseOptions(opts, { seed: true })).toThrow('--seed: expected a finite number, got true');
    const file = join(root, 'typed.yaml');
    writeFileSync(file, 'klBeta: .inf\n');
    expect(() => readConfigFile(file, schema)).toThrow(`${file}: field "klBeta": expected a finite number, got Infinity`);
    const warn = jest.spyOn(process, 'emitWarning');
    writeFileSync(file, 'lr: !!float 3\n'); // an unresolved tag: YAML warns, and must not print a raw YAMLWarning
    try {
      readConfigFile(file, schema);
    } catch {
      // refused or not, no raw warning
    }
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    writeFileSync(file, 'lr: true\n');
    expect(() => readConfigFile(file, schema)).toThrow(`${file}: field "lr": expected a finite number, got true`);
    writeFileSync(file, '- 1\n- 2\n');
    expect(() => readConfigFile(file, schema)).toThrow(UsageError);
    const json = join(root, 'dup.json');
    writeFileSync(json, '{"lr": 0.1, "lr": 0.2}');
    expect(() => readConfigFile(json, schema)).toThrow(/dup\.json: not valid JSON: .*unique/i);
  });

  it('the shipped Speed-RL config uses only valid accelerate keys', () => {
    expect(() => readConfigFile(join(__dirname, '../../../configs/fashion-mnist-speedrl.yaml'), accelerateOptionsSchema.partial())).not.toThrow();
  });

  it('accelerate and ablate refuse a misspelled key before any work, exit 2, nothing written', async () => {
    const path = join(root, 'speedrl.yaml');
    writeFileSync(path, 'klBta: 0\n');
    const out = join(root, 'run');
    const r = await cli(['accelerate', '--config', path, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path}: unknown key "klBta"; did you mean "klBeta"?`);
    expect(existsSync(out)).toBe(false);
    const a = await cli(['ablate', '--config', path, '--out', join(root, 'abl')]);
    expect(a.code).toBe(2);
    expect(a.err).toContain('unknown key "klBta"; did you mean "klBeta"?');
    expect(existsSync(join(root, 'abl'))).toBe(false);
  });
});
