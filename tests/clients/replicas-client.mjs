// Three --stateless replicas behind nginx (examples/nginx-replicas.conf, round
// robin, no session affinity), over one fake-qovery: the SDK v1 client (the
// 2025-11-25 era, with a session that every replica serves), the SDK v2 client
// pinned to 2026-07-28, and the Inspector CLI with --protocol-era modern each
// list the tools and call all six; a value-entry page is used once through
// nginx's hash of its link; then a load run of LOAD_CALLS calls of both
// eras, from several sessions, that must all succeed and must reach every
// replica (counted in their debug logs). One line per check; exits 1 if any failed.
//
// Run by run-client.sh replicas with framework-test.mjs's arguments (--url is
// nginx's https://.../mcp), NODE_EXTRA_CA_CERTS (nginx and fake-qovery use the
// test CA), npm_dir (where the Inspector is installed), LOAD_CALLS, and
// REPLICA_LOGS: the replicas' stderr files, colon-separated.
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { args, harness, jobId, kToolNames, short, upstreamRequests } from './framework-test.mjs';

const t = harness('replicas');
const kProjectSecretId = '22222222-2222-4222-8222-222222222222';
const kEnvironmentSecretId = '33333333-3333-4333-8333-333333333333';
const kModern = '2026-07-28';
const loadCalls = Number(process.env.LOAD_CALLS ?? 3000);
const replicaLogs = (process.env.REPLICA_LOGS ?? '').split(':').filter(Boolean);
const callLines = (log) => readFileSync(log, 'utf8').split('\n').filter((line) => line.includes(': debug: call ')).length;

/**
 * Lists the tools and calls all six through `client` ({ listTools(), callTool(name, args) }):
 * list, add, edit, alias, override, then delete what it made, leaving Qovery as it found it.
 */
