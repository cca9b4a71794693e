import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Chromium from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Real headless Chromium for browser tests: CHROMIUM_PATH if set, else the binary that
 * @sparticuz/chromium unpacks. Only `--no-sandbox` is passed: that package's default args turn
 * off web security and site isolation, which would make CORS, framing and postMessage tests lie.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || (await Chromium.executablePath());
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts');

/** Saves a full-page screenshot to test-artifacts/<name>.png (gitignored); returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
