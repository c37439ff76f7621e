import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The boundaries between the parts (ARCHITECTURE.md draws them). Each zone: files under `target`
// may not import anything under `from`.
const boundaries = [
  {
    target: ['./libs'],
    from: ['./workflows', './activities', './apps'],
    message: 'libs/ is the bottom layer: it never imports workflows/, activities/ or apps/ (shared vocabulary lives in libs/contract).',
  },
  {
    target: ['./activities'],
    from: ['./workflows', './apps'],
    message: 'activities/ implements the contract\'s activity interfaces (libs/contract/activities.ts) on libs/: it never imports workflows/ or apps/.',
  },
  {
    target: ['./apps/api', './apps/cli'],
    from: ['./libs/hsm', './activities'],
    message: 'The API and the CLI never hold an HSM: no libs/hsm, no activities/ (the package codec is libs/package-format, the vocabulary libs/contract).',
  },
  {
    target: ['./apps', './bench'],
    from: ['./workflows'],
    message: 'Workflow code runs only in the worker, loaded by its workflowsPath: import names, ids, messages and types from libs/contract.',
  },
  {
    target: ['./apps/console'],
    from: ['./apps/api', './apps/cli', './apps/stack', './apps/worker', './activities', './workflows', './bench', './test'],
    message: 'The console runs in a browser: it imports only libs/contract (pure vocabulary), libs/api-client (the generated client types) and openapi-fetch.',
  },
  {
    target: ['./apps/console'],
    from: './libs',
    except: ['./contract', './api-client'],
    message: 'The console runs in a browser: it imports only libs/contract (pure vocabulary), libs/api-client (the generated client types) and openapi-fetch.',
  },
  {
    target: ['./test'],
    from: ['./workflows/**/{index,*-workflow}.ts'],
    message: 'Start workflows by their wire name, typed by the signatures in libs/contract/workflow-types.ts; only replay fixtures bundle workflow files.',
  },
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Any module inside a folder, never climbing out of it (no `..` segment). */
const inside = (folder) => `${escape(folder)}(?:[\\w-][\\w.-]*/)*[\\w-][\\w.-]*`;

/** An allow-list for no-restricted-imports: every import is refused but these packages and the modules inside these folders. */
const onlyImports = ({ packages = [], folders = [] }, message) => ({
  patterns: [{ regex: `^(?!(?:${[...packages.map(escape), ...folders.map(inside)].join('|')})$)`, message }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.keysync/**', 'coverage/**', 'scripts/**', 'bin/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Every import is resolved (TypeScript sources, extensionless) and parsed as TypeScript, so the
    // path rules see real files and no-cycle follows imports through them.
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: boundaries }],
    },
  },
  {
    // Replay fixtures are workflow bundles of their own: they import the real workflow files.
    files: ['test/workflows/fixtures/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    // Workflow code must be deterministic: the workflow API, the contract, pure libraries and its own files.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        onlyImports(
          { packages: ['@temporalio/workflow', '@temporalio/common'], folders: ['./', '../libs/contract/', '../libs/approvals/'] },
          'workflows/ imports only @temporalio/workflow, @temporalio/common, libs/contract, libs/approvals (pure) and its own files: no Node built-ins, no I/O, no activities.',
        ),
      ],
    },
  },
  {
    // The contract is vocabulary every process loads, the workflow sandbox included: pure TypeScript.
    files: ['libs/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...onlyImports({ packages: ['@temporalio/workflow', '@temporalio/common'], folders: ['./'] }, 'libs/contract imports only its own files, and Temporal for message definitions and search attribute keys.'),
          paths: [
            { name: '@temporalio/workflow', allowImportNames: ['defineSignal', 'defineQuery', 'defineUpdate'], message: 'libs/contract takes only message definitions from @temporalio/workflow.' },
            { name: '@temporalio/common', allowImportNames: ['defineSearchAttributeKey'], message: 'libs/contract takes only search attribute keys from @temporalio/common.' },
          ],
        },
      ],
    },
  },
  {
    // The API reaches Temporal through one gateway: no other API file holds a client of its own.
    files: ['apps/api/**/*.ts'],
    ignores: ['apps/api/temporal/temporal-gateway.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@temporalio/client',
              importNames: ['Client', 'Connection', 'WorkflowClient', 'WorkflowHandle'],
              message: 'Only apps/api/temporal/temporal-gateway.ts holds a Temporal client: inject TemporalGateway (start, describe, query, update, list, count).',
            },
          ],
        },
      ],
    },
  },
  {
    // The console is bundled for a browser: its own files, the libs the zones above allow, and openapi-fetch; no Node built-in, no other package.
    files: ['apps/console/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!(?:\\.{1,2}/|openapi-fetch$))', message: 'apps/console imports only its own files, libs/contract, libs/api-client and openapi-fetch (it runs in a browser).' }] }],
    },
  },
  {
    // The approval rules run in the workflow sandbox, the API and the CLI alike: pure JavaScript only.
    files: ['libs/approvals/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        onlyImports({ folders: ['./', '../contract/', '@noble/curves/', '@noble/hashes/'] }, 'libs/approvals imports only libs/contract, @noble/curves and @noble/hashes (pure JavaScript) and its own files.'),
      ],
    },
  },
);
