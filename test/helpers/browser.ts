/**
 * A real browser for tests: Debian's Chromium driven by playwright-core, and a
 * static file server for the repository (optionally cross-origin isolated, which
 * shared memory and threads need).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { CROSS_ORIGIN_ISOLATION } from '../../src/cli/playground.js';
import { serveDirectory, type StaticServer } from '../../src/cli/static-server.js';

export type { StaticServer } from '../../src/cli/static-server.js';

export const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Why browser tests cannot run here, or undefined when they can. `.ci/run` sets RNNKIT_REQUIRE_BROWSER. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.RNNKIT_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  return `${CHROMIUM} is not installed`;
}

/** Serves the repository's files on localhost; `isolated` adds the COOP/COEP headers. */
export function serveRepository(isolated: boolean): Promise<StaticServer> {
  return serveDirectory(root, { host: '127.0.0.1', port: 0, ...(isolated ? { headers: CROSS_ORIGIN_ISOLATION } : {}) });
}

/**
 * Launches headless Chromium with a fresh profile; `close` removes the profile. `locale`
 * (e.g. 'zh-CN') sets the browser's language: navigator.languages and Accept-Language.
 */
export async function launchChromium(options: { locale?: string } = {}): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'rnnkit-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(options.locale !== undefined ? { locale: options.locale } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
