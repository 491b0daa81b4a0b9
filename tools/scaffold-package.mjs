#!/usr/bin/env node
// Writes the boilerplate of one workspace package (package.json, tsconfig, tsup, jest) so every
// package is built, tested and published the same way. Usage: node tools/scaffold-package.mjs DIR NAME "DESCRIPTION" [dep ...]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [dir, name, description, ...deps] = process.argv.slice(2);
if (!dir || !name || !description) {
  console.error('usage: scaffold-package.mjs DIR NAME "DESCRIPTION" [dep@range ...]');
  process.exit(2);
}
const root = relative(dir, '.') || '.';
mkdirSync(join(dir, 'src'), { recursive: true });
const dependencies = Object.fromEntries(deps.map((d) => {
  const at = d.lastIndexOf('@');
  return at > 0 ? [d.slice(0, at), d.slice(at + 1)] : [d, '*'];
}));
const pkg = {
  name,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      '@speedrl/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'src', '!src/**/*.test.ts'],
  engines: { node: '>=20.0.0' },
  publishConfig: { access: 'public' },
  scripts: {
    build: 'tsup',
    test: 'jest',
    lint: 'eslint src',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    publint: 'publint --strict',
  },
  dependencies,
};
const write = (file, text) => { if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), text); };
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
write('tsconfig.json', JSON.stringify({ extends: `${root}/tsconfig.base.json`, include: ['src'] }, null, 2) + '\n');
write('tsup.config.ts', `// The shared configuration of every package (repository root).\nexport { default } from '${root}/tsup.package';\n`);
write('jest.config.cjs', `module.exports = { ...require('${root}/jest/preset.cjs'), displayName: '${name}' };\n`);
console.log(`scaffolded ${name} in ${dir}`);
