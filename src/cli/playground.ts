/**
 * `rnnkit playground`: serves the built playground (dist/playground) with the headers
 * that make the page cross-origin isolated, so that training in the browser can use
 * shared memory and every core; stops on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { RnnkitError } from '../errors.js';
import { integer } from './common.js';
import { serveDirectory } from './static-server.js';

/** The headers that make a page cross-origin isolated (shared memory, threads). */
export const CROSS_ORIGIN_ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** The built playground: dist/playground beside dist/cli (from src/cli too, in a checkout). */
const PLAYGROUND = fileURLToPath(new URL('../../dist/playground/', import.meta.url));

interface PlaygroundFlags {
  port: number;
  host: string;
  open?: boolean;
}

export function registerPlayground(program: Command): void {
  program
    .command('playground')
    .description('serve the playground: train, watch and sample a network in your browser')
    .option('--port <n>', 'port to listen on (0: any free one)', integer(0), 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0: every network)', '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .addHelpText('after', '\nExample:\n  $ rnnkit playground --port 8080 --open')
    .action(async (flags: PlaygroundFlags) => {
      if (flags.port > 65535) throw new RnnkitError(`port must be at most 65535, got ${flags.port}`);
      if (!existsSync(join(PLAYGROUND, 'index.html'))) {
        throw new RnnkitError(`the playground is not built (${PLAYGROUND} has no index.html): run npm run build`);
      }
      const server = await serveDirectory(PLAYGROUND, { host: flags.host, port: flags.port, headers: CROSS_ORIGIN_ISOLATION });
      process.stdout.write(`rnnkit playground: ${server.url}\n`);
      if (flags.open) openInBrowser(server.url);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await server.close();
    });
}

/** Opens `url` with the system's default browser; a note on stderr when that is not possible. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`rnnkit: could not open a browser (${command} failed); open ${url} yourself\n`));
  child.unref();
}
