// `rnnkit playground` and the static server behind it, without a browser: the address line,
// the isolation headers, what is and is not served, --open, a port in use, Ctrl-C.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { describe, it } from 'node:test';
import { serveDirectory } from '../../src/cli/static-server.js';
import { assertFails, runCli } from '../helpers/cli.js';
import { startPlayground } from '../helpers/playground.js';
import { suiteDir } from '../helpers/temp.js';

describe('static server', () => {
  const temp = suiteDir('rnnkit-static-');

  it('serves files and folders’ index.html with their types and the given headers, and nothing outside its folder', async () => {
    const root = temp('site');
    mkdirSync(`${root}/assets`, { recursive: true });
    writeFileSync(`${root}/index.html`, '<p>hi</p>');
    writeFileSync(`${root}/assets/app.js`, 'export {};');
    writeFileSync(temp('secret.txt'), 'outside');
    const server = await serveDirectory(root, { host: '127.0.0.1', port: 0, headers: { 'x-test': 'yes' } });
    try {
      const index = await fetch(server.url);
      assert.deepEqual(
        [index.status, index.headers.get('content-type'), index.headers.get('x-test'), await index.text()],
        [200, 'text/html; charset=utf-8', 'yes', '<p>hi</p>'],
      );
      const script = await fetch(new URL('assets/app.js', server.url));
      assert.deepEqual([script.status, script.headers.get('content-type')], [200, 'text/javascript; charset=utf-8']);
      const head = await fetch(new URL('assets/app.js', server.url), { method: 'HEAD' });
      assert.deepEqual([head.status, head.headers.get('content-length'), await head.text()], [200, '10', '']);
      for (const path of ['/missing.js', '/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
        const response = await fetch(`${server.url.replace(/\/$/, '')}${path}`);
        assert.equal(response.status, 404, path);
        assert.doesNotMatch(await response.text(), /outside/, path);
      }
      const post = await fetch(server.url, { method: 'POST', body: 'x' });
      assert.deepEqual([post.status, post.headers.get('allow')], [405, 'GET, HEAD']);
    } finally {
      await server.close();
    }
  });

  it('a taken port is an error naming it', async () => {
    const first = await serveDirectory(temp('.'), { host: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(
        serveDirectory(temp('.'), { host: '127.0.0.1', port: first.port }),
        new RegExp(`^RnnkitError: port ${first.port} is already in use on 127\\.0\\.0\\.1 \\(choose another with --port\\)$`),
      );
    } finally {
      await first.close();
    }
  });
});

describe('rnnkit playground', () => {
  const temp = suiteDir('rnnkit-playground-cli-');

  it('prints its address, sends the isolation headers and stops cleanly on Ctrl-C', async () => {
    const server = await startPlayground(['--host', '127.0.0.1']);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(server.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await response.text(), /<title>rnnkit playground/);
    assert.equal(await server.stop(), 0);
    await assert.rejects(fetch(server.url), 'nothing listens after Ctrl-C');
  });

  it('a port in use is one line and exit 1; a bad port is a usage error', async () => {
    const server = await startPlayground();
    try {
      const port = new URL(server.url).port;
      assertFails(runCli(['playground', '--port', port]), 1, new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1`));
    } finally {
      await server.stop();
    }
    assertFails(runCli(['playground', '--port', 'eighty']), 2, /expected an integer/);
    assertFails(runCli(['playground', '--port', '70000']), 1, /port must be at most 65535/);
  });

  it('--open hands the address to the system’s browser opener', { skip: process.platform !== 'linux' }, async () => {
    const bin = temp('bin');
    mkdirSync(bin);
    const log = temp('opened.txt');
    writeFileSync(`${bin}/xdg-open`, `#!/bin/sh\necho "$@" > '${log}'\n`);
    chmodSync(`${bin}/xdg-open`, 0o755);
    const server = await startPlayground(['--open'], { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` });
    try {
      for (let i = 0; i < 100 && !readable(log); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(readFileSync(log, 'utf8'), `${server.url}\n`);
    } finally {
      await server.stop();
    }
  });
});

function readable(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').length > 0;
  } catch {
    return false;
  }
}
