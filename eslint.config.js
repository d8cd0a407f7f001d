// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  domainPurity(['src/domain/*.ts'], ['../*']),
  domainPurity(['src/domain/*/*.ts'], ['../../*']),
);

/** The domain core is pure: no I/O, no infrastructure, no clock, no randomness, no imports from outside src/domain. */
function domainPurity(files, outside) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@slack/*', 'bullmq', 'ioredis', '@kubernetes/*', '@google-cloud/*', 'node:*', 'fs', 'http', 'net', 'pino', 'prom-client'], message: 'src/domain is pure: pass data in, keep I/O in adapters.' },
            { group: outside, message: 'src/domain may import only from src/domain.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Date', message: 'src/domain takes time as a parameter.' }, { name: 'process', message: 'src/domain takes config as a parameter.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'src/domain takes randomness as a parameter.' }],
    },
  };
}
