/**
 * `speedrl sample --format png|png-dir|npz` end to end on an untrained tiny bundle: the png-dir layout and counts, the
 * npz read back byte by byte (shapes, dtypes, labels of the requested classes), and the usage errors of --format/--out.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, readPng } from '@speedrl/tensor-utils';
import { writeTinyBundle } from '../compare/test-models';
import { runCaptured as cli } from '../test-cli';

/** The members of a STORED zip (its local headers in order; enough for the writer's own archives). */
function zipMembers(bytes: Buffer): Map<string, Buffer> {
  const members = new Map<string, Buffer>();
  let at = 0;
  while (bytes.readUInt32LE(at) === 0x04034b50) {
    const size = bytes.readUInt32LE(at + 22);
    const nameLen = bytes.readUInt16LE(at + 26);
    const start = at + 30 + nameLen + bytes.readUInt16LE(at + 28);
    members.set(bytes.subarray(at + 30, at + 30 + nameLen).toString('utf8'), bytes.subarray(start, start + size));
    at = start + size;
  }
  return members;
}

/** The header dict and data of a `.npy` member. */
function npy(bytes: Buffer | undefined): { header: string; body: Buffer } {
  if (bytes === undefined) throw new Error('missing member');
  const len = bytes.readUInt16LE(8);
  return { header: bytes.subarray(10, 10 + len).toString('latin1').trim(), body: bytes.subarray(10 + len) };
}

