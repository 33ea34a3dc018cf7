// A web page in a real browser (Debian's chromium, headless, driven by
// playwright-core) uses the server with fetch(), as a browser-based MCP client
// or web agent does: across origins, so only through CORS. One line per
// check; exits 1 if any check failed.
//
//   node browser-cors.mjs --serve-page
//     serves a blank page on 127.0.0.1 (a free port); prints "page at URL" on stderr
//   node browser-cors.mjs --page-port PORT --mcp URL --rest URL --fake FAKE_URL --job JOB_ID
//     (AUTH_TOKEN in the environment: the server's inbound bearer token;
//      NODE_EXTRA_CA_CERTS: the test CA, to read fake-qovery's record)
//
// The same page is opened from three origins, all on PORT: http://localhost
// (loopback, which the server accepts), http://app.test (accepted only as the
// server's --allowed-origin) and http://evil.test (refused). Chromium resolves
// both .test names to 127.0.0.1 (--host-resolver-rules), so nothing leaves
// the machine. From the accepted origins the page initializes a session
// (reading Mcp-Session-Id, which it sees only when the server exposes it),
// calls list-job-secrets, reads a 401's WWW-Authenticate, ends the session,
// and lists, creates and deletes a secret through the REST API; every request
// but the simple GETs is preflighted. From the refused origin every fetch
// fails, and nothing reaches Qovery.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: args } = parseArgs({
  options: {
    'serve-page': { type: 'boolean' },
    'page-port': { type: 'string' },
    mcp: { type: 'string' },
    rest: { type: 'string' },
    fake: { type: 'string' },
    job: { type: 'string' },
  },
});

if (args['serve-page']) {
  const page = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>browser-cors</title>');
  });
  page.listen(0, '127.0.0.1', () => console.error(`page at http://127.0.0.1:${page.address().port}/`));
} else {
  await drive();
}

/** Runs in the page: what an MCP and REST client does with fetch(). */
async function useServer({ mcp, rest, job, token, key }) {
  const steps = {};
  const attempt = async (name, fn) => {
    try {
      steps[name] = await fn();
    } catch (error) {
      steps[name] = { error: `${error.name}: ${error.message}` };
    }
  };
  const read = async (response) => {
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const mcpHeaders = (session, bearer = token) => ({
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
    Authorization: `Bearer ${bearer}`,
    ...(session ? { 'Mcp-Session-Id': session, 'MCP-Protocol-Version': '2025-11-25' } : {}),
  });
  const post = (message, session, bearer) =>
    fetch(mcp, { method: 'POST', headers: mcpHeaders(session, bearer), body: JSON.stringify(message) });

  await attempt('initialize', async () => {
    const response = await post({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser-cors', version: '1' } },
    });
    return { ...(await read(response)), session: response.headers.get('Mcp-Session-Id') };
  });
  const session = steps.initialize.session;
  await attempt('initialized', async () => read(await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)));
  await attempt('call', async () => read(await post({
    jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list-job-secrets', arguments: { jobId: job } },
  }, session)));
  await attempt('wrong token', async () => {
    const response = await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, session, 'not-the-token');
    return { ...(await read(response)), challenge: response.headers.get('WWW-Authenticate') };
  });
  await attempt('end session', async () => read(await fetch(mcp, { method: 'DELETE', headers: mcpHeaders(session) })));

  const secrets = `${rest}/job/${job}/secret`;
  const bearer = { Authorization: `Bearer ${token}` };
  await attempt('REST list', async () => read(await fetch(secrets, { headers: bearer })));
  await attempt('REST create', async () => read(await fetch(secrets, {
    method: 'POST', headers: { ...bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ key, value: `${key.toLowerCase()}-value-7d1e` }),
  })));
  const id = steps['REST create'].body?.id;
  await attempt('REST delete', async () => read(await fetch(`${secrets}/${id}`, { method: 'DELETE', headers: bearer })));
  await attempt('REST no token', async () => {
    const response = await fetch(secrets);
    return { ...(await read(response)), challenge: response.headers.get('WWW-Authenticate') };
  });
  return steps;
}

