// Run from the repository root as `eslint --config tools/lint/eslint.config.js`: with --config,
// ESLint reads `files` and `ignores` relative to the working directory, and this file's imports
// resolve from tools/lint/node_modules (the linter's own TypeScript 5.9, see package.json).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'tools/lint/node_modules/**', 'data/**'] },
  js.configs.recommended,
  // Syntax-only rules: type-aware linting (parserOptions.project) costs minutes on two cores.
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `const { secret: _secret, ...rest } = x` is how the code leaves a field out; `_` marks it unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A `let` that a callback reads before its one assignment cannot become a `const` (temporal dead zone).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  // The dashboard runs in the browser.
  { files: ['ui/**/*.{ts,tsx}'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Last, so that no rule argues with Prettier's layout.
  prettier,
);
