import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { readPng } from './png';
import {
  checkSampleOut, classDirName, countPerClass, imagesToUint8, sampleOutPath, writeSampleSet, type SampleSet,
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
    expect(readdirSync(out).sort()).toEqual(['0-t-shirt-top', '2-pullover']);
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
    await expect(writeSampleSet(makeSet([2]), 'png-dir', out)).rejects.toThrow(/^--out: ".*samples" is not empty \(it holds 0-t-shirt-top, 1-trouser\); choose another --out, or pass --force/);
    await writeSampleSet(makeSet([2]), 'png-dir', out, { force: true });
    expect(readdirSync(out)).toEqual(['2-pullover']);
    expect(readdirSync(tmp)).toEqual(['samples']);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(checkSampleOut('png-dir', out, true)).rejects.toThrow(/holds notes\.txt, which is not a png-dir sample set; --force replaces only/);
    const mixed = join(tmp, 'mixed');
    mkdirSync(join(mixed, '2024-results'), { recursive: true });
    writeFileSync(join(mixed, '2024-results', 'table.csv'), '');
    await expect(checkSampleOut('png-dir', mixed, true)).rejects.toThrow(/holds 2024-results, which is not/);
    writeFileSync(join(tmp, 'file'), '');
    await expect(checkSampleOut('png-dir', join(tmp, 'file'))).rejects.toThrow(/is a file; --format png-dir writes a directory/);
    mkdirSync(join(tmp, 'empty'));
    await writeSampleSet(makeSet([1]), 'png-dir', join(tmp, 'empty'));
    expect(readdirSync(join(tmp, 'empty'))).toEqual(['1-trouser']);
  });

  it('png-dir: until the final rename only a hidden staging folder exists; a failure there removes it and keeps the old set', async () => {
    const out = join(tmp, 'samples');
    let seen: string[] = [];
    await expect(writeSampleSet(makeSet([0, 1]), 'png-dir', out, {
      beforeRename: (staging) => {
        seen = readdirSync(tmp);
        expect(readdirSync(staging).sort()).toEqual(['0-t-shirt-top', '1-trouser']);
        throw new Error('killed');
      },
    })).rejects.toThrow('killed');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\.samples\..*\.staging$/); // a kill here would leave no samples/ at all
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
    await writeSampleSet(makeSet([0]), 'png-dir', out);
    await expect(writeSampleSet(makeSet([1]), 'png-dir', out, { force: true, beforeRename: () => { throw new Error('killed'); } })).rejects.toThrow('killed');
    expect(readdirSync(out)).toEqual(['0-t-shirt-top']); // the earlier set is untouched
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
});
