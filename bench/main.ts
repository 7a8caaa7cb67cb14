/**
 * `npm run bench -- [name …]`: runs the named benchmarks (all when none is named).
 * Each compares rnnkit against a peer measured in the same run and prints ratios.
 */
import { benchCrf } from './crf.js';
import { benchGemm } from './gemm.js';
import { benchLanguageModel } from './lm.js';
import { benchPlayground } from './playground.js';
import { benchRnn } from './rnn.js';
import { benchVariants } from './variants.js';

const benches: Record<string, () => Promise<void>> = {
  gemm: benchGemm,
  rnn: benchRnn,
  lm: benchLanguageModel,
  playground: benchPlayground,
  variants: benchVariants,
  crf: benchCrf,
};

const names = process.argv.slice(2);
for (const name of names) {
  if (!(name in benches)) {
    console.error(`unknown benchmark '${name}'; choose from: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
}
for (const name of names.length > 0 ? names : Object.keys(benches)) {
  console.log(`\n## ${name}\n`);
  await benches[name]();
}
process.exit(0);
