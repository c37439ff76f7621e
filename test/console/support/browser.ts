// Debian's Chromium, headless, driven by playwright-core (scripts/setup.mjs installs it for npm
// test; KEYSYNC_CHROMIUM names another build), and what the console tests do with it: sign in as a
// principal, and keep a screenshot of each page under test-artifacts/console/ (not committed) to
// look at after a run.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../../../libs/config/paths';

export const chromiumPath = process.env.KEYSYNC_CHROMIUM || '/usr/bin/chromium';
export const screenshotDir = join(repoRoot(), 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} does not exist: npm test installs Debian's chromium (or set KEYSYNC_CHROMIUM to a Chromium build).`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true });
}

/** The console must be built (dist/console) before the API can serve it. */
export function requireBuiltConsole(): void {
  const page = join(repoRoot(), 'dist', 'console', 'index.html');
  if (!existsSync(page)) throw new Error(`${page} is missing: run \`npm run build\` (npm test does it) before this test.`);
}

export interface SignedIn {
  context: BrowserContext;
  page: Page;
  /** What the browser reported refusing under the page's Content-Security-Policy. */
  policyViolations: string[];
}

/** A fresh browser context (its own sessionStorage) signed in with `token` through the sign-in screen. */
export async function signInAs(browser: Browser, baseUrl: string, token: string): Promise<SignedIn> {
  const context = await browser.newContext({ baseURL: baseUrl, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const policyViolations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) policyViolations.push(message.text());
  });
  await page.goto('/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: /^Cluster / }).waitFor();
  return { context, page, policyViolations };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}
