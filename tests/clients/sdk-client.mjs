// The official TypeScript SDK's Client against qovery-job-secret-mcp, over
// streamable HTTP or stdio, with the server pointed at fake-qovery over HTTPS.
// One line per check; exits 1 if any check failed.
//
//   node sdk-client.mjs --http URL --fake FAKE_URL --job JOB_ID
//   node sdk-client.mjs --stdio SERVER_BIN --ca-file CA --fake FAKE_URL --job JOB_ID
//     (QOVERY_API_KEY in the environment is handed to the spawned server)
//
// NODE_EXTRA_CA_CERTS must name the test CA, to read fake-qovery's record of
// the requests it received.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { parseArgs } from 'node:util';
import { typeOnPage } from './person.mjs';

const { values: args } = parseArgs({
  options: {
    http: { type: 'string' },
    stdio: { type: 'string' },
    'ca-file': { type: 'string' },
    fake: { type: 'string' },
    job: { type: 'string' },
  },
});
const mode = args.http ? 'http' : 'stdio';
const jobId = args.job;
const kProjectSecretId = '22222222-2222-4222-8222-222222222222';
const kEnvironmentSecretId = '33333333-3333-4333-8333-333333333333';
const kBuiltInSecretId = '44444444-4444-4444-8444-444444444444';
const kJobSecretId = '55555555-5555-4555-8555-555555555555';
const kUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let failures = 0;
let passes = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passes++;
    console.log(`ok   [sdk ${mode}] ${name}`);
  } else {
    failures++;
    console.log(`FAIL [sdk ${mode}] ${name}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}
/** Runs fn; a throw is a failed check named `name`. Returns fn's value or undefined. */
async function step(name, fn) {
  try {
    return await fn();
  } catch (error) {
    check(name, false, `threw ${error?.stack ?? error}`);
    return undefined;
  }
}
const short = (value) => JSON.stringify(value)?.slice(0, 300);

// fake-qovery's record of what reached "Qovery".
async function upstreamRequests() {
  const response = await fetch(`${args.fake}/_fake/requests`);
  if (!response.ok) throw new Error(`GET /_fake/requests: HTTP ${response.status}`);
  return response.json();
}
async function clearUpstreamRequests() {
  await fetch(`${args.fake}/_fake/requests`, { method: 'DELETE' });
}

// ---- connect ---------------------------------------------------------------
const client = new Client({ name: 'qovery-mcp-sdk-client-test', version: '1.0.0' });
let transport;
let serverProcess; // stdio: the spawned server, to see how it ends
let serverStderr = '';
if (mode === 'http') {
  transport = new StreamableHTTPClientTransport(new URL(args.http));
} else {
  transport = new StdioClientTransport({
    command: args.stdio,
    args: ['--stdio', '--api-url', args.fake, '--ca-file', args['ca-file'], '--rest-port', '0'],
    env: { QOVERY_API_KEY: process.env.QOVERY_API_KEY ?? '' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => (serverStderr += chunk));
}

const connected = await step('connect (initialize + initialized)', async () => {
  await client.connect(transport);
  return true;
});
if (!connected) {
  if (serverStderr) console.log(`server stderr:\n${serverStderr}`);
  process.exit(1);
}
if (mode === 'stdio') {
  serverProcess = transport._process; // the SDK keeps the ChildProcess here
  check('stdio: the SDK spawned the server', serverProcess?.pid > 0);
}
const info = client.getServerVersion();
check('serverInfo.name is qovery-job-secret-mcp', info?.name === 'qovery-job-secret-mcp', short(info));
const capabilities = client.getServerCapabilities();
check('capabilities include tools and logging', !!capabilities?.tools && !!capabilities?.logging, short(capabilities));
if (mode === 'http') {
  check(`negotiated protocol version is ${LATEST_PROTOCOL_VERSION}`,
        transport.protocolVersion === LATEST_PROTOCOL_VERSION, transport.protocolVersion);
  check('HTTP: the server assigned an Mcp-Session-Id', /^[\x21-\x7e]{16,}$/.test(transport.sessionId ?? ''),
        transport.sessionId);
}
await step('ping answers {}', async () => {
  check('ping answers {}', short(await client.ping()) === '{}');
});
await step('logging/setLevel answers {}', async () => {
  check('logging/setLevel answers {}', short(await client.setLoggingLevel('warning')) === '{}');
});

// ---- tools/list ------------------------------------------------------------
const expectedTools = {
  'list-job-secrets': { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  'add-secret-job': { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  'delete-secret-job': { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  'edit-secret-belonging-job': { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  'create-secret-alias-job-level': { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  'create-secret-override-job-level': { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  // The server's own: a link to the .env import page; it can replace values.
  'import-job-secrets-from-dotenv': { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
};
const listed = await step('tools/list', () => client.listTools());
const tools = listed?.tools ?? [];
check('tools/list: exactly the six job-secret tools and the .env import',
      JSON.stringify(tools.map((t) => t.name).sort()) === JSON.stringify(Object.keys(expectedTools).sort()),
      short(tools.map((t) => t.name)));
check('tools/list: no nextCursor (one page)', listed?.nextCursor === undefined, short(listed?.nextCursor));
for (const tool of tools) {
  const hints = expectedTools[tool.name] ?? {};
  const annotations = tool.annotations ?? {};
  check(`${tool.name}: title, description, object inputSchema with required jobId`,
        !!tool.title && !!tool.description && tool.inputSchema?.type === 'object' &&
          (tool.inputSchema.required ?? []).includes('jobId'));
  check(`${tool.name}: annotations match the capability's hints`,
        Object.entries(hints).every(([k, v]) => annotations[k] === v) && annotations.openWorldHint === true,
        short(annotations));
  // The SDK compiled the outputSchema (Ajv) and will validate every
  // structuredContent of this tool against it in callTool.
  const validator = client.getToolOutputValidator(tool.name);
  check(`${tool.name}: the SDK holds an outputSchema validator`, typeof validator === 'function');
  if (validator) {
    const bogus = validator({ unexpected: 'shape', results: 'not-an-array', deleted: 'no' });
    check(`${tool.name}: that validator rejects a non-conforming structuredContent`, bogus.valid === false);
  }
}

