// PyTorch parity of the Jordan network: replays test/fixtures/jordan/parity.safetensors
// (scripts/gen_jordan_fixtures.py: the equations written in torch, gradients by autograd) on
// both backends — every output activation × hidden nonlinearity, with teacher forcing (all
// steps batched) and free running (own outputs fed back and backpropagated through).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { Jordan, type JordanOutput } from '../../src/layers/jordan.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { forEachBackend } from '../training/fixtures.js';

interface Config {
  name: string;
  outputActivation: JordanOutput;
  nonlinearity: 'tanh' | 'relu';
  teacherForcing: boolean;
}

const fixture = readSafetensors(readFileSync(new URL('../fixtures/jordan/parity.safetensors', import.meta.url)));
const meta = safetensorsMetadata(fixture);
const configs = JSON.parse(meta.configs) as Config[];
const sizes = JSON.parse(meta.sizes) as { D: number; H: number; O: number };
const TOL = { atol: 2e-5, rtol: 1e-4 };
const PARAMETERS = ['weight_ih', 'weight_yh', 'weight_hy', 'bias_h', 'bias_y'];

describe('Jordan network against PyTorch', () => {
  forEachBackend((backend) => {
    for (const c of configs) {
      it(`${c.name}: scores, outputs and every gradient`, async () => {
        const get = (name: string): Tensor => {
          const t = fixture[`${c.name}/${name}`];
          assert.ok(t !== undefined, `fixture lacks ${c.name}/${name}`);
          return t;
        };
        const jordan = new Jordan({
          inputSize: sizes.D,
          hiddenSize: sizes.H,
          outputSize: sizes.O,
          nonlinearity: c.nonlinearity,
          outputActivation: c.outputActivation,
          backend: backend(),
        });
        assert.deepEqual(Object.keys(jordan.stateDict()).sort(), [...PARAMETERS].sort());
        jordan.loadStateDict(Object.fromEntries(PARAMETERS.map((n) => [n, get(n)])));
        const { output, prediction } = await jordan.forward(get('x'), {
          y0: get('y0'),
          ...(c.teacherForcing ? { targets: get('targets') } : {}),
        });
        assertClose('output', output.data, get('output').data, TOL);
        assertClose('prediction', prediction.data, get('prediction').data, TOL);
        const grads = await jordan.backward(get('w'));
        assertClose('grad x', grads.x.data, get('grad_x').data, TOL);
        assertClose('grad y0', grads.y0.data, get('grad_y0').data, TOL);
        const parameterGrads = jordan.gradients();
        for (const n of PARAMETERS) assertClose(`grad ${n}`, parameterGrads[n].data, get(`grad_${n}`).data, TOL);
      });
    }
  });
});
