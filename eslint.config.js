// The linter `npm test` runs before the tests (with the per-part type checks): ESLint's and
// typescript-eslint's recommended rules, plus the house rules that have bitten: no empty catch or
// promise catch that hides a failure, no floating promise-returning calls left unhandled by habit.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-artifacts/', 'data/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `catch {}` hides a failure: say why it is safe to ignore, or handle it.
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-syntax': ['error', {
        // `.catch(() => {})`: a promise failure dropped without a word.
        selector: "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[body.type='BlockStatement'][body.body.length=0]",
        message: 'A .catch(() => {}) hides a failure: log and count it, or name why it is safe (e.g. .catch(ignoreCleanupError)).',
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // Byte-level code matches control characters on purpose (sanitisers, HTTP heads, ICY blocks).
      'no-control-regex': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests may ignore a client's socket errors: the assertions are on what the client received.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off', 'no-empty': ['error', { allowEmptyCatch: true }] },
  },
);