// ---- every tool, against fake-qovery over HTTPS ----------------------------
await clearUpstreamRequests().catch(() => {});
// callTool throws McpError if structuredContent is missing or breaks the
// tool's outputSchema; a returned result has passed that validation.
async function call(name, toolArgs) {
  const result = await step(`${name}: call`, () => client.callTool({ name, arguments: toolArgs }));
  if (!result) return undefined;
  check(`${name}: succeeds (no isError) and structuredContent passed the SDK's outputSchema validation`,
        result.isError !== true && typeof result.structuredContent === 'object',
        short(result.content));
  const text = result.content?.find((block) => block.type === 'text')?.text;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  check(`${name}: the text block is the same JSON as structuredContent`,
        parsed !== undefined && JSON.stringify(parsed) === JSON.stringify(result.structuredContent));
  return result.structuredContent;
}
const noValue = (secret) => secret && !('value' in secret);

const list = await call('list-job-secrets', { jobId });
const results = list?.results ?? [];
const byId = Object.fromEntries(results.map((s) => [s.id, s]));
check('list-job-secrets: the seeded secrets with their keys and scopes',
      byId[kProjectSecretId]?.key === 'DATABASE_PASSWORD' && byId[kProjectSecretId]?.scope === 'PROJECT' &&
        byId[kEnvironmentSecretId]?.key === 'STRIPE_API_KEY' && byId[kEnvironmentSecretId]?.scope === 'ENVIRONMENT' &&
        byId[kBuiltInSecretId]?.scope === 'BUILT_IN' &&
        byId[kJobSecretId]?.key === 'JOB_SIGNING_KEY' && byId[kJobSecretId]?.scope === 'JOB',
      short(results.map((s) => [s.key, s.scope])));
check('list-job-secrets: no secret carries a value', results.length > 0 && results.every(noValue));

