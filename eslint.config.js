import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: [
      'dist',
      '.bundle-check',
      'node_modules',
      'public/data',
      'test-results',
      'playwright-report',
      'reports',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine is pure: tfjs + TypeScript only. It runs in the worker, in Node tests and scripts.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'recharts'],
              message: 'src/engine must not depend on UI or stores.',
            },
            {
              group: ['**/ui/**', '**/state/**', '**/worker/**'],
              message: 'src/engine must not import app layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'sessionStorage'],
    },
  },
  {
    // The shared layer is tf-free and app-free: both threads import it (config, catalog, schemas, types,
    // protocol). It may import only itself, zod and the standard library.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: 'src/shared is tf-free: the page imports it.' },
            {
              group: ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'recharts'],
              message: 'src/shared must not depend on UI or stores.',
            },
            {
              group: ['**/engine/**', '**/ui/**', '**/state/**', '**/worker/**'],
              message: 'src/shared imports only src/shared: move what both threads need into it.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'sessionStorage'],
    },
  },
  {
    // The page (React panels, zustand stores, the worker client) never imports tfjs or the engine: it
    // talks to the training worker through src/shared/protocol.ts. `npm run check` also checks the built
    // main chunk (scripts/check-bundle.mjs).
    files: ['src/ui/**/*.{ts,tsx}', 'src/state/**/*.ts', 'src/*.{ts,tsx}', 'src/worker/client.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: 'The page must not import tfjs: it runs in the worker.' },
            {
              group: ['**/engine/**', '**/engine', '**/worker/trainWorker*', '**/worker/*Ops*'],
              message: 'The page imports src/shared (and the worker client), never the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
      },
    },
  },
);
