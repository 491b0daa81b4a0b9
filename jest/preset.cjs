// Shared jest settings: TypeScript through swc, sources of sibling packages through the
// "@speedrl/source" export condition (no build needed), typed arrays shared with the host realm.
const path = require('node:path');

module.exports = {
  testEnvironment: path.join(__dirname, 'node-env.cjs'),
  testEnvironmentOptions: { customExportConditions: ['@speedrl/source', 'node', 'require', 'default'] },
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json'],
  testTimeout: 60000,
};
