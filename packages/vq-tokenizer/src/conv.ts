/** Convolution building blocks, now in @speedrl/tensor-utils (conv.ts there); re-exported so this package's imports and API stay unchanged. */
export {
  conv2dFilterGrad, conv2dInputGrad, conv2dSame, pixelShuffle, pixelUnshuffle, samePadding, stopGradient,
} from '@speedrl/tensor-utils';
