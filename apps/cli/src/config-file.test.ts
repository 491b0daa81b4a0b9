import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { accelerateOptionsSchema } from './commands/accelerate';
import { editDistance, nearestKey, readConfigFile } from './config-file';
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
