// PyTorch parity of the encoder–decoder: replays test/fixtures/seq2seq/parity.safetensors
// (scripts/gen_seq2seq_fixtures.py: the model written in torch — packed bidirectional
// encoder, LSTMCell/GRUCell decoder, Bahdanau attention fed with the token, Luong dot and
// general attention with input feeding, c = h_T and c = q(h_T) as initial state or fed at
// every step — gradients by autograd) on both backends: the loss and every parameter's gradient.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { type AttentionKind, type ContextKind, type ContextUse, Seq2Seq, type SequencePair } from '../../src/models/seq2seq/seq2seq.js';
import type { CellKind } from '../../src/layers/recurrent/options.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { forEachBackend } from '../training/fixtures.js';

interface Config {
  name: string;
  cell: CellKind;
  context: ContextKind;
  contextUse: ContextUse;
  attention: AttentionKind;
  numLayers: number;
}

const fixture = readSafetensors(readFileSync(new URL('../fixtures/seq2seq/parity.safetensors', import.meta.url)));
const meta = safetensorsMetadata(fixture);
const configs = JSON.parse(meta.configs) as Config[];
const pairs = JSON.parse(meta.pairs) as SequencePair[];
const sizes = JSON.parse(meta.sizes) as {
  sourceVocabSize: number;
  targetVocabSize: number;
  begin: number;
  end: number;
  embeddingDim: number;
  hiddenSize: number;
  attentionSize: number;
};
const TOL = { atol: 2e-5, rtol: 2e-4 };

describe('Seq2Seq against PyTorch', () => {
  forEachBackend((backend) => {
    for (const c of configs) {
      it(`${c.name}: the loss and every gradient`, async () => {
        const get = (name: string): Tensor => {
          const t = fixture[`${c.name}/${name}`];
          assert.ok(t !== undefined, `fixture lacks ${c.name}/${name}`);
          return t;
        };
        const model = await Seq2Seq.create({
          ...sizes,
          cell: c.cell,
          numLayers: c.numLayers,
          bidirectional: true,
          context: c.context,
          contextUse: c.contextUse,
          attention: c.attention,
          teacherForcing: 1,
          seed: 1,
          backend: backend(),
        });
        const names = Object.keys(model.stateDict());
        model.loadStateDict(Object.fromEntries(names.map((n) => [n, get(n)])));
        model.zeroGrad();
        const loss = await model.train().lossAndBackward(pairs);
        assertClose('loss', [loss], get('loss').data, TOL);
        for (const p of await model.parameters()) assertClose(`grad ${p.name}`, p.grad, get(`grad/${p.name}`).data, TOL);
      });
    }
  });
});
