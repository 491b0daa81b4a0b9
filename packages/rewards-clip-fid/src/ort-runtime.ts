/**
 * The one module of this package that loads onnxruntime-node and opens its sessions (the CLIP towers and the exported
 * classifiers). onnxruntime-node is an optional peer dependency, imported on first use, so the tfjs classifiers, the
 * rewards and the metrics never need it.
 */
import type * as ort from 'onnxruntime-node';
import { optionalImport } from '@speedrl/tensor-utils';

/** onnxruntime-node, or undefined when it is not installed (imported once). */
function tryImport(): Promise<typeof ort | undefined> {
  return optionalImport<typeof ort>('onnxruntime-node', 'InferenceSession');
}

/** Whether onnxruntime-node can be loaded (the default engine of the classifiers then, tfjs otherwise). */
export async function onnxRuntimeAvailable(): Promise<boolean> {
  return (await tryImport()) !== undefined;
}

/** onnxruntime-node, loaded on first use; its absence is an error naming `who` that says how to install it. */
export async function onnxRuntime(who: string): Promise<typeof ort> {
  const rt = await tryImport();
  if (rt !== undefined) return rt;
  let why = 'cannot be imported';
  try {
    await import('onnxruntime-node');
  } catch (error) {
    why = (error as Error).message.split('\n')[0] ?? why;
  }
  throw new Error(
    `${who} runs on onnxruntime-node, an optional peer dependency of @speedrl/rewards-clip-fid that is not installed ` +
      `(${why}); install it with "npm install onnxruntime-node" (onnxruntime-node-install=skip in .npmrc skips its CUDA download)`,
  );
}

/** Opens an onnxruntime session on model `bytes` with `threads` intra-op threads, sequential execution. */
export async function createOrtSession(rt: typeof ort, bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return rt.InferenceSession.create(bytes, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
}
