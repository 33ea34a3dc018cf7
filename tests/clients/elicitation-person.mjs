// What sdk-elicitation.mjs (SDK v1, 2025-11-25) and sdk-v2-elicitation.mjs
// (SDK v2, 2026-07-28) share: their command line, one line per check,
// fake-qovery's record, and the person who opens a URL elicitation in Debian's
// chromium (headless, driven by playwright-core) and types the value there.
//
//   node sdk[-v2]-elicitation.mjs --http URL --fake FAKE_URL --job JOB_ID --log SERVER_LOG
//   node sdk[-v2]-elicitation.mjs --server BIN --ca-file CA --fake FAKE_URL --job JOB_ID --log SERVER_LOG
//     (NODE_EXTRA_CA_CERTS: the test CA, to read fake-qovery's record; with
//      --server, QOVERY_API_KEY: fake-qovery's key, for the server it spawns)
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

export const { values: args } = parseArgs({
  options: {
    http: { type: 'string' },
    server: { type: 'string' },
    'ca-file': { type: 'string' },
    fake: { type: 'string' },
    job: { type: 'string' },
    log: { type: 'string' },
  },
});

/**
 * The client's transport to the server: streamable HTTP to --http, or else
 * the --server binary spawned with --stdio (pointed at fake-qovery, a 10 s
 * link as over HTTP), its stderr written to --log; built with the SDK's
 * transport classes `{ Http, Stdio }` (v1's or v2's).
 */
export function serverTransport({ Http, Stdio }) {
  if (args.http) return new Http(new URL(args.http));
  writeFileSync(args.log, '');
  const transport = new Stdio({
    command: args.server,
    args: ['--stdio', '--api-url', args.fake, '--ca-file', args['ca-file'], '--log-level', 'debug',
           '--entry-link-ttl', '10'],
    env: { PATH: process.env.PATH, QOVERY_API_KEY: process.env.QOVERY_API_KEY },
    stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => appendFileSync(args.log, chunk));
  return transport;
}
export const kJobSecretId = '55555555-5555-4555-8555-555555555555'; // JOB_SIGNING_KEY, seeded by fake-qovery
export const short = (thing) => JSON.stringify(thing)?.slice(0, 400);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What fake-qovery was asked to change (every request but the GETs), in order. */
export async function writes() {
  const recorded = await (await fetch(`${args.fake}/_fake/requests`)).json();
  return recorded.filter((request) => request.method !== 'GET');
}

/**
 * Records every MCP message `transport` carries: `sent` from now on,
 * `received` once `listen()` is called after connect (where the client sets
 * the transport's onmessage).
 */
export function recordMessages(transport) {
  const wire = { sent: [], received: [] };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    wire.sent.push(message);
    return send(message, options);
  };
  wire.listen = () => {
    const handler = transport.onmessage;
    transport.onmessage = (message, extra) => {
      wire.received.push(message);
      handler?.(message, extra);
    };
  };
  return wire;
}

/**
 * Launches chromium and returns the test's `check(name, ok, detail)` (one line
 * prefixed with `label`), `person` and `finish()` (closes the browser, prints
 * the count, exits 1 if any check failed) and `checkTranscript(wire)` (the
 * value is in no message `recordMessages` recorded nor in the server's log,
 * and the record holds the elicitation). `person.typeValue(url)` waits four
 * seconds (longer than a short request timeout: the call must wait for the
 * person), opens `url`, checks that the page names `key` and the job, types
 * `value` and submits; `person.submitting` is true from the moment it clicks.
 * Exits 1 at once if Debian's chromium is missing.
 */
export async function elicitationTest(label, { key, value }) {
  let failures = 0;
  let passes = 0;
  const check = (name, ok, detail = '') => {
    if (ok) passes++;
    else failures++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} [${label}] ${name}${!ok && detail ? `: ${detail}` : ''}`);
  };
  const browser = await launchChromium(label);
  const person = {
    submitting: false,
    async typeValue(url) {
      await sleep(4000);
      const page = await browser.newPage();
      await page.goto(url);
      const body = await page.textContent('body');
      check('the page names the key and the job', body.includes(key) && body.includes(args.job), body);
      await page.fill('#value', value);
      person.submitting = true;
      const [done] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      check('the page shows the outcome without the value',
            done?.status() === 200 && !(await page.textContent('body')).includes(value), `${done?.status()}`);
    },
  };
  const checkTranscript = (wire) => {
    const transcript = JSON.stringify([wire.sent, wire.received]) + readFileSync(args.log, 'utf8');
    check('no MCP message and no server log line carries the value', !transcript.includes(value));
    check('the transcript holds the elicitation (it was recorded)', transcript.includes('elicitation/create'));
    if (args.server)
      check('the server spoke over stdio (its log says so)', transcript.includes('serving MCP on stdin/stdout'));
  };
  const finish = async () => {
    await browser.close();
    console.log(`[${label}] ${passes} passed, ${failures} failed`);
    process.exit(failures === 0 ? 0 : 1);
  };
  return { check, person, checkTranscript, finish };
}
