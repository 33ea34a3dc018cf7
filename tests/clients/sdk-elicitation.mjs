// The official TypeScript SDK's Client (v1) with an elicitation handler, as
// a client that declares URL and form elicitation (MCP 2025-11-25): the
// person it plays opens each URL elicitation in Debian's chromium (headless,
// driven by playwright-core) and types the value there, and confirms a
// delete in the form. One line per check; exits 1 if any check failed.
//
//   node sdk-elicitation.mjs --http URL --fake FAKE_URL --job JOB_ID --log SERVER_LOG
//     (NODE_EXTRA_CA_CERTS: the test CA, to read fake-qovery's record)
//
// add-secret-job without a value: the server sends elicitation/create (url)
// during the call, the browser submits the value on the page, and the call
// completes with the secret; the value is in no MCP message (a transport
// that records every message both ways) and in no line of the server's log.
// The client's request timeout is shorter than the person takes, and is
// reset by the server's progress notifications. delete-secret-job asks
// (form mode) and deletes on a yes.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const { values: args } = parseArgs({
  options: {
    http: { type: 'string' },
    fake: { type: 'string' },
    job: { type: 'string' },
    log: { type: 'string' },
  },
});
const key = 'SDK_ELICITED_KEY';
const value = 'sdk-elicited-value-7a31c9';
const kJobSecretId = '55555555-5555-4555-8555-555555555555';

let failures = 0;
let passes = 0;
const check = (name, ok, detail = '') => {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} [sdk-elicitation] ${name}${!ok && detail ? `: ${detail}` : ''}`);
};
const short = (thing) => JSON.stringify(thing)?.slice(0, 400);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function writes() {
  const recorded = await (await fetch(`${args.fake}/_fake/requests`)).json();
  return recorded.filter((request) => request.method !== 'GET');
}

const executablePath = '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.log(`FAIL [sdk-elicitation] no ${executablePath}: install Debian's chromium (tools/bootstrap does)`);
  process.exit(1);
}
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath,
  headless: true,
  chromiumSandbox: false, // root in a container: Chromium's sandbox needs user namespaces
  args: ['--no-sandbox', '--no-proxy-server'],
});

/** The person: opens `url` after a while, types the value and submits it. */
async function typeValue(url) {
  await sleep(4000); // longer than the client's request timeout below
  const page = await browser.newPage();
  await page.goto(url);
  const body = await page.textContent('body');
  check('the page names the key and the job', body.includes(key) && body.includes(args.job), body);
  await page.fill('#value', value);
  const [done] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check('the page shows the outcome without the value',
        done?.status() === 200 && !(await page.textContent('body')).includes(value), `${done?.status()}`);
}

// Every MCP message both ways, as the transport carries it.
const messages = [];
const transport = new StreamableHTTPClientTransport(new URL(args.http));
const send = transport.send.bind(transport);
transport.send = (message, options) => {
  messages.push(message);
  return send(message, options);
};
const client = new Client({ name: 'sdk-elicitation-test', version: '1' },
                          { capabilities: { elicitation: { url: {}, form: {} } } });
const received = [];
const onmessage = () => {
  const handler = transport.onmessage;
  transport.onmessage = (message, extra) => {
    received.push(message);
    handler?.(message, extra);
  };
};

const asked = [];
const completed = [];
let person = Promise.resolve();
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  asked.push(request.params);
  if (request.params.mode === 'url') {
    person = typeValue(request.params.url).catch((error) => check('the person typed the value', false, `${error}`));
    return { action: 'accept' }; // consent to open the URL, not the outcome
  }
  return { action: 'accept', content: { confirm: true } };
});
client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
  completed.push(notification.params.elicitationId);
});

try {
  await client.connect(transport);
  onmessage();
  let progress = 0;
  const result = await client.callTool({ name: 'add-secret-job', arguments: { jobId: args.job, body: { key } } },
                                       undefined,
                                       { timeout: 2500, resetTimeoutOnProgress: true, maxTotalTimeout: 60000,
                                         onprogress: () => { progress++; } });
  await person;
  check('the server asked with a URL elicitation naming the key',
        asked.length === 1 && asked[0].mode === 'url' && asked[0].message.includes(key), short(asked));
  check('the call completed with the secret (no error)',
        result.isError !== true && result.structuredContent?.key === key && result.structuredContent?.scope === 'JOB',
        short(result));
  check('progress reset the 2.5 s request timeout while the person typed', progress >= 2, `${progress}`);
  check('notifications/elicitation/complete named the elicitation',
        completed.length === 1 && completed[0] === asked[0].elicitationId, short(completed));
  const sent = await writes();
  check('Qovery got the value from the page', sent.length === 1 && sent[0].body?.value === value,
        short(sent.map((r) => r.path)));

  const deleted = await client.callTool({ name: 'delete-secret-job',
                                          arguments: { jobId: args.job, secretId: kJobSecretId } });
  check('delete-secret-job asked the person (form) and deleted on their yes',
        asked.length === 2 && asked[1].mode !== 'url' && asked[1].message.includes('JOB_SIGNING_KEY') &&
        deleted.isError !== true && (await writes()).some((r) => r.method === 'DELETE'), short([asked[1], deleted]));

  const transcript = JSON.stringify([messages, received]) + readFileSync(args.log, 'utf8');
  check('no MCP message and no server log line carries the value', !transcript.includes(value));
  check('the transcript holds the elicitation (it was recorded)', transcript.includes('elicitation/create'));
} catch (error) {
  check('the client ran', false, `${error?.stack ?? error}`);
} finally {
  await client.close().catch(() => {});
  await browser.close();
}

console.log(`[sdk-elicitation] ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
