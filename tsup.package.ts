/**
 * The one tsup configuration of every library package: ESM + CJS + .d.ts from `src/index.ts` (and, where a package
 * ships test doubles for its users, `src/testing/index.ts` as the `/testing` subpath), for Node 20.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', ...(existsSync('src/testing/index.ts') ? { 'testing/index': 'src/testing/index.ts' } : {}) },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  shims: true,
});
