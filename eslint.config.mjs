import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'test/support/summary-reporter.js',
      'dist/',
      'node_modules/',
      'data/',
      'coverage/',
      'bin/',
      '*.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Node 24 needs better-sqlite3 13 and Node 20 needs 12: src/ledger/sqlite/binding.ts picks one.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'better-sqlite3',
              allowTypeImports: true,
              message: 'Use SqliteDatabase from src/ledger/sqlite/binding.',
            },
            { name: 'better-sqlite3-napi', message: 'Use SqliteDatabase from src/ledger/sqlite/binding.' },
          ],
        },
      ],
    },
  },
);
