// The value-entry page in a real browser (Debian's chromium, headless, driven
// by playwright-core): the test plays a client that declares no elicitation
// (raw MCP over HTTP) and the person who opens the link from its tool result.
// One line per check; exits 1 if any check failed.
//
//   node entry-page.mjs --mcp URL --fake FAKE_URL --job JOB_ID --shots DIR
//     (AUTH_TOKEN in the environment: the server's inbound bearer token;
//      NODE_EXTRA_CA_CERTS: the test CA, to read fake-qovery's record)
//
// add-secret-job without a value answers with a link and sends nothing; in a
// phone-sized page the person gives the server's token, then types the value
// and submits; the page shows the new secret, Qovery got the value, and
// list-job-secrets shows the key. Opening the link again is refused. Then
// the .env import: its tool gives a link, the person pastes a file, reviews
// the plan (create, replace, override, refused; keys only), unchecks a line
// and confirms; the outcome page names each line's outcome, and Qovery got
// the picked lines. The pages are saved as PNG files in DIR (the build tree,
// not the repository): entry-page-*.png and import-page-*.png.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: args } = parseArgs({
  options: {
    mcp: { type: 'string' },
    fake: { type: 'string' },
    job: { type: 'string' },
    shots: { type: 'string' },
  },
});
const token = process.env.AUTH_TOKEN;
const key = 'BROWSER_ENTRY_KEY';
const value = 'browser-typed-value-58c2e1';
const importTool = 'import-job-secrets-from-dotenv';
/** The .env file the person imports: values never shown, sent or logged but to Qovery. */
const imports = {
  IMPORT_NEW_KEY: 'browser-import-new-3d7a90',
  [key]: 'browser-import-replace-b61c24',
  DATABASE_PASSWORD: 'browser-import-override-e0f513',
  QOVERY_NOT_MINE: 'browser-import-refused-7a4c08',
};
const dotenv = `# pasted from the app's .env\n${Object.entries(imports).map(([k, v]) => `${k}=${v}`).join('\n')}\nEMPTY_PLACEHOLDER=\n`;

let failures = 0;
let passes = 0;
const check = (name, ok, detail = '') => {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} [entry-page] ${name}${!ok && detail ? `: ${detail}` : ''}`);
};
const short = (thing) => JSON.stringify(thing)?.slice(0, 400);

/** A minimal MCP client that declares no capability (so no elicitation). */
let session = null;
let nextId = 1;
async function mcp(method, params) {
  const id = method.startsWith('notifications/') ? undefined : nextId++;
  const response = await fetch(args.mcp, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${token}`,
      ...(session ? { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...(id ? { id } : {}), method, params }),
  });
  session ??= response.headers.get('Mcp-Session-Id');
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** The requests fake-qovery got that change something. */
async function writes() {
  const recorded = await (await fetch(`${args.fake}/_fake/requests`)).json();
  return recorded.filter((request) => request.method !== 'GET');
}

await mcp('initialize', {
  protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'entry-page-test', version: '1' },
});
await mcp('notifications/initialized');
const asked = await mcp('tools/call', { name: 'add-secret-job', arguments: { jobId: args.job, body: { key } } });
const text = asked?.result?.content?.[0]?.text ?? '';
const link = text.match(/http:\/\/\S+\/entry\/[0-9a-f]{32}/)?.[0];
check('add-secret-job without a value: a result (not an error) with a link', asked?.result?.isError !== true && link,
      short(asked));
check('it sent nothing to Qovery', (await writes()).length === 0);

