// PyTorch parity: replays test/fixtures/recurrent/parity.safetensors (written by
// scripts/gen_recurrent_fixtures.py with torch) on every backend at float32 tolerance:
// every cell × 1–3 layers × directions × batchFirst × ragged lengths × initial states; and
// test/fixtures/recurrent/variants.safetensors (scripts/gen_variant_fixtures.py: the GRU with
// the reset gate before the product and the peephole LSTM, written step by step in torch)
// × 1–2 layers × directions × ragged lengths × initial states; and
// test/fixtures/recurrent/projection.safetensors (scripts/gen_projection_fixtures.py: nn.LSTM
// with proj_size) × 1–2 layers × directions × batchFirst × ragged lengths × initial states.
// The fixtures are small, so on the blas backend every product is sent to BLAS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { GRU, LSTM, RecurrentLayer, RNN } from '../../src/layers/recurrent/layers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { blasUnavailable, everyProductInBlas } from '../helpers/blas.js';

interface Config {
  name: string;
  cell: 'rnn' | 'lstm' | 'gru';
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
  peepholes?: boolean;
  projSize?: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst?: boolean;
  ragged: boolean;
  initialStates: boolean;
}

/** A fixture file: its tensors, configurations and sizes. */
interface Fixture {
  tensors: Record<string, Tensor>;
  configs: Config[];
  sizes: { D: number; H: number };
}

function readFixture(file: string): Fixture {
  const tensors = readSafetensors(readFileSync(new URL(`../fixtures/recurrent/${file}`, import.meta.url)));
  const meta = safetensorsMetadata(tensors);
  return { tensors, configs: JSON.parse(meta.configs) as Config[], sizes: JSON.parse(meta.sizes) as Fixture['sizes'] };
}

const TOL = { atol: 2e-5, rtol: 1e-4 };

function makeLayer(c: Config, sizes: Fixture['sizes'], backend: Backend): RecurrentLayer {
  const options = {
    inputSize: sizes.D,
    hiddenSize: sizes.H,
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    batchFirst: c.batchFirst ?? false,
    backend,
  };
  if (c.cell === 'lstm') return new LSTM({ ...options, peepholes: c.peepholes ?? false, projSize: c.projSize ?? 0 });
  if (c.cell === 'gru') return new GRU({ ...options, resetAfter: c.resetAfter ?? true });
  return new RNN({ ...options, nonlinearity: c.nonlinearity ?? 'tanh' });
}

async function replay(fixture: Fixture, c: Config, backend: Backend): Promise<void> {
  const get = (config: Config, name: string): Tensor => {
    const t = fixture.tensors[`${config.name}/${name}`];
    assert.ok(t !== undefined, `fixture lacks ${config.name}/${name}`);
    return t;
  };
  const layer = makeLayer(c, fixture.sizes, backend);
  const names = Object.keys(layer.stateDict());
  layer.loadStateDict(Object.fromEntries(names.map((n) => [n, get(c, n)])));
  const lstm = c.cell === 'lstm';
  const lengths = c.ragged ? Array.from(get(c, 'lengths').data) : undefined;
  const result = await layer.forward(get(c, 'x'), {
    ...(c.initialStates ? { h0: get(c, 'h0') } : {}),
    ...(c.initialStates && lstm ? { c0: get(c, 'c0') } : {}),
    ...(lengths ? { lengths } : {}),
  });
  assert.deepEqual(result.output.shape, get(c, 'output').shape, 'output shape');
  assertClose('output', result.output.data, get(c, 'output').data, TOL);
  assertClose('h', result.h.data, get(c, 'h').data, TOL);
  if (lstm) assertClose('c', result.c!.data, get(c, 'c').data, TOL);

  const grads = await layer.backward({ output: get(c, 'w_out'), h: get(c, 'w_h'), ...(lstm ? { c: get(c, 'w_c') } : {}) });
  assertClose('grad x', grads.x.data, get(c, 'grad.x').data, TOL);
  if (c.initialStates) {
    assertClose('grad h0', grads.h0.data, get(c, 'grad.h0').data, TOL);
    if (lstm) assertClose('grad c0', grads.c0!.data, get(c, 'grad.c0').data, TOL);
  }
  const paramGrads = layer.gradients();
  for (const n of names) assertClose(`grad ${n}`, paramGrads[n].data, get(c, `grad.${n}`).data, TOL);
}

for (const [label, make, skip] of [
  ['reference', async () => createReferenceBackend(), undefined],
  ['wasm', () => createWasmBackend({ threads: 2 }), undefined],
  ['blas', () => everyProductInBlas(2), blasUnavailable()],
] as const) {
  describe(`PyTorch parity on the ${label} backend`, { skip }, () => {
    let backend: Backend;
    before(async () => {
      backend = await make();
    });
    after(() => backend.dispose());
    for (const [file, count, what] of [
      ['parity.safetensors', 192, 'PyTorch'],
      ['variants.safetensors', 32, 'the torch-written variants'],
      ['projection.safetensors', 32, "PyTorch's LSTM with proj_size"],
    ] as const) {
      it(`matches all ${count} configurations of ${what}`, async () => {
        const fixture = readFixture(file);
        assert.equal(fixture.configs.length, count);
        const failed: string[] = [];
        for (const c of fixture.configs) {
          try {
            await replay(fixture, c, backend);
          } catch (error) {
            failed.push(`${c.name}: ${(error as Error).message.split('\n')[0]}`);
          }
        }
        assert.deepEqual(failed, [], `${failed.length} configurations differ from ${what}`);
      });
    }
  });
}
