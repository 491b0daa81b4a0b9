/**
 * Fashion-MNIST loading (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747) from a directory of IDX
 * files laid out as the original release and the Debian package `dataset-fashion-mnist` ship them.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, readIdxFile } from './idx';

/** Where the Debian package `dataset-fashion-mnist` installs the four gzip'd IDX files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The 10 Fashion-MNIST class names, indexed by label (arXiv:1708.07747, Table 1). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** Which half of the dataset: `train` (60 000 images) or `test` (10 000, files named `t10k-*`). */
export type IdxSplit = 'train' | 'test';

/** Options for `loadIdxDataset`. */
export interface IdxDatasetOptions {
  /** Directory holding the IDX files; defaults to `DEFAULT_FASHION_MNIST_DIR`. */
  dir?: string;
  /** Which split to load. */
  split: IdxSplit;
  /** Keep only the first `limit` examples (for quick runs); defaults to all. */
  limit?: number;
  /** Class names; labels must be below their count. Defaults to `FASHION_MNIST_CLASSES`. */
  classNames?: readonly string[];
  /** Required [height, width] of the images (the models' input); defaults to Fashion-MNIST's [28, 28]; null accepts any. */
  imageSize?: readonly [number, number] | null;
}

/** A loaded image/label split: `images` is `[count, height, width]` u8 row-major, `labels` is `[count]`. */
export interface IdxDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  classNames: readonly string[];
}

/** Base file names (without `.gz`) of a split, as in the original release. */
export function idxFileNames(split: IdxSplit): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

const INSTALL_HINT = 'run `apt-get install dataset-fashion-mnist` or pass `--data DIR`';

/**
 * Finds `base` or `base.gz` in `dir`; errors name the paths tried and how to get the data. Both present is an error
 * (was: the plain file won silently, also when it was a stale or partial unpacking of the other).
 */
export function findIdxFile(dir: string, base: string): string {
  const plain = join(dir, base);
  const gz = `${plain}.gz`;
  if (existsSync(plain) && existsSync(gz)) {
    throw new DatasetError(`both ${plain} and ${gz} exist, so which one is the data is ambiguous; remove one of them (or point --data at a directory holding one)`);
  }
  if (existsSync(plain)) return plain;
  if (existsSync(gz)) return gz;
  throw new DatasetError(`IDX file not found: neither ${plain} nor ${gz} exists; ${INSTALL_HINT}`);
}

function checkDir(dir: string): void {
  if (!existsSync(dir)) throw new DatasetError(`dataset directory ${dir} does not exist; ${INSTALL_HINT}`);
  if (!statSync(dir).isDirectory()) throw new DatasetError(`dataset path ${dir} is not a directory; ${INSTALL_HINT}`);
}

/**
 * Loads one split of an MNIST-style IDX dataset (Fashion-MNIST by default): images must be 3-D u8,
 * labels 1-D u8, counts must agree and every label must be a valid class index.
 */
export function loadIdxDataset(options: IdxDatasetOptions): IdxDataset {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`loadIdxDataset: expected an options object { split: 'train' | 'test', dir?, limit?, classNames?, imageSize? }, got ${JSON.stringify(options)}`);
  }
  const dir = options.dir ?? DEFAULT_FASHION_MNIST_DIR;
  const classNames = options.classNames ?? FASHION_MNIST_CLASSES;
  if (options.split !== 'train' && options.split !== 'test') {
    throw new Error(`loadIdxDataset: split is '${String(options.split)}'; expected 'train' or 'test'`);
  }
  checkDir(dir);
  const names = idxFileNames(options.split);
  const imagePath = findIdxFile(dir, names.images);
  const labelPath = findIdxFile(dir, names.labels);
  const img = readIdxFile(imagePath);
  const lab = readIdxFile(labelPath);
  if (img.dtype !== 'uint8' || img.shape.length !== 3) {
    throw new DatasetError(`${imagePath}: images must be 3-D uint8 [n, height, width]; got ${img.dtype} [${img.shape.join(', ')}]`);
  }
  if (lab.dtype !== 'uint8' || lab.shape.length !== 1) {
    throw new DatasetError(`${labelPath}: labels must be 1-D uint8 [n]; got ${lab.dtype} [${lab.shape.join(', ')}]`);
  }
  const [n = 0, height = 0, width = 0] = img.shape;
  const size = options.imageSize === undefined ? ([28, 28] as const) : options.imageSize;
  if (size !== null && (height !== size[0] || width !== size[1])) {
    throw new DatasetError(`${imagePath}: images are ${height}×${width}; expected ${size[0]}×${size[1]} (pass imageSize: null to accept any size)`);
  }
  const nLabels = lab.shape[0] ?? 0;
  if (n !== nLabels) {
    throw new DatasetError(`${labelPath}: has ${nLabels} labels but ${imagePath} has ${n} images; counts must agree`);
  }
  const labelsAll = lab.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    const y = labelsAll[i] ?? 0;
    if (y >= classNames.length) {
      throw new DatasetError(`${labelPath}: label ${i} is ${y}; expected < ${classNames.length} (number of classes)`);
    }
  }
  const limit = options.limit ?? n;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new Error(`loadIdxDataset: limit is ${limit}; expected a non-negative integer`);
  }
  const count = Math.min(n, limit);
  const images = img.data as Uint8Array;
  return {
    images: count === n ? images : images.slice(0, count * height * width),
    labels: count === n ? labelsAll : labelsAll.slice(0, count),
    count,
    height,
    width,
    classNames,
  };
}

/** Maps u8 pixels to floats in [0, 1] (x / 255), keeping the `[n, height, width]` layout. */
export function imagesToFloat32(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = (images[i] ?? 0) / 255;
  return out;
}
