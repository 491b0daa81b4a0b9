import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { readPng, writeImageGrid } from './png';
import { pngTextOf } from './png-text';
import { encodeZip } from './npz';
import {
  checkSampleOut, checkSampleSize, classDirName, countPerClass, imagesToUint8, sampleOutPath, writeSampleSet, type SampleSet,
} from './sample-set';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover'];

/** `labels.length` 4×3 images, image k filled with grey k / 10. */
function makeSet(labels: number[]): SampleSet {
  const images = new Float32Array(labels.length * 12);
  labels.forEach((_, k) => images.fill(k / 10, k * 12, (k + 1) * 12));
  return { images, labels, height: 4, width: 3, classNames: NAMES };
}

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'sample-set-')); });
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('sampleOutPath', () => {
  it('defaults by format and refuses an --out whose extension contradicts it', () => {
    expect([sampleOutPath('png'), sampleOutPath('png-dir'), sampleOutPath('npz')]).toEqual(['samples.png', 'samples', 'samples.npz']);
    expect(sampleOutPath('npz', 'a/b.NPZ')).toBe('a/b.NPZ');
    expect(() => sampleOutPath('npz', 'x.png')).toThrow(/^--out: must name a \.npz file for --format npz \(got "x.png"\)/);
    expect(() => sampleOutPath('png', 'grid.txt')).toThrow(/^--out: must name a \.png file/);
    expect(() => sampleOutPath('png-dir', 'x.npz')).toThrow(UsageError);
    expect(() => sampleOutPath('png-dir', 'x.png')).toThrow(/^--out: "x.png" names a \.png file; --format png-dir writes a directory/);
  });
});

describe('helpers', () => {
  it('names class folders, quantises like the grids and counts per class in order of appearance', () => {
    expect(classDirName(0, 'T-shirt/top')).toBe('0-t-shirt-top');
    expect(classDirName(9, 'Ankle boot')).toBe('9-ankle-boot');
    expect(classDirName(3, '***')).toBe('3-class');
    expect(Array.from(imagesToUint8(Float32Array.from([0, 0.5, 1, -1, 2])))).toEqual([0, 128, 255, 0, 255]);
    expect(() => imagesToUint8(Float32Array.from([Number.NaN]))).toThrow(/NaN/);
    expect(countPerClass([2, 2, 0], NAMES)).toEqual([{ class: 2, name: 'Pullover', count: 2 }, { class: 0, name: 'T-shirt/top', count: 1 }]);
  });
});