const key = `SDK_${mode.toUpperCase()}_TOKEN`;
const added = await call('add-secret-job', { jobId, body: { key, value: 'sdk-value-1', description: 'added by the SDK test' } });
check('add-secret-job: a JOB-scope VALUE secret with the key, a UUID id, no value',
      added?.key === key && added?.scope === 'JOB' && kUuid.test(added?.id ?? '') && noValue(added), short(added));
const newId = added?.id;

const edited = await call('edit-secret-belonging-job',
                          { jobId, secretId: newId, body: { key, value: 'sdk-value-2', description: 'edited' } });
check('edit-secret-belonging-job: same id, new description, no value',
      edited?.id === newId && edited?.description === 'edited' && noValue(edited), short(edited));

const alias = await call('create-secret-alias-job-level',
                         { jobId, secretId: kProjectSecretId, body: { key: `${key}_DB_ALIAS` } });
check('create-secret-alias-job-level: an ALIAS of the PROJECT secret',
      alias?.variable_type === 'ALIAS' && alias?.key === `${key}_DB_ALIAS` &&
        alias?.aliased_secret?.id === kProjectSecretId && alias?.scope === 'JOB', short(alias));

const override = await call('create-secret-override-job-level',
                            { jobId, secretId: kEnvironmentSecretId, body: { value: 'sk_test_sdk' } });
check('create-secret-override-job-level: an OVERRIDE of the ENVIRONMENT secret, same key',
      override?.variable_type === 'OVERRIDE' && override?.key === 'STRIPE_API_KEY' &&
        override?.overridden_secret?.id === kEnvironmentSecretId && noValue(override), short(override));

const deleted = await call('delete-secret-job', { jobId, secretId: newId });
check('delete-secret-job: {deleted: true, jobId, secretId}',
      JSON.stringify(deleted) === JSON.stringify({ deleted: true, jobId, secretId: newId }), short(deleted));

const after = await call('list-job-secrets', { jobId });
const keysAfter = (after?.results ?? []).map((s) => s.key);
check('list-job-secrets after the changes: the alias and override are there, the deleted secret is not',
      keysAfter.includes(`${key}_DB_ALIAS`) && !keysAfter.includes(key) &&
        (after?.results ?? []).some((s) => s.variable_type === 'OVERRIDE' && s.key === 'STRIPE_API_KEY'),
      short(keysAfter));

await step('fake-qovery received the calls', async () => {
  const requests = await upstreamRequests();
  const job = `/job/${jobId}/secret`;
  const expected = [
    ['GET', job], ['POST', job], ['PUT', `${job}/${newId}`], ['POST', `${job}/${kProjectSecretId}/alias`],
    ['POST', `${job}/${kEnvironmentSecretId}/override`], ['DELETE', `${job}/${newId}`], ['GET', job],
  ];
  check('fake-qovery received the seven calls, in order, each authorized with "Token <key>"',
        requests.length === expected.length &&
          expected.every(([method, path], i) => requests[i].method === method && requests[i].path === path &&
                                                requests[i].auth_scheme === 'Token' && requests[i].authorized === true),
        short(requests.map((r) => [r.method, r.path, r.auth_scheme, r.authorized])));
});

// ---- errors ----------------------------------------------------------------
await clearUpstreamRequests().catch(() => {});
const badJob = await step('bad jobId: call', () => client.callTool({ name: 'list-job-secrets', arguments: { jobId: 'abc' } }));
const badJobText = badJob?.content?.map((block) => block.text ?? '').join('\n') ?? '';
check('bad jobId: a tool error (isError: true) naming the argument jobId',
      badJob?.isError === true && badJobText.includes('jobId'), short(badJob));
const noBody = await step('missing body: call', () => client.callTool({ name: 'add-secret-job', arguments: { jobId } }));
const noBodyText = noBody?.content?.map((block) => block.text ?? '').join('\n') ?? '';
check('missing body: a tool error naming the argument body',
      noBody?.isError === true && noBodyText.includes('body'), short(noBody));