async function listAndCallEveryTool(label, client) {
  const listed = await t.step(`${label}: tools/list`, () => client.listTools());
  t.check(`${label}: tools/list gives the seven tools`,
          JSON.stringify((listed?.tools ?? []).map((tool) => tool.name).sort()) === JSON.stringify(kToolNames),
          short(listed?.tools?.map((tool) => tool.name)));
  const called = new Set();
  const call = async (name, toolArgs) => {
    const result = await t.step(`${label}: ${name}`, () => client.callTool(name, toolArgs));
    if (t.check(`${label}: ${name} succeeds with structuredContent`,
                result?.isError !== true && typeof result?.structuredContent === 'object', short(result)))
      called.add(name);
    return result?.structuredContent;
  };
  const key = `REPLICAS_${label.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  const list = await call('list-job-secrets', { jobId });
  t.check(`${label}: list-job-secrets lists the seeded secrets`, (list?.results ?? []).length >= 4, short(list));
  const added = await call('add-secret-job', { jobId, body: { key, value: `${key}-value-1` } });
  await call('edit-secret-belonging-job', { jobId, secretId: added?.id, body: { key, value: `${key}-value-2`, description: 'edited' } });
  const alias = await call('create-secret-alias-job-level', { jobId, secretId: kProjectSecretId, body: { key: `${key}_ALIAS` } });
  const override = await call('create-secret-override-job-level', { jobId, secretId: kEnvironmentSecretId, body: { value: `${key}-override` } });
  for (const made of [override, alias, added])
    await call('delete-secret-job', { jobId, secretId: made?.id });
  t.check(`${label}: all six tools called`, called.size === 6, short([...called]));
}

// ---- SDK v1, 2025-11-25 with a session ------------------------------------
{
  const client = new ClientV1({ name: 'replicas-sdk-v1', version: '1.0.0' });
  const transport = new TransportV1(new URL(args.url));
  if (await t.step('sdk v1: connect', async () => (await client.connect(transport), true))) {
    t.check('sdk v1: a 2025-11-25 session, its id signed by a replica',
            transport.protocolVersion === '2025-11-25' && /^s1\.2025-11-25\./.test(transport.sessionId ?? ''),
            `${transport.protocolVersion} ${transport.sessionId}`);
    await listAndCallEveryTool('sdk v1', {
      listTools: () => client.listTools(),
      callTool: (name, toolArgs) => client.callTool({ name, arguments: toolArgs }),
    });
    // The session's name (the id's third field) labels its calls in the replicas' logs.
    const label = `session=${(transport.sessionId ?? '').split('.')[2]?.slice(0, 8)} `;
    const servedBy = replicaLogs.filter((log) => readFileSync(log, 'utf8').includes(label)).length;
    t.check('sdk v1: its one session was served by more than one replica', servedBy >= 2, `${servedBy} replica(s)`);
    await t.step('sdk v1: close (DELETE gets 405, which the SDK takes as fine)', async () => {
      await transport.terminateSession();
      await client.close();
      return true;
    });
  }
}

// ---- SDK v2, pinned to 2026-07-28 -----------------------------------------
{
  const client = new Client({ name: 'replicas-sdk-v2', version: '1.0.0' },
                            { versionNegotiation: { mode: { pin: kModern } } });
  const transport = new StreamableHTTPClientTransport(new URL(args.url));
  if (await t.step('sdk v2 pinned: connect', async () => (await client.connect(transport), true))) {
    t.check(`sdk v2 pinned: the modern era, ${kModern}, with no session`,
            client.getProtocolEra() === 'modern' && client.getNegotiatedProtocolVersion() === kModern && !transport.sessionId,
            `${client.getProtocolEra()} ${client.getNegotiatedProtocolVersion()} ${transport.sessionId}`);
    await listAndCallEveryTool('sdk v2 pinned', {
      listTools: () => client.listTools(),
      callTool: (name, toolArgs) => client.callTool({ name, arguments: toolArgs }),
    });
    await t.step('sdk v2 pinned: close', async () => (await client.close(), true));
  }
}

// ---- Inspector CLI, --protocol-era modern ---------------------------------
{
  const inspector = (...cliArgs) => {
    const run = spawnSync('npx', ['--no-install', '@modelcontextprotocol/inspector', '--cli', args.url,
                                  '--protocol-era', 'modern', ...cliArgs],
                          { cwd: process.env.npm_dir, encoding: 'utf8', timeout: 60000 });
    if (run.status !== 0) throw new Error(`inspector exited ${run.status} (${run.signal}): ${run.stderr?.slice(-1500)}`);
    return JSON.parse(run.stdout);
  };
  const toolArgs = (values) => Object.entries(values).flatMap(([name, value]) =>
    ['--tool-arg', `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`]);
  await listAndCallEveryTool('inspector modern', {
    listTools: async () => inspector('--method', 'tools/list'),
    callTool: async (name, values) => inspector('--method', 'tools/call', '--tool-name', name, ...toolArgs(values)),
  });
}

// ---- a value-entry page through nginx -------------------------------------
// A value-less add (SDK v1, no elicitation declared: the link flow) opens a
// sealed link on some replica; the person's requests reach the one nginx's
// hash of the link picks, which serves it once: the value is sent once, and
// every later submission is refused there (410), never made on another.
{
  const client = new ClientV1({ name: 'replicas-page', version: '1.0.0' });
  const transport = new TransportV1(new URL(args.url));
  if (await t.step('page: connect', async () => (await client.connect(transport), true))) {
    const key = 'REPLICAS_PAGE';
    const result = await t.step('page: add-secret-job without a value',
                                () => client.callTool({ name: 'add-secret-job', arguments: { jobId, body: { key } } }));
    const origin = new URL(args.url).origin;
    const link = result?.structuredContent?.link ?? '';
    t.check('page: the link flow, a link of the public URL (nginx)', result?.isError !== true &&
            result?.structuredContent?.status === 'awaiting_value' && link.startsWith(`${origin}/entry/`), short(result));
    const person = { Origin: origin, 'Sec-Fetch-Site': 'same-origin' };
    const page = await t.step('page: the person opens it', async () => {
      const response = await fetch(link);
      return { status: response.status, body: await response.text() };
    });
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page?.body ?? '')?.[1];
    t.check('page: it is served, with its form', page?.status === 200 && !!csrf && page.body.includes(key), `${page?.status}`);
    const submit = async (value) => {
      const response = await fetch(link, {
        method: 'POST', redirect: 'manual',
        headers: { ...person, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, value }).toString(),
      });
      await response.text();
      return response.status;
    };
    const first = await t.step('page: the value submitted', () => submit('replicas-page-value'));
    t.check('page: the value was taken', first === 200, `${first}`);
    const again = [];
    for (let i = 0; i < 6; i++) again.push(await submit(`replicas-page-again-${i}`));
    t.check('page: each later submission is refused as a used link (410), on whichever request',
            again.every((status) => status === 410), short(again));
    const posts = (await upstreamRequests()).filter((request) => request.method === 'POST' &&
                                                                 JSON.stringify(request).includes(key));
    t.check('page: Qovery got the value once', posts.length === 1, `${posts.length} POST(s)`);
    const listed = await client.callTool({ name: 'list-job-secrets', arguments: { jobId } });
    const made = (listed?.structuredContent?.results ?? []).find((secret) => secret.key === key);
    if (made) await client.callTool({ name: 'delete-secret-job', arguments: { jobId, secretId: made.id } });
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

// ---- load: both eras, several sessions, every replica -----------------------
const kAccept = 'application/json, text/event-stream';
async function post(body, headers) {
  const response = await fetch(args.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: kAccept, ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}
const sessions = [];
for (let i = 0; i < 4; i++) {
  const init = await post({
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `replicas-load-${i}`, version: '1' } },
  }, {});
  const id = init.headers.get('mcp-session-id');
  if (!t.check(`load: session ${i} initialized`, init.status === 200 && !!id, `${init.status} ${init.text.slice(0, 300)}`)) continue;
  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' },
                                 { 'Mcp-Session-Id': id, 'MCP-Protocol-Version': '2025-11-25' });
  t.check(`load: session ${i} notifications/initialized accepted`, initialized.status === 202, `${initialized.status}`);
  sessions.push(id);
}
const failures = [];
let next = 0;
async function worker() {
  while (next < loadCalls) {
    const n = next++;
    const modern = n % 2 === 1;
    const params = { name: 'list-job-secrets', arguments: { jobId } };
    let headers;
    if (modern) {
      params._meta = { 'io.modelcontextprotocol/protocolVersion': kModern, 'io.modelcontextprotocol/clientCapabilities': {} };
      headers = { 'MCP-Protocol-Version': kModern, 'Mcp-Method': 'tools/call', 'Mcp-Name': 'list-job-secrets' };
    } else {
      headers = { 'Mcp-Session-Id': sessions[n % sessions.length], 'MCP-Protocol-Version': '2025-11-25' };
    }
    try {
      const reply = await post({ jsonrpc: '2.0', id: n, method: 'tools/call', params }, headers);
      const result = JSON.parse(reply.text).result;
      const ok = reply.status === 200 && result?.isError !== true && Array.isArray(result?.structuredContent?.results) &&
        (!modern || result.resultType === 'complete');
      if (!ok) failures.push(`call ${n} (${modern ? 'modern' : 'session'}): HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
    } catch (error) {
      failures.push(`call ${n}: ${error}`);
    }
  }
}
const callsBefore = replicaLogs.map(callLines);
const started = Date.now();
if (sessions.length > 0) await Promise.all(Array.from({ length: 16 }, worker));
const seconds = (Date.now() - started) / 1000;
console.log(`[replicas] load: ${loadCalls} calls in ${seconds.toFixed(1)} s (${(loadCalls / seconds).toFixed(0)}/s), ` +
            `${failures.length} failed`);
t.check(`load: ${loadCalls} calls of both eras, none failed`, sessions.length === 4 && failures.length === 0,
        short(failures.slice(0, 5)));
const served = replicaLogs.map((log, i) => callLines(log) - callsBefore[i]);
console.log(`[replicas] calls each replica sent to Qovery during the load: ${served.join(', ')}`);
t.check('load: each of the three replicas served some of it',
        served.length === 3 && served.every((count) => count > 0) &&
          served.reduce((sum, count) => sum + count, 0) === loadCalls, short(served));
await t.step('fake-qovery received the load', async () => {
  const requests = await upstreamRequests();
  t.check('fake-qovery received at least the load\'s calls', requests.length >= loadCalls, `${requests.length}`);
});
t.finish();