mkdirSync(args.shots, { recursive: true });
const browser = await launchChromium('entry-page');
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  // A style the CSP blocked, a script error, a failed load; not the 410 of
  // the used link, which the last step asks for.
  const problems = [];
  const expected = /^Failed to load resource: the server responded with a status of 410/;
  page.on('console', (message) => message.type() === 'error' && !expected.test(message.text()) &&
          problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));

  const first = await page.goto(link);
  check('the link opens the token page (200)', first?.status() === 200 && (await page.locator('#token').count()) === 1,
        `${first?.status()}`);
  await page.screenshot({ path: `${args.shots}/entry-page-token.png`, fullPage: true });
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(link), page.click('button[type=submit]')]);
  const cookies = await context.cookies();
  const cookie = cookies.find((c) => c.name === 'qmcp_entry');
  check('the token sets an HttpOnly, SameSite=Strict cookie for the link\'s path only',
        cookie?.httpOnly && cookie?.sameSite === 'Strict' && link.endsWith(cookie?.path), short(cookies));

  const body = await page.textContent('body');
  check('the form names the job, the key and the action',
        body.includes(args.job) && body.includes(key) && body.includes('Add a secret'), body);
  check('the value field is a password field', (await page.getAttribute('#value', 'type')) === 'password');
  const styled = await page.evaluate(() => getComputedStyle(document.body).maxWidth);
  check('the inline style applies under the CSP (its hash)', styled !== 'none', styled);
  await page.fill('#value', value);
  await page.screenshot({ path: `${args.shots}/entry-page-form.png`, fullPage: true });
  const [done] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const outcome = await page.textContent('body');
  check('submitting shows the outcome: the key and scope JOB, never the value',
        done?.status() === 200 && outcome.includes(key) && outcome.includes('JOB') && !outcome.includes(value),
        `${done?.status()} ${outcome}`);
  await page.screenshot({ path: `${args.shots}/entry-page-done.png`, fullPage: true });

  const sent = await writes();
  check('Qovery got one POST with the key and the value', sent.length === 1 && sent[0].method === 'POST' &&
        sent[0].body?.key === key && sent[0].body?.value === value, short(sent.map((r) => r.path)));
  const listed = await mcp('tools/call', { name: 'list-job-secrets', arguments: { jobId: args.job } });
  check('list-job-secrets shows the new JOB secret',
        listed?.result?.structuredContent?.results?.some((s) => s.key === key && s.scope === 'JOB'));
  check('no MCP answer carried the value', !JSON.stringify([asked, listed]).includes(value));

  const again = await page.goto(link);
  check('the link works once: opening it again is refused (410)',
        again?.status() === 410 && (await page.textContent('body')).includes('already used'), `${again?.status()}`);
  await page.screenshot({ path: `${args.shots}/entry-page-used.png`, fullPage: true });
  // The .env import: the server's own tool gives a link; the person pastes
  // the file, reviews the plan (keys only), unchecks a line and confirms.
  const before = (await writes()).length;
  const imported = await mcp('tools/call', { name: importTool, arguments: { jobId: args.job } });
  const importText = imported?.result?.content?.[0]?.text ?? '';
  const importLink = importText.match(/http:\/\/\S+\/entry\/[0-9a-f]{32}/)?.[0];
  check(`${importTool}: a result with a link, and nothing sent`,
        imported?.result?.isError !== true && importLink && (await writes()).length === before, short(imported));
  await page.goto(importLink);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(importLink), page.click('button[type=submit]')]);
  check('the import page takes a pasted file or an uploaded one',
        (await page.locator('textarea#dotenv').count()) === 1 && (await page.locator('input#file[type=file]').count()) === 1);
  await page.fill('#dotenv', dotenv);
  await page.screenshot({ path: `${args.shots}/import-page-file.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const plan = await page.textContent('body');
  const box = (key) => page.locator('li', { hasText: key }).locator('input[type=checkbox]');
  check('the plan: create, replace, override and refused, keys only',
        /IMPORT_NEW_KEY create/.test(plan) && new RegExp(`${key} replace`).test(plan) &&
        /DATABASE_PASSWORD override/.test(plan) && /QOVERY_NOT_MINE refused/.test(plan) &&
        !Object.values(imports).some((v) => plan.includes(v)), plan);
  check('lines are checked, but for an empty value; a refused line has no checkbox',
        (await box('IMPORT_NEW_KEY').isChecked()) && (await box('DATABASE_PASSWORD').isChecked()) &&
        !(await box('EMPTY_PLACEHOLDER').isChecked()) && (await box('QOVERY_NOT_MINE').count()) === 0);
  await box(key).uncheck();
  await page.screenshot({ path: `${args.shots}/import-page-plan.png`, fullPage: true });
  const [applied] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const report = await page.textContent('body');
  check('the outcome page: each line\'s outcome, never a value',
        applied?.status() === 200 && /IMPORT_NEW_KEY \(line \d+\): created/.test(report) &&
        /DATABASE_PASSWORD \(line \d+\): overridden/.test(report) &&
        new RegExp(`${key} \\(line \\d+\\): not applied \\(unchecked\\)`).test(report) &&
        !Object.values(imports).some((v) => report.includes(v)), `${applied?.status()} ${report}`);
  await page.screenshot({ path: `${args.shots}/import-page-done.png`, fullPage: true });
  const importWrites = (await writes()).slice(before);
  check('Qovery got the two lines picked, each with its value',
        importWrites.length === 2 && importWrites.some((r) => r.body?.key === 'IMPORT_NEW_KEY' &&
          r.body?.value === imports.IMPORT_NEW_KEY) &&
        importWrites.some((r) => r.path.endsWith('/override') && r.body?.value === imports.DATABASE_PASSWORD),
        short(importWrites.map((r) => r.path)));
  const relisted = await mcp('tools/call', { name: 'list-job-secrets', arguments: { jobId: args.job } });
  check('list-job-secrets shows the imported key',
        relisted?.result?.structuredContent?.results?.some((s) => s.key === 'IMPORT_NEW_KEY' && s.scope === 'JOB'));
  check('no MCP answer carried an imported value',
        !Object.values(imports).some((v) => JSON.stringify([imported, relisted]).includes(v)));
  check('no CSP violation or script error on any page', problems.length === 0, short(problems));
} finally {
  await browser.close();
}

console.log(`[entry-page] ${passes} passed, ${failures} failed; screenshots in ${args.shots}`);
process.exit(failures === 0 ? 0 : 1);
