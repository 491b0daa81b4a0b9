import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, UsageError } from '@speedrl/core';
import { MASKGIT_PRESETS, ONNX_FILE, initParams, loadModel, onnxModelIdentity, type MaskGitConfig, type MaskGitParams } from '@speedrl/maskgit';
import { VQ_PRESETS, createVqModel, disposeVqModel, saveVq } from '@speedrl/vq-tokenizer';
import { MASKGIT_DIR, TOKENIZER_DIR, installBundleTokenizer, interpolateModel, interpolateParams, loadGenerator, tokenizerKey } from './index';
import { writeBundle } from './bundle';

describe('interpolateModel (WiSE-FT weight interpolation)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-interpolate-'));
  const tokenizerSrc = join(root, 'tokenizer-src');
  const base = join(root, 'base');
  const tuned = join(root, 'tuned');
  const config = MASKGIT_PRESETS.tiny;
  let baseParams: MaskGitParams;
  let tunedParams: MaskGitParams;

  async function bundle(dir: string, cfg: MaskGitConfig, seed: number): Promise<MaskGitParams> {
    const params = initParams(cfg, Rng.fromSeed(seed));
    await installBundleTokenizer(tokenizerSrc, dir);
    await writeBundle(dir, params, cfg, tokenizerSrc, { command: 'test', tokenizerKey: await tokenizerKey(join(dir, TOKENIZER_DIR)) });
    return params;
  }

  const weights = async (dir: string): Promise<MaskGitParams> => (await loadModel(join(dir, MASKGIT_DIR))).params;

  beforeAll(async () => {
    const vq = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(0));
    await saveVq(tokenizerSrc, vq, {}, { includeOptimizer: false });
    disposeVqModel(vq);
    baseParams = await bundle(base, config, 1);
    tunedParams = await bundle(tuned, config, 2);
    writeFileSync(join(base, 'floors.json'), '{"key":"k"}\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('α = 0 and α = 1 reproduce the inputs bit for bit (and their identities)', async () => {
    const r0 = await interpolateModel({ base, tuned, alpha: 0, out: join(root, 'a0') });
    const r1 = await interpolateModel({ base, tuned, alpha: 1, out: join(root, 'a1') });
    const [w0, w1] = [await weights(join(root, 'a0')), await weights(join(root, 'a1'))];
    for (const [name, p] of baseParams) expect(w0.get(name)?.data).toEqual(p.data);
    for (const [name, p] of tunedParams) expect(w1.get(name)?.data).toEqual(p.data);
    expect(r0.identity).toBe(r0.baseIdentity);
    expect(r1.identity).toBe(r1.tunedIdentity);
    expect(r0.baseIdentity).not.toBe(r0.tunedIdentity);
  });

  it('α = 0.5 is the float32 midpoint, records its provenance and loads as a generator', async () => {
    const out = join(root, 'a50');
    const r = await interpolateModel({ base, tuned, alpha: 0.5, out });
    const w = await weights(out);
    for (const [name, b] of baseParams) {
      const t = tunedParams.get(name)?.data ?? new Float32Array();
      expect(w.get(name)?.data).toEqual(b.data.map((v, i) => Math.fround((v + (t[i] as number)) / 2)));
    }
    const saved = JSON.parse(readFileSync(join(out, MASKGIT_DIR, 'config.json'), 'utf8')) as { identity: string; metadata: Record<string, unknown> };
    expect(saved.identity).toBe(r.identity);
    expect(saved.metadata).toEqual({
      command: 'interpolate', base, tuned, alpha: 0.5, baseIdentity: r.baseIdentity, tunedIdentity: r.tunedIdentity, tokenizerKey: await tokenizerKey(join(base, TOKENIZER_DIR)),
    });
    expect(onnxModelIdentity(readFileSync(join(out, MASKGIT_DIR, ONNX_FILE)))).toBe(r.identity); // a fresh export
    expect(r.floorsCopied).toBe(true);
    expect(readFileSync(join(out, 'floors.json'), 'utf8')).toBe('{"key":"k"}\n');
    const gen = await loadGenerator(out, 'tfjs');
    gen.dispose();
  });

  it('refuses another architecture, naming the config field', async () => {
    const other = join(root, 'other');
    await bundle(other, { ...config, depth: 1 }, 3);
    const run = interpolateModel({ base, tuned: other, alpha: 0.5, out: join(root, 'bad') });
    await expect(run).rejects.toThrow(UsageError);
    await expect(interpolateModel({ base, tuned: other, alpha: 0.5, out: join(root, 'bad') })).rejects.toThrow(/config field "depth" is 1 in .* but 2 in --base/);
    expect(existsSync(join(root, 'bad'))).toBe(false);
  });

  it('refuses α outside [0, 1] or not finite', async () => {
    for (const alpha of [-0.1, 1.5, Number.NaN, Infinity]) {
      await expect(interpolateModel({ base, tuned, alpha, out: join(root, 'bad') })).rejects.toThrow(/^--alpha: must be a finite number in \[0, 1\]/);
    }
    expect(() => interpolateParams(baseParams, tunedParams, 2)).toThrow(/--alpha/);
  });

  it('refuses an existing non-empty --out unless forced, and an --out that is an input', async () => {
    const out = join(root, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'x');
    await expect(interpolateModel({ base, tuned, alpha: 0.7, out })).rejects.toThrow(/^--out: .* exists and is not empty.*--force/);
    // --force replaces only a bundle this tool wrote (was: any folder, a run directory included)
    await expect(interpolateModel({ base, tuned, alpha: 0.7, out, force: true })).rejects.toThrow(/^--out: --force replaces only a bundle this tool wrote/);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('x');
    const soup = join(root, 'soup');
    await interpolateModel({ base, tuned, alpha: 0.5, out: soup });
    await interpolateModel({ base, tuned, alpha: 0.7, out: soup, force: true });
    expect((await loadModel(join(soup, MASKGIT_DIR))).metadata.alpha).toBe(0.7);
    await interpolateModel({ base, tuned, alpha: 0.3, out: `${soup}/`, force: true }); // was: EINVAL renaming "soup/" to "soup/.old"
    expect((await loadModel(join(soup, MASKGIT_DIR))).metadata.alpha).toBe(0.3);
    // a folder named "<out>.old" would be removed by the swap (was: deleted, even an input): refused before any work
    mkdirSync(`${soup}.old`);
    writeFileSync(join(`${soup}.old`, 'mine.txt'), 'y');
    await expect(interpolateModel({ base, tuned, alpha: 0.6, out: soup, force: true })).rejects.toThrow(/^--out: ".*soup\.old" exists; writing ".*soup" would remove it/);
    expect(readFileSync(join(`${soup}.old`, 'mine.txt'), 'utf8')).toBe('y');
    await expect(interpolateModel({ base, tuned, alpha: 0.5, out: base, force: true })).rejects.toThrow(/^--out: .* is inside --base/);
    await expect(interpolateModel({ base, tuned, alpha: 0.5, out: root, force: true })).rejects.toThrow(/^--out: .* holds --base/);
  });
});
