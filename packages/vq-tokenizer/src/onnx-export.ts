/**
 * ONNX export of the VQ-VAE decoder (opset 17), built with the project's one graph builder (@speedrl/tensor-utils):
 * the same computation as `decode` in `codec.ts` (codebook lookup, then `decodeLatents` of `model.ts`) on NCHW
 * activations, its last conv in the sub-pixel form of `onnx-subpixel.ts`. Input `tokens` int32 `[batch, side²]` (ids
 * in [0, K)); output `images` float32 `[batch, size, size]` in (0, 1). The config is in the model's metadata.
 */
import { convSame, GraphBuilder, ONNX_FLOAT, ONNX_INT32, readModelMetadata } from '@speedrl/tensor-utils';
import { downsampleStages, latentSide, tokensPerImage, validateVqConfig, type VqConfig } from './config';
import type { VqModel } from './model';
import { subpixelConvWeights } from './onnx-subpixel';

/** ONNX opset of the decoder export. */
export const VQ_DECODER_ONNX_OPSET = 17;
/** Graph input and output names of an exported decoder. */
export const VQ_DECODER_ONNX_IO = Object.freeze({ tokens: 'tokens', images: 'images' });
/** `metadata_props` key holding the JSON config of an exported decoder. */
export const VQ_DECODER_ONNX_CONFIG_KEY = 'speedrl.vq.config';

/** Builds the ONNX model of `vq`'s decoder (its current codebook and weights) and returns its bytes. */
export function exportVqDecoderOnnx(vq: Pick<VqModel, 'config' | 'params' | 'codebook'>): Uint8Array {
  const cfg = validateVqConfig(vq.config, 'exportVqDecoderOnnx: config');
  const g = new GraphBuilder({ label: 'vq decoder onnx export' });
  const data = (name: string): { data: Float32Array; shape: number[] } => {
    const t = vq.params.get(name);
    if (t === undefined) throw new Error(`exportVqDecoderOnnx: parameter "${name}" is missing`);
    return { data: t.dataSync() as Float32Array, shape: [...t.shape] };
  };
  const conv = (x: string, name: string): string => {
    const w = data(`${name}.weight`);
    return convSame(g, x, name, { weight: w.data, shape: w.shape, bias: data(`${name}.bias`).data });
  };
  const relu = (x: string, hint: string): string => g.op('Relu', [x], {}, hint);
  const side = latentSide(cfg);

  const tokens = g.input(VQ_DECODER_ONNX_IO.tokens, ONNX_INT32, ['batch', tokensPerImage(cfg)]);
  const codebook = g.float('codebook', [cfg.codebookSize, cfg.codeDim], vq.codebook.dataSync() as Float32Array);
  const codes = g.op('Gather', [codebook, tokens], { axis: 0 }, 'codes'); // [B, t, codeDim]
  const latents = g.op('Transpose', [g.reshape(codes, [-1, side, side, cfg.codeDim], 'latents_nhwc')], { perm: [0, 3, 1, 2] }, 'latents');
  let h = conv(latents, 'decoder.in');
  for (let r = 0; r < cfg.resBlocks; r++) {
    const inner = conv(relu(h, `decoder.res${r}.relu0`), `decoder.res${r}.conv3`);
    h = g.op('Add', [h, conv(relu(inner, `decoder.res${r}.relu1`), `decoder.res${r}.conv1`)], {}, `decoder.res${r}.sum`);
  }
  h = relu(h, 'decoder.res.out');
  const stages = downsampleStages(cfg);
  for (let i = 0; i < stages; i++) {
    // ReLU before the shuffle (they commute; onnxruntime then fuses it into the conv); DepthToSpace in DCR mode has
    // TensorFlow's depth_to_space channel order (pixelShuffle). The last shuffle moves below the output conv.
    h = relu(conv(h, `decoder.up${i}`), `decoder.up${i}.relu`);
    if (i < stages - 1) h = g.op('DepthToSpace', [h], { blocksize: 2, mode: 'DCR' }, `decoder.up${i}.shuffle`);
  }
  const w = data('decoder.out.weight');
  const sub = subpixelConvWeights(w.data, w.shape);
  const bias = data('decoder.out.bias').data[0] as number;
  const subpixels = convSame(g, h, 'decoder.out', { weight: sub.weight, shape: sub.shape, bias: new Float32Array(4).fill(bias) });
  const out = g.op('DepthToSpace', [g.op('Sigmoid', [subpixels], {}, 'decoder.sigmoid')], { blocksize: 2, mode: 'DCR' }, 'decoder.out.shuffle'); // [B, 1, S, S]
  g.output(VQ_DECODER_ONNX_IO.images, g.reshape(out, [-1, cfg.imageSize, cfg.imageSize], 'pixels'), ONNX_FLOAT, ['batch', cfg.imageSize, cfg.imageSize]);
  return g.encode({
    graphName: 'vq_decoder',
    opsets: [{ domain: '', version: VQ_DECODER_ONNX_OPSET }],
    producer: '@speedrl/vq-tokenizer',
    docString: `VQ-VAE decoder: tokens [batch, ${tokensPerImage(cfg)}] (ids in [0, ${cfg.codebookSize})) → images [batch, ${cfg.imageSize}, ${cfg.imageSize}] in (0, 1)`,
    metadata: { [VQ_DECODER_ONNX_CONFIG_KEY]: JSON.stringify(cfg) },
  });
}

/** The config recorded in an exported decoder's metadata (validated). */
export function vqDecoderOnnxConfig(bytes: Uint8Array): Readonly<VqConfig> {
  const text = readModelMetadata(bytes)[VQ_DECODER_ONNX_CONFIG_KEY];
  if (text === undefined) throw new Error(`vq decoder onnx: the model has no "${VQ_DECODER_ONNX_CONFIG_KEY}" metadata (not exported by exportVqDecoderOnnx)`);
  return validateVqConfig(JSON.parse(text), 'vq decoder onnx metadata');
}