// Without body.value, the server answers with a link to its value-entry page
// (over stdio, on a loopback port of its own): callTool checks that answer
// against the tool's outputSchema too.
const pending = await step('add-secret-job without a value: call', () =>
  client.callTool({ name: 'add-secret-job', arguments: { jobId, body: { key: 'TYPED_BY_PERSON' } } }));
check('add-secret-job without a value: a link (structuredContent awaiting_value) that passed the ' +
      "SDK's outputSchema validation",
      pending?.isError !== true && pending?.structuredContent?.status === 'awaiting_value' &&
        /\/entry\/[0-9a-f]{32}$/.test(pending?.structuredContent?.link ?? ''), short(pending));
await step('invalid arguments reach no upstream', async () => {
  const requests = await upstreamRequests();
  check('invalid arguments and value-less calls never reached fake-qovery', requests.length === 0,
        short(requests));
});
await step('the person types the value on the page', async () => {
  await typeOnPage(pending?.content?.[0]?.text, 'typed-by-person-3b9e');
  const requests = await upstreamRequests();
  check('the value typed on the page reached fake-qovery, once, from the page',
        requests.length === 1 && requests[0].method === 'POST' && requests[0].body?.key === 'TYPED_BY_PERSON' &&
          requests[0].body?.value === 'typed-by-person-3b9e', short(requests.map((r) => [r.method, r.body?.key])));
  await clearUpstreamRequests();
});
const notFound = await step('unknown job: call', () =>
  client.callTool({ name: 'list-job-secrets', arguments: { jobId: '99999999-9999-4999-8999-999999999999' } }));
check("unknown job: Qovery's 404 comes back as a tool error", notFound?.isError === true, short(notFound));

let unknownError;
try {
  await client.callTool({ name: 'no-such-tool', arguments: {} });
} catch (error) {
  unknownError = error;
}
check('unknown tool: JSON-RPC error -32602 (InvalidParams)',
      unknownError instanceof McpError && unknownError.code === ErrorCode.InvalidParams && unknownError.code === -32602,
      `${unknownError?.code} ${unknownError?.message}`);

// ---- close -----------------------------------------------------------------
if (mode === 'http') {
  const sessionId = transport.sessionId;
  await step('terminateSession (DELETE /mcp)', async () => {
    await transport.terminateSession();
    check('terminateSession (DELETE /mcp) accepted', transport.sessionId === undefined);
  });
  // The SDK also accepts 405 for DELETE; make sure the session really ended.
  await step('the ended session is unknown', async () => {
    const response = await fetch(args.http, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Session-Id': sessionId,
        'MCP-Protocol-Version': LATEST_PROTOCOL_VERSION,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' }),
    });
    check('after DELETE, the old Mcp-Session-Id gets 404', response.status === 404, `HTTP ${response.status}`);
  });
  await step('client.close', () => client.close());
} else {
  const exited = new Promise((resolve) => {
    if (serverProcess.exitCode !== null || serverProcess.signalCode !== null)
      resolve({ code: serverProcess.exitCode, signal: serverProcess.signalCode });
    serverProcess.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // close() ends the server's stdin, waits up to 2 s for it to exit, then
  // sends SIGTERM (and SIGKILL): record whether it had to.
  const signalsSent = [];
  const kill = serverProcess.kill.bind(serverProcess);
  serverProcess.kill = (signal) => {
    signalsSent.push(signal);
    return kill(signal);
  };
  await step('client.close', () => client.close());
  const { code, signal } = await exited;
  check('stdio: the server exits with status 0 when its stdin closes, without being signalled',
        code === 0 && signal === null && signalsSent.length === 0,
        `code ${code}, signal ${signal}, signals sent by the SDK: ${signalsSent.join(', ') || 'none'}`);
  const secrets = ['sdk-value-1', 'sdk-value-2', 'sk_test_sdk', process.env.QOVERY_API_KEY].filter(Boolean);
  check("stdio: the server's stderr shows neither the API key nor any secret value",
        secrets.every((secret) => !serverStderr.includes(secret)));
}

console.log(`sdk ${mode}: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
