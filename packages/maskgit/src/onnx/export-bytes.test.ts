import { createHash } from 'node:crypto';
import { Rng } from '@speedrl/core';
import { MASKGIT_PRESETS } from '../config';
import { initParams } from '../params';
import { buildForwardGraph, buildTrainGraph } from '../ort-train/build';
import { exportOnnx } from './export';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('ONNX graphs of this package (built with @speedrl/tensor-utils GraphBuilder)', () => {
  test('writes the same bytes as the two builders it replaced (the export and the training graphs)', () => {
    // SHA-256 of the graphs written before onnx/builder.ts and ort-train/graph.ts were merged (the tiny preset,
    // parameters of seed 7); an exported model.onnx on disk is byte for byte what a new export writes. The train graph
    // has changed since on purpose (ScatterElements in the embedding backward, rows of zero loss weight skipped): its
    // pins are the current graph's, so a change to it is deliberate.
    const cfg = MASKGIT_PRESETS.tiny;
    expect(sha256(exportOnnx(initParams(cfg, Rng.fromSeed(7)), cfg))).toBe('eb838c51faa47d71662d38d21de849151839e8c39f9c6dc6bd8860323491e6b4');
    expect(sha256(buildTrainGraph(cfg))).toBe('814e1937bfaea6e89cd349070d28c27dfc7d7626414bef4278ee392dbfefd98a');
    expect(sha256(buildTrainGraph(cfg, { soft: true, logits: true, targetLogProbs: true }))).toBe(
      '0070da9de20daaebab98fd02e23a3205480a5dff14ba932b239669ea607e1625',
    );
    expect(sha256(buildForwardGraph(cfg))).toBe('38cf569a059dd1543100ff6df5e0733f0617321e07be2cd4b709a437b7c4af20');
    expect(sha256(buildForwardGraph(cfg, { logSoftmax: true, targetLogProbs: true }))).toBe(
      '5a634793284f70d9b1cc914764683c23ec9c485e02e824e91e19400620e99091',
    );
  });
});
