import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutsideInputs } from './output-path';

describe('checkOutsideInputs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'output-path-'));
    mkdirSync(join(dir, 'model', 'maskgit'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an output inside an input, or the input itself, naming both flags', () => {
    const inputs = { '--model': join(dir, 'model'), '--data': join(dir, 'data') };
    expect(() => checkOutsideInputs(join(dir, 'model', 'maskgit', 'model.safetensors'), inputs)).toThrow(/--out: .* is inside --model/);
    expect(() => checkOutsideInputs(join(dir, 'data'), inputs, '--out')).toThrow(/inside --data/);
    expect(() => checkOutsideInputs(join(dir, 'model-tuned.json'), inputs)).not.toThrow();
    expect(() => checkOutsideInputs(join(dir, 'out', 'x.json'), inputs)).not.toThrow();
  });

  it('follows symbolic links (a link into an input is inside it)', () => {
    symlinkSync(join(dir, 'model'), join(dir, 'link'));
    expect(() => checkOutsideInputs(join(dir, 'link', 'new.json'), { '--model': join(dir, 'model') })).toThrow(/inside --model/);
    expect(() => checkOutsideInputs(join(dir, 'model', 'x.png'), { '--model': join(dir, 'link') })).toThrow(/inside --model/);
  });
});