async function drive() {
  let failures = 0;
  let passes = 0;
  const check = (name, ok, detail = '') => {
    if (ok) passes++;
    else failures++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} [browser] ${name}${!ok && detail ? `: ${detail}` : ''}`);
  };
  const short = (value) => JSON.stringify(value)?.slice(0, 400);

  const browser = await launchChromium('browser', ['--host-resolver-rules=MAP app.test 127.0.0.1, MAP evil.test 127.0.0.1']);
  try {
    const port = args['page-port'];
    const accepted = [[`http://localhost:${port}`, 'BROWSER_LOOPBACK'], [`http://app.test:${port}`, 'BROWSER_ALLOWED']];
    for (const [origin, key] of accepted) {
      const steps = await run(browser, origin, key);
      const { initialize, initialized, call } = steps;
      check(`${origin}: initialize answers 200`, initialize.status === 200 && initialize.body?.result?.serverInfo, short(initialize));
      check(`${origin}: the page reads Mcp-Session-Id`, typeof initialize.session === 'string' && initialize.session.length > 0,
            short(initialize));
      check(`${origin}: notifications/initialized answers 202`, initialized.status === 202, short(initialized));
      check(`${origin}: list-job-secrets returns the job's secrets`,
            call.status === 200 && !call.body?.result?.isError && call.body?.result?.structuredContent?.results?.length > 0,
            short(call));
      check(`${origin}: a wrong token gets 401, its WWW-Authenticate readable`,
            steps['wrong token'].status === 401 && steps['wrong token'].challenge === 'Bearer error="invalid_token"',
            short(steps['wrong token']));
      check(`${origin}: DELETE ends the session`, steps['end session'].status === 200, short(steps['end session']));
      check(`${origin}: REST lists the secrets`, steps['REST list'].status === 200 && steps['REST list'].body?.results?.length > 0,
            short(steps['REST list']));
      check(`${origin}: REST creates a secret (a preflighted JSON POST)`,
            steps['REST create'].status === 201 && steps['REST create'].body?.key === key, short(steps['REST create']));
      check(`${origin}: REST deletes it (a preflighted DELETE)`, steps['REST delete'].status === 204, short(steps['REST delete']));
      check(`${origin}: REST without a token gets 401, its WWW-Authenticate readable`,
            steps['REST no token'].status === 401 && steps['REST no token'].challenge === 'Bearer', short(steps['REST no token']));
    }

    const before = await upstreamRequests();
    const refused = `http://evil.test:${port}`;
    const steps = await run(browser, refused, 'BROWSER_REFUSED');
    const failed = Object.entries(steps).filter(([, step]) => /^TypeError/.test(step.error ?? ''));
    check(`${refused}: every fetch fails (the server refuses the origin)`, failed.length === Object.keys(steps).length,
          short(steps));
    const after = await upstreamRequests();
    check(`${refused}: nothing reached Qovery`, after.length === before.length, short(after.slice(before.length)));
  } finally {
    await browser.close();
  }
  console.log(`browser-cors: ${passes} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}

/** Opens the page from `origin` in a fresh context and runs useServer() there. */
async function run(browser, origin, key) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const response = await page.goto(`${origin}/`);
    if (response?.status() !== 200) throw new Error(`cannot open ${origin}/: ${response?.status()}`);
    return await page.evaluate(useServer, {
      mcp: args.mcp, rest: args.rest, job: args.job, token: process.env.AUTH_TOKEN, key,
    });
  } finally {
    await context.close();
  }
}

// fake-qovery's record of what reached "Qovery".
async function upstreamRequests() {
  const response = await fetch(`${args.fake}/_fake/requests`);
  if (!response.ok) throw new Error(`GET /_fake/requests: HTTP ${response.status}`);
  return response.json();
}
