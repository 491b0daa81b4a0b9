import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.nx/**', 'jest/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly',
        setImmediate: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly',
      },
    },
    rules: {
      'no-restricted-properties': ['error', {
        object: 'Math', property: 'random',
        message: 'Randomness is an argument: take a seeded Rng from @speedrl/core.',
      }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@speedrl/*/src/*', '@speedrl/*/dist/*'], message: 'Import a package through its index only.' }] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
