// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/kafka/libs/**', 'coverage/**', '.kafka/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['detectors/**/*.ts'],
    rules: {
      // detectors/ is pure statistics (DESIGN.md §4): no service code, no I/O, no threads.
      'no-restricted-imports': ['error', { patterns: ['**/src/**', '**/workers/**', 'kafkajs', 'worker_threads', 'node:worker_threads', 'fs', 'node:fs', 'net', 'node:net'] }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
