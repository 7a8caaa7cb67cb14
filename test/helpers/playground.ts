/**
 * The playground as a user meets it: `rnnkit playground` started in a child process, the
 * built page opened in Chromium with its console watched, and screenshots written to a
 * folder a person can look at.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The built page (npm run build makes it). */
export const PLAYGROUND_DIR = fileURLToPath(new URL('../../dist/playground/', import.meta.url));

/** Where the playground tests write their screenshots (RNNKIT_SCREENSHOTS, or a folder in the system's temp dir). */
export const SCREENSHOTS = process.env.RNNKIT_SCREENSHOTS ?? join(tmpdir(), 'rnnkit-playground-screenshots');

/** A running `rnnkit playground`. */
export interface PlaygroundServer {
  url: string;
  child: ChildProcess;
  /** Sends Ctrl-C (SIGINT) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `rnnkit playground --port 0 …args` (in `env`) and waits for the line with its address. */
export function startPlayground(args: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<PlaygroundServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'playground', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^rnnkit playground: (http:\/\/\S+)\n/.exec(out);
      if (match) {
        resolve({
          url: match[1],
          child,
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`rnnkit playground exited (${code}) before serving: ${out}${err}`)));
  });
}

/** A page of the playground with every console error and uncaught exception collected. */
export interface OpenedPage {
  page: Page;
  /** Console errors and page errors, as they came. */
  errors: string[];
  /** Saves a full-page screenshot as SCREENSHOTS/`name`.png and returns its path. */
  screenshot(name: string): Promise<string>;
}

/** Opens `url` in a new page and waits until the training worker is ready. */
export async function openPlayground(browser: BrowserContext, url: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(() => !(document.querySelector('[data-testid=train]') as HTMLButtonElement).disabled);
  if (!existsSync(SCREENSHOTS)) mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    errors,
    screenshot: async (name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
}

/** The text of the element with `data-testid` `id`. */
export async function testText(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-testid=${id}]`).textContent()) ?? '';
}

/** The fraction of the pixels of the first canvas under `selector` that are neither white nor transparent. */
export function canvasInk(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (element) => {
    const canvas = element instanceof HTMLCanvasElement ? element : element.querySelector('canvas')!;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && (data[i] < 245 || data[i + 1] < 245 || data[i + 2] < 245)) ink++;
    return ink / (data.length / 4);
  });
}
