// rnnkit's own TypeScript source (src/, generated files left out), bundled into its own chunk.
const files = import.meta.glob<string>(['../../../src/**/*.ts', '!../../../src/**/*.generated.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Every source file, each after a comment line with its path. */
export function rnnkitSource(): string {
  return Object.keys(files)
    .sort()
    .map((path) => `// ${path.replace(/^(\.\.\/)+/, '')}\n${files[path]}`)
    .join('\n');
}
