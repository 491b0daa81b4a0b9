import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  findIdxFile,
  idxFileNames,
  imagesToFloat32,
  loadIdxDataset,
} from './fashion-mnist';
import { DatasetError, encodeIdx } from './idx';

const FIXTURES = join(__dirname, '..', 'test-fixtures', 'fashion-mnist');

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fmnist-test-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a synthetic test split into `tmp` (plain IDX files). */
function writeSplit(images: { shape: number[]; data: Uint8Array }, labels: { shape: number[]; data: Uint8Array }): void {
  const names = idxFileNames('test');
  writeFileSync(join(tmp, names.images), encodeIdx({ dtype: 'uint8', ...images }));
  writeFileSync(join(tmp, names.labels), encodeIdx({ dtype: 'uint8', ...labels }));
}

describe('constants', () => {
  it('lists the 10 classes in label order and the Debian dir', () => {
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
    expect(FASHION_MNIST_CLASSES[0]).toBe('T-shirt/top');
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
    expect(Object.isFrozen(FASHION_MNIST_CLASSES)).toBe(true);
    expect(DEFAULT_FASHION_MNIST_DIR).toBe('/usr/share/datasets/fashion-mnist');
    expect(idxFileNames('train')).toEqual({ images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' });
    expect(idxFileNames('test')).toEqual({ images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' });
  });
});

describe('loadIdxDataset on the real fixture', () => {
  it('loads the plain test split with the values of the real file', () => {
    const ds = loadIdxDataset({ dir: FIXTURES, split: 'test' });
    expect(ds.count).toBe(300);
    expect(ds.height).toBe(28);
    expect(ds.width).toBe(28);
    expect(ds.images).toHaveLength(300 * 28 * 28);
    expect(ds.labels).toHaveLength(300);
    expect(ds.classNames).toBe(FASHION_MNIST_CLASSES);
    // Values read from /usr/share/datasets/fashion-mnist/t10k-*.gz (Debian dataset-fashion-mnist).
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const first = ds.images.subarray(0, 784);
    expect(first.reduce((a, b) => a + b, 0)).toBe(33456);
    expect(ds.images[14 * 28 + 14]).toBe(110);
  });

  it('loads the gzip\'d train split', () => {
    const ds = loadIdxDataset({ dir: FIXTURES, split: 'train' });
    expect(ds.count).toBe(200);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });

  it('keeps only the first `limit` examples', () => {
    const all = loadIdxDataset({ dir: FIXTURES, split: 'test' });
    const ds = loadIdxDataset({ dir: FIXTURES, split: 'test', limit: 5 });
    expect(ds.count).toBe(5);
    expect(ds.images).toHaveLength(5 * 784);
    expect(Array.from(ds.images)).toEqual(Array.from(all.images.subarray(0, 5 * 784)));
    expect(Array.from(ds.labels)).toEqual([9, 2, 1, 1, 6]);
    expect(() => loadIdxDataset({ dir: FIXTURES, split: 'test', limit: -1 })).toThrow(/limit is -1/);
    // a directory given where the options belong (plain JavaScript) is named as such, not as a bad split
    expect(() => loadIdxDataset(FIXTURES as never)).toThrow(/loadIdxDataset: expected an options object \{ split: 'train' \| 'test', dir\?.*\}, got ".*fashion-mnist"/);
  });

  it('finds the plain file or the .gz, and refuses both at once (was: the plain file won silently, a stale one too)', () => {
    copyFileSync(join(FIXTURES, 'train-labels-idx1-ubyte.gz'), join(tmp, 'train-labels-idx1-ubyte.gz'));
    expect(findIdxFile(tmp, 'train-labels-idx1-ubyte')).toBe(join(tmp, 'train-labels-idx1-ubyte.gz'));
    writeFileSync(join(tmp, 'train-labels-idx1-ubyte'), '');
    expect(() => findIdxFile(tmp, 'train-labels-idx1-ubyte')).toThrow(/both .*train-labels-idx1-ubyte and .*train-labels-idx1-ubyte\.gz exist, so which one is the data is ambiguous; remove one/);
    rmSync(join(tmp, 'train-labels-idx1-ubyte.gz'));
    expect(findIdxFile(tmp, 'train-labels-idx1-ubyte')).toBe(join(tmp, 'train-labels-idx1-ubyte'));
  });
});

describe('loadIdxDataset errors', () => {
  const img = (n: number) => ({ shape: [n, 2, 2], data: new Uint8Array(n * 4) });

  it('names a missing directory and how to get the data', () => {
    const dir = join(tmp, 'absent');
    expect(() => loadIdxDataset({ dir, split: 'test' })).toThrow(
      new RegExp(`${dir.replace(/[/\\.]/g, '\\$&')} does not exist.*apt-get install dataset-fashion-mnist.*--data DIR`),
    );
  });

  it('names a missing file (both names tried) and how to get the data', () => {
    writeFileSync(join(tmp, 't10k-images-idx3-ubyte'), encodeIdx({ dtype: 'uint8', ...img(1) }));
    let message = '';
    try {
      loadIdxDataset({ dir: tmp, split: 'test' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(join(tmp, 't10k-labels-idx1-ubyte'));
    expect(message).toContain(join(tmp, 't10k-labels-idx1-ubyte.gz'));
    expect(message).toContain('apt-get install dataset-fashion-mnist');
  });

  it('rejects a count mismatch between images and labels', () => {
    writeSplit(img(3), { shape: [2], data: Uint8Array.from([1, 2]) });
    expect(() => loadIdxDataset({ dir: tmp, split: 'test', imageSize: null })).toThrow(/has 2 labels but .* has 3 images/);
  });

  it('rejects a label >= 10', () => {
    writeSplit(img(3), { shape: [3], data: Uint8Array.from([0, 10, 1]) });
    expect(() => loadIdxDataset({ dir: tmp, split: 'test', imageSize: null })).toThrow(/label 1 is 10; expected < 10/);
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(/images are 2×2; expected 28×28/); // Fashion-MNIST's size by default
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(DatasetError);
  });

  it('rejects images that are not 3-D and labels that are not 1-D', () => {
    writeSplit({ shape: [3, 4], data: new Uint8Array(12) }, { shape: [3], data: new Uint8Array(3) });
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(/images must be 3-D uint8.*got uint8 \[3, 4\]/);
    writeSplit(img(2), { shape: [2, 1], data: new Uint8Array(2) });
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(/labels must be 1-D uint8.*\[2, 1\]/);
  });

  it('rejects non-u8 images and passes through IDX errors naming the file', () => {
    const names = idxFileNames('test');
    writeFileSync(join(tmp, names.images), encodeIdx({ dtype: 'int16', shape: [1, 1, 1], data: new Int16Array(1) }));
    writeFileSync(join(tmp, names.labels), encodeIdx({ dtype: 'uint8', shape: [1], data: new Uint8Array(1) }));
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(/images must be 3-D uint8.*got int16/);
    const truncated = encodeIdx({ dtype: 'uint8', ...img(2) }).subarray(0, 20);
    writeFileSync(join(tmp, names.images), gzipSync(truncated));
    expect(() => loadIdxDataset({ dir: tmp, split: 'test' })).toThrow(/t10k-images-idx3-ubyte: truncated data/);
  });
});

describe('imagesToFloat32', () => {
  it('maps 0..255 to [0, 1]', () => {
    const out = imagesToFloat32(Uint8Array.from([0, 51, 255]));
    expect(out).toBeInstanceOf(Float32Array);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.2, 6);
    expect(out[2]).toBe(1);
  });
});
