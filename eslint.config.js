// Lint: typescript-eslint's recommended rules with `any` an error; the import layering of src/ (no import
// cycle, and each folder imports only the folders below it, see LAYERS); no line over 140 characters
// (Prettier formats to that width and `npm run lint` checks it; this rule catches what it cannot wrap).
import stylistic from '@stylistic/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first. A module may import from its own layer's folder and from
 * the layers below it; an import from a higher layer (or from a sibling folder of its layer)
 * is an error. index.ts, the public entry, sits on top of everything.
 */
export const LAYERS = [
  ['errors.ts'],
  ['random.ts'],
  ['tensor'],
  ['cells'],
  ['backend'],
  ['layers', 'losses', 'decode', 'data'],
  ['training'],
  ['models'],
  ['io', 'poetry'],
  ['cli'],
];

/** no-restricted-paths zones: each folder of a layer may not import its siblings or anything above. */
function layerZones() {
  const path = (name) => `./src/${name}`;
  return LAYERS.flatMap((layer, level) =>
    layer.map((name) => ({
      target: path(name),
      from: [...layer.filter((other) => other !== name), ...LAYERS.slice(level + 1).flat(), 'index.ts'].map(path),
      message: `src/${name} sits below this folder in the import layering (see LAYERS in eslint.config.js)`,
    })),
  );
}

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'assembly/', 'bench/assembly/', 'src/**/*.generated.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      'import-x/no-unresolved': 'error',
    },
  },
  prettier,
  {
    plugins: { '@stylistic': stylistic },
    rules: { '@stylistic/max-len': ['error', { code: 140, tabWidth: 2 }] },
  },
  {
    // Message catalogues are data: a message stays one string, as a translator reads it.
    files: ['playground/src/i18n/*.ts'],
    rules: { '@stylistic/max-len': ['error', { code: 140, tabWidth: 2, ignoreStrings: true, ignoreTemplateLiterals: true }] },
  },
  {
    // A non-null assertion only where the type can be undefined (noUncheckedIndexedAccess stays off, so
    // `a[i]` of an array or typed array needs none); with type information, for the TypeScript sources.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // With noUncheckedIndexedAccess off an indexed access is never undefined by its type: `a[i]!` is noise.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSNonNullExpression > MemberExpression.expression[computed=true]',
          message: 'no non-null assertion on an indexed access (noUncheckedIndexedAccess is off, so it asserts nothing)',
        },
      ],
    },
  },
);
