import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Lint zones: a feature folder reaches another only through src/services.ts, src/shared/ and the core.
const FEATURES = ['registry', 'routing', 'cost', 'chat', 'languageModels', 'panel'];
/** An import of any of `names` from a file at any depth under src/: `../cost`, `../../cost/statusBar`, … */
const fromSrc = (names) => String.raw`^(\.\./)+(${names.join('|')})(/|\.ts$|$)`;
const featureImports = (except) => FEATURES.filter((feature) => feature !== except);
const zone = (files, names, message, extra = {}) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { ...extra, patterns: [{ regex: fromSrc([...new Set(names)]), message }] }],
  },
});

export default defineConfig(
  { ignores: ['dist/', 'dist-vsix/', 'out/', 'node_modules/', 'test-artifacts/', '.vscode-host/', '.vscode-test/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/**/*.ts'],
    // Logs go through the Switchboard LogOutputChannel, where they are redacted.
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // Imports of the VS Code layer, however indirect, fail test/unit/core-boundary.test.ts.
          paths: [
            {
              name: 'vscode',
              message: 'src/core is host-agnostic: reach VS Code through the interfaces in src/core/storage.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview talks to the host through src/shared/protocol.ts.' }],
          patterns: [
            { group: ['node:*'], message: 'The webview runs in a browser.' },
            {
              // Two dependency-free core modules are still imported directly until the panel rebuild moves them behind src/shared/.
              regex: String.raw`^(\.\./)+src/(?!shared/|core/registry/keyShape$|core/cost/money$)`,
              message: 'The webview imports only src/shared/ from the extension.',
            },
          ],
        },
      ],
    },
  },
  ...FEATURES.map((feature) =>
    zone(
      [`src/${feature}/**/*.ts`],
      [...featureImports(feature), 'extension'],
      `src/${feature}/ reaches other features only through src/services.ts, src/shared/ and src/core.`,
    ),
  ),
  zone(
    ['src/platform/**/*.ts'],
    [...featureImports(), 'services', 'extension'],
    'src/platform is below the features: it imports none of them (nor the services they make up).',
  ),
  zone(
    ['src/shared/**/*.ts'],
    [...featureImports(), 'platform', 'services', 'extension'],
    'src/shared is imported by the webview too: only dependency-free modules of the core, never the VS Code layer.',
    {
      paths: [
        { name: 'vscode', message: 'src/shared is imported by the webview too.' },
        ...['../core', '../core/index'].map((name) => ({
          name,
          message: 'The core barrel brings every adapter: import the dependency-free module itself.',
        })),
      ],
    },
  ),
  // Last: turns off the few rules that disagree with the formatter's output (npm run format).
  prettier,
);
