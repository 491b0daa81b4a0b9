/**
 * Test helper (not exported from the package): writes a TINY CLIP-shaped model directory with onnx-proto —
 * `vision_model.onnx` (pixel_values [B, 3, S, S] → Flatten → MatMul W [3S², D] → image_embeds [B, D]),
 * `text_model.onnx` (input_ids [B, L] int64 → Gather E [V, E] → masked mean over L → MatMul P [E, D] → text_embeds)
 * and a small CLIP-style `tokenizer.json` — so the ONNX path is tested without downloading anything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { Rng } from '@speedrl/core';

const { onnx } = onnxProto;
const FLOAT = 1;
const INT64 = 7;

/** Letters that get a symbol and an end-of-word symbol in the tiny vocabulary. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz-/';
/** Merges (rank order) that make "photo</w>" a single token; everything else stays one symbol per byte. */
export const TINY_MERGES: readonly string[] = Object.freeze(['p h', 'ph o', 't o</w>', 'pho to</w>']);

/** The tiny tokenizer.json: ids 0..27 letters, 28..55 letters + "</w>", then merged symbols, then the two specials. */
export function tinyTokenizerJson(mergesAsPairs = false): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  let id = 0;
  for (const ch of LETTERS) vocab[ch] = id++;
  for (const ch of LETTERS) vocab[`${ch}</w>`] = id++;
  for (const sym of ['ph', 'pho', 'to</w>', 'photo</w>']) vocab[sym] = id++;
  const start = id++;
  const end = id++;
  return {
    version: '1.0',
    added_tokens: [
      { id: start, content: '<|startoftext|>', special: true },
      { id: end, content: '<|endoftext|>', special: true },
    ],
    padding: null,
    model: {
      type: 'BPE', unk_token: '<|endoftext|>', end_of_word_suffix: '</w>', continuing_subword_prefix: '', vocab,
      merges: mergesAsPairs ? TINY_MERGES.map((m) => m.split(' ')) : TINY_MERGES,
    },
  };
}

/** Vocabulary size of {@link tinyTokenizerJson}. */
export const TINY_VOCAB_SIZE = 2 * LETTERS.length + 4 + 2;

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): OnnxTypes.ITensorProto {
  const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { name, dims, dataType: data instanceof Float32Array ? FLOAT : INT64, rawData: bytes };
}

function io(name: string, elemType: number, shape: (number | string)[]): OnnxTypes.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function model(nodes: OnnxTypes.INodeProto[], init: OnnxTypes.ITensorProto[], inputs: OnnxTypes.IValueInfoProto[], outputs: OnnxTypes.IValueInfoProto[]): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 8, producerName: 'tiny-clip-fixture', opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'tiny', node: nodes, initializer: init, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(m).finish();
}

/** Options of the vision tower: names and rank can be broken on purpose to test the signature errors. */
export interface TinyVisionOptions {
  readonly inputName?: string;
  readonly outputName?: string;
  /** A rank-2 input [B, 3S²] instead of [B, 3, S, S]. */
  readonly flatInput?: boolean;
}

/** Vision tower bytes: `image_embeds = flatten(pixel_values) @ weight`, weight `[3S², D]`. */
export function tinyVisionModel(weight: Float32Array, size: number, dim: number, options: TinyVisionOptions = {}): Uint8Array {
  const input = options.inputName ?? 'pixel_values';
  const output = options.outputName ?? 'image_embeds';
  const shape = options.flatInput === true ? ['batch', 3 * size * size] : ['batch', 3, size, size];
  return model(
    [
      { opType: 'Flatten', input: [input], output: ['flat'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      { opType: 'MatMul', input: ['flat', 'W'], output: [output] },
    ],
    [tensor('W', [3 * size * size, dim], weight)],
    [io(input, FLOAT, shape)],
    [io(output, FLOAT, ['batch', dim])],
  );
}

/** Text tower bytes: `text_embeds = (Σ_t mask_t E[ids_t] / Σ_t mask_t) @ proj`; without a mask input, the plain mean over L. */
export function tinyTextModel(embedding: Float32Array, vocab: number, width: number, proj: Float32Array, dim: number, contextLength: number, withMask = true): Uint8Array {
  const init = [tensor('E', [vocab, width], embedding), tensor('P', [width, dim], proj)];
  const inputs = [io('input_ids', INT64, ['batch', contextLength])];
  const nodes: OnnxTypes.INodeProto[] = [{ opType: 'Gather', input: ['E', 'input_ids'], output: ['emb'] }];
  if (withMask) {
    init.push(tensor('axis1', [1], BigInt64Array.of(1n)), tensor('axis2', [1], BigInt64Array.of(2n)));
    inputs.push(io('attention_mask', INT64, ['batch', contextLength]));
    nodes.push(
      { opType: 'Cast', input: ['attention_mask'], output: ['maskf'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
      { opType: 'Unsqueeze', input: ['maskf', 'axis2'], output: ['mask3'] },
      { opType: 'Mul', input: ['emb', 'mask3'], output: ['masked'] },
      { opType: 'ReduceSum', input: ['masked', 'axis1'], output: ['num'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
      { opType: 'ReduceSum', input: ['maskf', 'axis1'], output: ['den'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      { opType: 'Div', input: ['num', 'den'], output: ['pooled'] },
    );
  } else {
    nodes.push({ opType: 'ReduceMean', input: ['emb'], output: ['pooled'], attribute: [
      { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] },
      { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
    ] });
  }
  nodes.push({ opType: 'MatMul', input: ['pooled', 'P'], output: ['text_embeds'] });
  return model(nodes, init, inputs, [io('text_embeds', FLOAT, ['batch', dim])]);
}

/** Weights of a written tiny CLIP, for hand computations in tests. */
export interface TinyClip {
  readonly dir: string;
  readonly size: number;
  readonly dim: number;
  readonly width: number;
  readonly contextLength: number;
  /** `[3S², D]`. */
  readonly visionWeight: Float32Array;
  /** `[V, width]`. */
  readonly embedding: Float32Array;
  /** `[width, D]`. */
  readonly projection: Float32Array;
}

/** Writes a tiny CLIP directory (image side `size`, embedding `dim`) with seeded N(0, 1) weights. */
export async function writeTinyClip(dir: string, seed: number, size = 14, dim = 8, vision: TinyVisionOptions = {}): Promise<TinyClip> {
  const rng = Rng.fromSeed(seed);
  const width = 6;
  const contextLength = 77;
  const visionWeight = rng.fillNormal(new Float32Array(3 * size * size * dim), 0, 0.1);
  const embedding = rng.fillNormal(new Float32Array(TINY_VOCAB_SIZE * width), 0, 1);
  const projection = rng.fillNormal(new Float32Array(width * dim), 0, 1);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'vision_model.onnx'), tinyVisionModel(visionWeight, size, dim, vision));
  await writeFile(join(dir, 'text_model.onnx'), tinyTextModel(embedding, TINY_VOCAB_SIZE, width, projection, dim, contextLength));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  return { dir, size, dim, width, contextLength, visionWeight, embedding, projection };
}