describe('writeSampleSet', () => {
  it('png-dir: one folder per class, numbered grey PNGs with the images\' bytes, and a summary per class', async () => {
    const out = join(tmp, 'samples');
    const summary = await writeSampleSet(makeSet([0, 0, 2, 2]), 'png-dir', out);
    expect(summary).toEqual({
      format: 'png-dir', path: out, count: 4,
      perClass: [{ class: 0, name: 'T-shirt/top', count: 2 }, { class: 2, name: 'Pullover', count: 2 }],
    });
    expect(readdirSync(out).sort()).toEqual(['0-t-shirt-top', '2-pullover', 'speedrl-sample.json']);
    expect(readdirSync(join(out, '2-pullover')).sort()).toEqual(['00000.png', '00001.png']);
    const png = readPng(join(out, '2-pullover', '00001.png'));
    expect([png.width, png.height]).toEqual([3, 4]);
    expect(Array.from(png.data.subarray(0, 4))).toEqual([77, 77, 77, 255]); // image 3: round(0.3 · 255)
    expect(readFileSync(join(out, '2-pullover', '00001.png'))[25]).toBe(0); // IHDR colour type 0: greyscale
    expect(readdirSync(tmp)).toEqual(['samples']); // no staging folder left
  });

  it('png-dir: refuses a non-empty --out without --force; --force replaces an earlier set but never other files', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([0, 1, 1]), 'png-dir', out);
    await expect(writeSampleSet(makeSet([2]), 'png-dir', out)).rejects.toThrow(/^--out: ".*samples" is not empty \(it holds 0-t-shirt-top, 1-trouser, speedrl-sample\.json\); choose another --out, or pass --force/);
    await writeSampleSet(makeSet([2]), 'png-dir', out, { force: true });
    expect(readdirSync(out).sort()).toEqual(['2-pullover', 'speedrl-sample.json']);
    expect(readdirSync(tmp)).toEqual(['samples']);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(checkSampleOut('png-dir', out, true)).rejects.toThrow(/holds notes\.txt, which its speedrl-sample\.json does not list, so it is not a png-dir set speedrl sample wrote; --force replaces only such a set/);
    const mixed = join(tmp, 'mixed');
    mkdirSync(join(mixed, '2024-results'), { recursive: true });
    writeFileSync(join(mixed, '2024-results', 'table.csv'), '');
    await expect(checkSampleOut('png-dir', mixed, true)).rejects.toThrow(/mixed" has no speedrl-sample\.json/);
    writeFileSync(join(tmp, 'file'), '');
    await expect(checkSampleOut('png-dir', join(tmp, 'file'))).rejects.toThrow(/is a file; --format png-dir writes a directory/);
    mkdirSync(join(tmp, 'empty'));
    await writeSampleSet(makeSet([1]), 'png-dir', join(tmp, 'empty'));
    expect(readdirSync(join(tmp, 'empty')).sort()).toEqual(['1-trouser', 'speedrl-sample.json']);
  });

  it('png-dir: until the final rename only a hidden staging folder exists; a failure there removes it and keeps the old set', async () => {
    const out = join(tmp, 'samples');
    let seen: string[] = [];
    await expect(writeSampleSet(makeSet([0, 1]), 'png-dir', out, {
      beforeRename: (staging) => {
        seen = readdirSync(tmp);
        expect(readdirSync(staging).sort()).toEqual(['0-t-shirt-top', '1-trouser', 'speedrl-sample.json']); // the manifest last, before the rename
        throw new Error('killed');
      },
    })).rejects.toThrow('killed');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\.samples\..*\.staging$/); // a kill here would leave no samples/ at all
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    await expect(writeSampleSet(makeSet([1]), 'png-dir', out, { force: true, beforeRename: () => { throw new Error('killed'); } })).rejects.toThrow('killed');
    expect(readdirSync(out).sort()).toEqual(['0-t-shirt-top', 'speedrl-sample.json']); // the earlier set is untouched
  });

  it('png-dir: a staging folder left by a killed writer (a dead pid) goes on the next write; a live writer\'s stays (was: left for good)', async () => {
    const out = join(tmp, 'samples');
    const dead = join(tmp, '.samples.999999999.abc.staging'); // no process has this pid
    const live = join(tmp, `.samples.${process.ppid}.def.staging`);
    for (const d of [dead, live]) mkdirSync(join(d, '0-t-shirt-top'), { recursive: true });
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['0-t-shirt-top', 'speedrl-sample.json']);
  });

  it('png-dir: a full disk names --out and keeps the earlier set', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await expect(writeSampleSet(makeSet([1]), 'png-dir', out, { force: true, beforeRename: () => { throw full; } }))
      .rejects.toMatchObject({ code: 'ENOSPC', message: `${out}: no space left on the device (ENOSPC); the sample set was not written; an earlier one, if any, is kept` });
    expect(readdirSync(out).sort()).toEqual(['0-t-shirt-top', 'speedrl-sample.json']);
  });

  it('npz and png: one file each, written atomically, with the summary', async () => {
    const npz = await writeSampleSet(makeSet([1, 1, 0]), 'npz', join(tmp, 's.npz'));
    expect([npz.count, npz.perClass.map((c) => c.count)]).toEqual([3, [2, 1]]);
    const bytes = readFileSync(join(tmp, 's.npz'));
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(bytes.includes(Buffer.from("'shape': (3, 4, 3)"))).toBe(true);
    expect(bytes.includes(Buffer.from("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"))).toBe(true);
    const grid = await writeSampleSet(makeSet([0, 0, 1, 1]), 'png', join(tmp, 'g.png'));
    expect(grid.path).toBe(join(tmp, 'g.png'));
    expect(readPng(join(tmp, 'g.png')).height).toBe(2 * 4 * 2 + 3 * 2); // two labelled rows of 2× images
    expect(readdirSync(tmp).sort()).toEqual(['g.png', 's.npz']);
    await expect(writeSampleSet({ ...makeSet([0]), labels: [0, 1] }, 'npz', join(tmp, 'bad.npz'))).rejects.toThrow(/2 labels of \[4, 3\] images need 24/);
  });

  it('npz and png: an existing file is refused without --force; --force replaces only an earlier sample set of the format', async () => {
    const npz = join(tmp, 'fid_stats.npz');
    writeFileSync(npz, 'important');
    await expect(writeSampleSet(makeSet([0]), 'npz', npz)).rejects.toThrow(/^--out: ".*fid_stats\.npz" already exists; pass --force to replace it/);
    await expect(checkSampleOut('npz', npz, true)).rejects.toThrow(/fid_stats\.npz" is not a zip archive .*; --force replaces only an earlier sample set \(an \.npz holding exactly images\.npy and labels\.npy\)/);
    writeFileSync(npz, encodeZip([{ name: 'mu.npy', data: new Uint8Array(3) }, { name: 'sigma.npy', data: new Uint8Array(2) }]));
    await expect(writeSampleSet(makeSet([0]), 'npz', npz, { force: true })).rejects.toThrow(/fid_stats\.npz" holds mu\.npy, sigma\.npy; --force replaces only/);
    expect(readFileSync(npz).includes(Buffer.from('sigma.npy'))).toBe(true); // nothing was overwritten
    const set = join(tmp, 's.npz');
    await writeSampleSet(makeSet([0, 1]), 'npz', set);
    await writeSampleSet(makeSet([2]), 'npz', set, { force: true });
    expect(readFileSync(set).includes(Buffer.from("'shape': (1,)"))).toBe(true);
    const png = join(tmp, 'shipped.png');
    writeFileSync(png, 'not a png');
    await expect(checkSampleOut('png', png)).rejects.toThrow(/shipped\.png" already exists; pass --force/);
    await expect(checkSampleOut('png', png, true)).rejects.toThrow(/shipped\.png" is not a PNG \(it lacks the PNG signature\); --force replaces only a PNG grid speedrl sample wrote/);
    const grid = join(tmp, 'iter-00020-T2.png'); // a run's training grid: a PNG, but not sample's (was: replaced with --force)
    await writeImageGrid(grid, { images: new Float32Array(4), n: 1, height: 2, width: 2 });
    const gridBytes = readFileSync(grid);
    await expect(writeSampleSet(makeSet([0]), 'png', grid, { force: true })).rejects.toThrow(/iter-00020-T2\.png" is a PNG that speedrl sample did not write \(it has no "Software: speedrl sample" text\); --force replaces only a PNG grid speedrl sample wrote/);
    expect(readFileSync(grid).equals(gridBytes)).toBe(true);
    await writeSampleSet(makeSet([0]), 'png', join(tmp, 'g.png'));
    const before = readFileSync(join(tmp, 'g.png'));
    await writeSampleSet(makeSet([1, 1]), 'png', join(tmp, 'g.png'), { force: true });
    expect(readFileSync(join(tmp, 'g.png')).equals(before)).toBe(false); // the new grid
    expect(pngTextOf(readFileSync(join(tmp, 'g.png')))).toEqual({ Software: 'speedrl sample' });
    expect(readPng(join(tmp, 'g.png')).width).toBeGreaterThan(0); // still a PNG any decoder reads
    // a PNG inside an input (the --model directory) is never replaced, even with --force
    mkdirSync(join(tmp, 'bundle'), { recursive: true });
    await writeSampleSet(makeSet([0]), 'png', join(tmp, 'bundle', 'samples-T12.png'));
    await expect(checkSampleOut('png', join(tmp, 'bundle', 'samples-T12.png'), true, { '--model': join(tmp, 'bundle') })).rejects.toThrow(/^--out: ".*samples-T12\.png" is inside --model/);
    await expect(checkSampleOut('png-dir', join(tmp, 'bundle', 'more'), true, { '--model': join(tmp, 'bundle') })).rejects.toThrow(/is inside --model/);
  });

  it('png-dir: --force refuses an entry named like a PNG that is not a file, naming it', async () => {
    const out = join(tmp, 'samples');
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    rmSync(join(out, '0-t-shirt-top', '00000.png'));
    mkdirSync(join(out, '0-t-shirt-top', '00000.png'));
    writeFileSync(join(out, '0-t-shirt-top', '00000.png', 'data.txt'), 'precious');
    await expect(writeSampleSet(makeSet([1]), 'png-dir', out, { force: true })).rejects.toThrow(/holds 0-t-shirt-top\/00000\.png \(not a file\), which its speedrl-sample\.json does not list/);
    expect(readFileSync(join(out, '0-t-shirt-top', '00000.png', 'data.txt'), 'utf8')).toBe('precious');
  });

  it('png-dir: a symbolic link --out is written through to its target; a dangling one or an unwritable place fails before any work', async () => {
    mkdirSync(join(tmp, 'target'));
    symlinkSync('target', join(tmp, 'link'));
    await writeSampleSet(makeSet([1]), 'png-dir', join(tmp, 'link'));
    expect(readdirSync(join(tmp, 'target')).sort()).toEqual(['1-trouser', 'speedrl-sample.json']);
    await writeSampleSet(makeSet([2]), 'png-dir', join(tmp, 'link'), { force: true });
    expect(readdirSync(join(tmp, 'link')).sort()).toEqual(['2-pullover', 'speedrl-sample.json']);
    expect(readdirSync(tmp).sort()).toEqual(['link', 'target']); // still a link, no staging left
    symlinkSync('missing', join(tmp, 'dangling'));
    await expect(checkSampleOut('png-dir', join(tmp, 'dangling'))).rejects.toThrow(/^--out: ".*dangling" is a symbolic link to "missing", which does not exist/);
    if (process.getuid?.() !== 0) { // root may create files anywhere
      mkdirSync(join(tmp, 'ro'));
      chmodSync(join(tmp, 'ro'), 0o500);
      await expect(checkSampleOut('png-dir', join(tmp, 'ro', 'samples'))).rejects.toThrow(UsageError);
      chmodSync(join(tmp, 'ro'), 0o700);
    }
    if (existsSync('/sys/kernel')) await expect(checkSampleOut('png-dir', '/sys/kernel/speedrl-samples')).rejects.toThrow(/^--out: cannot (create a staging folder in|write to) "\/sys\/kernel/);
  });
});

describe('checkSampleSize', () => {
  it('refuses, naming --n, a set that no array or memory can hold', () => {
    expect(() => checkSampleSize(1000, 10, 28, 28, 2 ** 30)).not.toThrow();
    expect(() => checkSampleSize(100_000_000, 10, 28, 28, 2 ** 40)).toThrow(/^--n: 100000000 images per class × 10 class\(es\) = 1000000000 images of 28×28 need about 4380\.9 GiB of memory, more pixels than one array holds/);
    expect(() => checkSampleSize(100_000, 10, 28, 28, 2 ** 30)).toThrow(/^--n: .* need about 4\.4 GiB of memory, more than this machine's 1\.0 GiB; lower --n/);
  });
});
