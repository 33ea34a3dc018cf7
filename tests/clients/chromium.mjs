// Debian's chromium, headless, driven by playwright-core: how the browser
// tests (browser-cors, entry-page, the elicitation person) start it.
import { existsSync } from 'node:fs';

const kChromium = '/usr/bin/chromium';

/**
 * Launches the browser with `extraArgs` added to its command line; prints a
 * FAIL line naming `label` and exits 1 at once when it is not installed.
 */
export async function launchChromium(label, extraArgs = []) {
  if (!existsSync(kChromium)) {
    console.log(`FAIL [${label}] no ${kChromium}: install Debian's chromium (tools/bootstrap does)`);
    process.exit(1);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: kChromium,
    headless: true,
    chromiumSandbox: false, // root in a container: Chromium's sandbox needs user namespaces
    args: ['--no-sandbox', '--no-proxy-server', ...extraArgs],
  });
}
