/**
 * A small static file server for one folder (Node only): GET and HEAD, `index.html` for
 * folders, content types for what a built web app holds, extra headers on every answer
 * (the playground sends the cross-origin isolation headers), and nothing outside the folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { RnnkitError } from '../errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

/** Where and how to serve. */
export interface ServeOptions {
  /** Address to listen on, e.g. `127.0.0.1`, `::1` or `0.0.0.0`. */
  host: string;
  /** Port; 0 lets the system choose a free one. */
  port: number;
  /** Headers added to every answer. */
  headers?: Record<string, string>;
}

/** A running server. */
export interface StaticServer {
  /** `http://HOST:PORT/` (an IPv6 host in brackets). */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves the files under `root`.
 * @throws RnnkitError when the port is taken or cannot be used (one line, naming host and port).
 */
export async function serveDirectory(root: string, options: ServeOptions): Promise<StaticServer> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    void answer(base, request, response, options.headers ?? {});
  });
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      if (error.code === 'EADDRINUSE')
        fail(new RnnkitError(`port ${options.port} is already in use on ${options.host} (choose another with --port)`));
      else if (error.code === 'EACCES') fail(new RnnkitError(`no permission to listen on ${where} (choose a port above 1023 with --port)`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        fail(new RnnkitError(`cannot listen on ${options.host}: no such address on this machine`));
      else fail(new RnnkitError(`cannot listen on ${where}: ${error.message}`));
    });
    server.listen(options.port, options.host, () => done());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

async function answer(base: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<void> {
  const reply = (status: number, text: string): void => {
    response.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    reply(405, 'method not allowed');
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    reply(400, 'bad request');
    return;
  }
  let file = resolve(join(base, path));
  if (file !== base && !file.startsWith(base + sep)) {
    reply(404, 'not found');
    return;
  }
  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file);
    }
    response.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  } catch {
    reply(404, 'not found');
  }
}