describe('speedrl sample --format (untrained tiny bundle)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-sample-'));
  const model = join(root, 'model');
  const base = ['sample', '--model', model, '--steps', '2', '--seed', '4'];
  beforeAll(async () => {
    await initBackend();
    await writeTinyBundle(model, 1);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('png-dir writes OUT/<class>-<name>/<nnnnn>.png, 28×28 grey, n per class, with per-class counts in --json', async () => {
    const out = join(root, 'dir');
    const r = await cli([...base, '--n', '3', '--format', 'png-dir', '--out', out, '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ format: 'png-dir', path: out, count: 30 });
    expect(summary.perClass).toHaveLength(10);
    expect(summary.perClass[0]).toEqual({ class: 0, name: 'T-shirt/top', count: 3 });
    expect(summary).not.toHaveProperty('stepsDistribution'); // fixed T: every image uses T
    expect(summary.meanStepsUsed).toBe(2);
    const dirs = readdirSync(out).filter((d) => d !== 'speedrl-sample.json').sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    expect(dirs).toEqual(['0-t-shirt-top', '1-trouser', '2-pullover', '3-dress', '4-coat', '5-sandal', '6-shirt', '7-sneaker', '8-bag', '9-ankle-boot']);
    for (const d of dirs) expect(readdirSync(join(out, d)).sort()).toEqual(['00000.png', '00001.png', '00002.png']);
    const png = readPng(join(out, '9-ankle-boot', '00002.png'));
    expect([png.width, png.height]).toEqual([28, 28]);
    expect(readdirSync(root).filter((f) => f.includes('staging'))).toEqual([]);

    const again = await cli([...base, '--n', '1', '--format', 'png-dir', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--out: ".*dir" is not empty \(it holds 0-t-shirt-top, 1-trouser, 2-pullover, …\); choose another --out, or pass --force/);
    expect(readdirSync(join(out, '0-t-shirt-top'))).toHaveLength(3); // nothing was overwritten
    const forced = await cli([...base, '--n', '1', '--class', '4', '--format', 'png-dir', '--out', out, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out).perClass).toEqual([{ class: 4, name: 'Coat', count: 1 }]);
    expect(readdirSync(out).sort()).toEqual(['4-coat', 'speedrl-sample.json']);
    const manifest = JSON.parse(readFileSync(join(out, 'speedrl-sample.json'), 'utf8'));
    expect(manifest).toMatchObject({ command: 'speedrl sample', source: { model, steps: 2, seed: 4 }, classes: [{ dir: '4-coat', count: 1 }] });
    expect(manifest.source.modelIdentity).toMatch(/^[0-9a-f]{64}$/);
  });

  it('png-dir --force leaves class folders of PNGs sample did not write, with no speedrl-sample.json (was: deleted, recognised by layout)', async () => {
    const real = join(root, 'real');
    mkdirSync(join(real, '1-trouser'), { recursive: true });
    writeFileSync(join(real, '1-trouser', '00000.png'), readFileSync(join(root, 'dir', '4-coat', '00000.png')));
    const forced = await cli([...base, '--n', '1', '--class', '5', '--format', 'png-dir', '--out', real, '--force']);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/--out: ".*real" has no speedrl-sample\.json .*, so it is not a png-dir set speedrl sample wrote; --force replaces only such a set/);
    expect(readdirSync(real)).toEqual(['1-trouser']);
  });

  it('an --out another sample holds (.<name>.lock beside it) is refused, naming --out and the holder (was: both ran, one set silently replaced)', async () => {
    writeFileSync(join(root, '.held.lock'), JSON.stringify({ pid: process.ppid, command: 'sample', startedAt: 'then' })); // a live writer's lock
    const held = await cli([...base, '--n', '1', '--format', 'png-dir', '--out', join(root, 'held'), '--force']);
    expect(held.code).toBe(2);
    expect(held.err).toMatch(new RegExp(`--out: ".*held" is in use by process ${process.ppid} \\(sample, since then\\)`));
    expect(existsSync(join(root, 'held'))).toBe(false);
    rmSync(join(root, '.held.lock'));
  });

  it('npz holds images uint8 [N, 28, 28] and labels int64 [N] of the requested class, the same pixels as png-dir', async () => {
    const file = join(root, 's.npz');
    const r = await cli([...base, '--n', '4', '--class', '7', '--format', 'npz', '--out', file, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'npz', path: file, count: 4, perClass: [{ class: 7, name: 'Sneaker', count: 4 }] });
    const members = zipMembers(readFileSync(file));
    expect([...members.keys()]).toEqual(['images.npy', 'labels.npy']);
    const images = npy(members.get('images.npy'));
    expect(images.header).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 28, 28), }");
    expect(images.body).toHaveLength(4 * 28 * 28);
    const labels = npy(members.get('labels.npy'));
    expect(labels.header).toBe("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }");
    expect([0, 1, 2, 3].map((i) => labels.body.readBigInt64LE(8 * i))).toEqual([7n, 7n, 7n, 7n]);
    const dir = join(root, 'same');
    expect((await cli([...base, '--n', '4', '--class', '7', '--format', 'png-dir', '--out', dir])).code).toBe(0);
    const png = readPng(join(dir, '7-sneaker', '00003.png'));
    const grey = Array.from({ length: 28 * 28 }, (_, p) => png.data[4 * p]);
    expect(grey).toEqual(Array.from(images.body.subarray(3 * 784, 4 * 784)));
  });

  it('the adaptive sampler reports the steps each image used: mean, quantiles, per class, histogram in --json', async () => {
    const args = ['sample', '--model', model, '--steps', '6', '--seed', '4', '--sampler', 'adaptive', '--n', '2', '--format', 'npz'];
    const r = await cli([...args, '--out', join(root, 'adaptive.npz'), '--json']);
    expect(r.code).toBe(0);
    const { stepsDistribution: d, meanStepsUsed } = JSON.parse(r.out);
    expect(d.histogram).toHaveLength(6);
    expect(d.histogram.reduce((a: number, c: number) => a + c, 0)).toBe(20);
    expect(Object.values(d.byClass).map((c) => (c as { count: number }).count)).toEqual(Array(10).fill(2));
    expect(meanStepsUsed).toBe(d.mean);
    expect(d.min).toBeGreaterThanOrEqual(1);
    const text = await cli([...args, '--out', join(root, 'adaptive-text.npz')]);
    expect(text.out).toContain('T=6 (cap)');
    expect(text.out).toMatch(new RegExp(`steps used per image: mean ${d.mean.toFixed(2)} ± .*, p10/p50/p90 ${d.p10}/${d.p50}/${d.p90}, range ${d.min}–${d.max} of 6; mean per class: 0 `));
  });

  it('png stays the default; a bad --format or an --out that contradicts it is a usage error before any work', async () => {
    const cwdOut = join(root, 'grid.png');
    expect((await cli([...base, '--n', '1', '--out', cwdOut])).code).toBe(0);
    expect(readPng(cwdOut).height).toBeGreaterThan(10 * 56);
    // the adaptive sampler reads no mask schedule: a typed one is refused, not ignored (was: identical images, the schedule recorded)
    const unread = await cli([...base, '--sampler', 'adaptive', '--schedule', 'linear', '--out', join(root, 'unread.png')]);
    expect([unread.code, unread.err, existsSync(join(root, 'unread.png'))]).toEqual([2, expect.stringMatching(/--schedule: the adaptive sampler .* reads no mask schedule, so "linear" would be ignored/), false]);
    const noNoise = await cli([...base, '--sampler', 'halton', '--gumbel', '0', '--out', join(root, 'unread.png')]); // was: the images of τ 4.5, τ 0 recorded
    expect([noNoise.code, noNoise.err, existsSync(join(root, 'unread.png'))]).toEqual([2, expect.stringMatching(/^speedrl: --gumbel: only --sampler confidence reads it \(the halton sampler/), false]);
    const bad = await cli([...base, '--format', 'jpeg']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--format: .*'png' \| 'png-dir' \| 'npz'/);
    const npzPng = await cli([...base, '--format', 'npz', '--out', join(root, 'x.png')]);
    expect(npzPng.code).toBe(2);
    expect(npzPng.err).toMatch(/--out: must name a \.npz file for --format npz/);
    const dirPng = await cli([...base, '--format', 'png-dir', '--out', join(root, 'y.png')]);
    expect(dirPng.code).toBe(2);
    expect(dirPng.err).toMatch(/--out: ".*y\.png" names a \.png file; --format png-dir writes a directory/);
    const notes = join(root, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'keep.txt'), 'mine');
    const forced = await cli([...base, '--format', 'png-dir', '--out', notes, '--force']);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/notes" has no speedrl-sample\.json/);
    expect(existsSync(join(root, 'x.png')) || existsSync(join(root, 'y.png'))).toBe(false);
  });

  it('--cfg has one meaning: 0 (off) and 1 sample the same conditional images in one pass; 0 < w < 1 is refused (was: ≈ unconditional images under class labels)', async () => {
    const npzOf = async (cfg: string) => {
      const out = join(root, `cfg-${cfg}.npz`);
      const r = await cli([...base, '--n', '2', '--format', 'npz', '--cfg', cfg, '--out', out]);
      expect(r.code).toBe(0);
      return { bytes: readFileSync(out), passes: Number(/(\d+) forward passes/.exec(r.out)?.[1]) };
    };
    const off = await npzOf('0');
    const one = await npzOf('1');
    expect(one.bytes.equals(off.bytes)).toBe(true);
    expect(one.passes).toBe(off.passes); // w = 1 is conditional sampling: no second (unconditional) pass
    expect((await npzOf('2')).passes).toBe(2 * off.passes);
    for (const w of ['0.000001', '0.5', '-1']) {
      const r = await cli([...base, '--cfg', w, '--out', join(root, 'cfg-refused.png')]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--cfg: must be 0 \(off: plain conditional sampling, the same as 1\) or a weight ≥ 1 in u \+ w·\(c − u\)/);
    }
    expect(existsSync(join(root, 'cfg-refused.png'))).toBe(false);
  });

  it('a config file cannot say force or json (flags of one invocation): an existing --out is not replaced through it', async () => {
    const out = join(root, 'kept.png');
    writeFileSync(out, 'mine');
    const config = join(root, 'force.yaml');
    writeFileSync(config, 'force: true\nn: 1\n');
    const r = await cli([...base, '--config', config, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${config}: "force" is a command-line flag only (--force), not a config key`);
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });

  it('an existing npz or png --out is refused without --force, and with it unless it holds an earlier sample set', async () => {
    const stats = join(root, 'fid_stats.npz');
    writeFileSync(stats, 'important');
    const plain = await cli([...base, '--n', '1', '--format', 'npz', '--out', stats]);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/--out: ".*fid_stats\.npz" already exists; pass --force to replace it \(nothing was overwritten\)/);
    const forced = await cli([...base, '--n', '1', '--format', 'npz', '--out', stats, '--force']);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/fid_stats\.npz" is not a zip archive .*--force replaces only an earlier sample set/);
    expect(readFileSync(stats, 'utf8')).toBe('important');
    const set = join(root, 'again.npz');
    expect((await cli([...base, '--n', '1', '--class', '2', '--format', 'npz', '--out', set])).code).toBe(0);
    const replaced = await cli([...base, '--n', '2', '--class', '2', '--format', 'npz', '--out', set, '--force', '--json']);
    expect(replaced.code).toBe(0);
    expect(JSON.parse(replaced.out)).toMatchObject({ count: 2 });
    const shipped = join(root, 'shipped.png');
    writeFileSync(shipped, 'a text file');
    expect((await cli([...base, '--n', '1', '--out', shipped])).err).toMatch(/shipped\.png" already exists; pass --force/);
    expect((await cli([...base, '--n', '1', '--out', shipped, '--force'])).err).toMatch(/shipped\.png" is not a PNG/);
    expect(readFileSync(shipped, 'utf8')).toBe('a text file');
  });

  it('png-dir through a symbolic link writes into its target; --n beyond what can be held is refused naming --n', async () => {
    mkdirSync(join(root, 'emptytarget'));
    symlinkSync('emptytarget', join(root, 'linkout'));
    const r = await cli([...base, '--n', '1', '--class', '3', '--format', 'png-dir', '--out', join(root, 'linkout')]);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(readdirSync(join(root, 'emptytarget')).sort()).toEqual(['3-dress', 'speedrl-sample.json']);
    const huge = await cli([...base, '--n', '100000000', '--format', 'npz', '--out', join(root, 'huge.npz')]);
    expect(huge.code).toBe(2);
    expect(huge.err).toMatch(/--n: .*1,000,000 images per class/);
    const tooMany = await cli([...base, '--n', '1000000', '--format', 'npz', '--out', join(root, 'huge.npz')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/--n: 1000000 images per class × 10 class\(es\) = 10000000 images of 28×28 need about .* GiB of memory/);
  });
});
