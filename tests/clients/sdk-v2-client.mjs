// The official TypeScript SDK v2's client (@modelcontextprotocol/client)
// against qovery-job-secret-mcp, in each of its version negotiation modes
// (legacy: `initialize` 2025-11-25; auto: a server/discover probe, then the era
// it finds; pinned to 2026-07-28), over streamable HTTP and over stdio. In each
// of the six runs: connect, the era and version the client negotiated and what
// it actually sent (initialize or per-request _meta; on HTTP the headers and
// the session), list the six tools, call all six (the SDK validates
// structuredContent against each tool's outputSchema), the server's own error
// text for a bad argument and for Qovery's 404, an unknown tool, what reached
// fake-qovery. Then a server restart in legacy and in auto mode, and the
// programs of examples/sdk-v2.md run as written. No model: the SDK is the
// layer the frameworks build on. One line per check; exits 1 if any failed.
// Arguments: framework-test.mjs.
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  args, checkRestart, clearUpstreamRequests, harness, jobId, kSeededKeys, kToolNames, kUnknownJobId, runExamplePage, short,
  stdioServer, upstreamRequests,
} from './framework-test.mjs';
import { typeOnPage } from './person.mjs';

const t = harness('sdk-v2');
const textOf = (result) => (result?.content ?? []).map((block) => block.text ?? '').join('\n');
const kProjectSecretId = '22222222-2222-4222-8222-222222222222'; // DATABASE_PASSWORD, seeded by fake-qovery
const kEnvironmentSecretId = '33333333-3333-4333-8333-333333333333'; // STRIPE_API_KEY
const kVersionKey = 'io.modelcontextprotocol/protocolVersion';

// `negotiation` is ClientOptions.versionNegotiation; `era` and `version` what
// the client must end up speaking with this server, which serves both eras.
const kModes = [
  { name: 'legacy', negotiation: { mode: 'legacy' }, era: 'legacy', version: '2025-11-25' },
  { name: 'auto', negotiation: { mode: 'auto' }, era: 'modern', version: '2026-07-28' },
  { name: 'pinned', negotiation: { mode: { pin: '2026-07-28' } }, era: 'modern', version: '2026-07-28' },
];

/**
 * A client in `mode` over `transport` ('http' or 'stdio'), with a record of
 * what it sent: `messages`, every JSON-RPC message its transport sent, and on
 * HTTP `posts`, the headers and status of every POST.
 */
function makeClient(mode, transport) {
  const wire = { messages: [], posts: [] };
  const recordingFetch = async (input, init = {}) => {
    const response = await fetch(input, init);
    if (init.method === 'POST') {
      const headers = new Headers(init.headers);
      wire.posts.push({ version: headers.get('mcp-protocol-version'), method: headers.get('mcp-method'),
                        session: headers.get('mcp-session-id'), status: response.status });
    }
    return response;
  };
  const client = new Client({ name: 'qovery-mcp-sdk-v2-test', version: '1.0.0' },
                            { versionNegotiation: mode.negotiation });
  const connection = transport === 'http'
    ? new StreamableHTTPClientTransport(new URL(args.url), { fetch: recordingFetch })
    : new StdioClientTransport({ ...stdioServer(), stderr: 'inherit' });
  const send = connection.send.bind(connection);
  connection.send = (message, options) => (wire.messages.push(message), send(message, options));
  return { client, connection, wire };
}

/** Checks the era and version `client` negotiated, and that what it sent on the wire was that era. */
function checkEra(label, mode, transport, { client, connection, wire }) {
  t.check(`${label}: the client negotiated era ${mode.era}, version ${mode.version}`,
          client.getProtocolEra() === mode.era && client.getNegotiatedProtocolVersion() === mode.version,
          `${client.getProtocolEra()} ${client.getNegotiatedProtocolVersion()}`);
  const requests = wire.messages.filter((message) => message.id !== undefined && message.method);
  const methods = requests.map((message) => message.method);
  const toolRequests = requests.filter((message) => message.method.startsWith('tools/'));
  if (mode.era === 'legacy') {
    t.check(`${label}: on the wire: initialize ${mode.version} first, no request carries a protocol version in _meta`,
            methods[0] === 'initialize' && requests[0].params?.protocolVersion === mode.version &&
              requests.every((message) => message.params?._meta?.[kVersionKey] === undefined), short(methods));
  } else {
    t.check(`${label}: on the wire: no initialize, every request carries ${kVersionKey} = ${mode.version}`,
            !methods.includes('initialize') && toolRequests.length > 0 &&
              requests.every((message) => message.params?._meta?.[kVersionKey] === mode.version), short(methods));
  }
  if (transport !== 'http') return;
  const toolPosts = wire.posts.filter((post) => post.method?.startsWith('tools/'));
  if (mode.era === 'legacy') {
    t.check(`${label}: HTTP: a session, and every POST after initialize carries it and MCP-Protocol-Version ${mode.version}`,
            !!connection.sessionId && wire.posts.length > 2 &&
              wire.posts.slice(1).every((post) => post.session === connection.sessionId && post.version === mode.version),
            short({ session: connection.sessionId, posts: wire.posts }));
  } else {
    t.check(`${label}: HTTP: server/discover answered 200, then every POST carries MCP-Protocol-Version ${mode.version} ` +
              'and Mcp-Method, and no session',
            wire.posts[0]?.method === 'server/discover' && wire.posts[0].status === 200 && toolPosts.length > 0 &&
              wire.posts.every((post) => post.version === mode.version && post.method && !post.session) &&
              connection.sessionId === undefined,
            short({ session: connection.sessionId, posts: wire.posts }));
  }
}

for (const mode of kModes) {
  for (const transport of ['http', 'stdio']) {
    const label = `${mode.name} ${transport}`;
    const key = `SDK_V2_${mode.name.toUpperCase()}_${transport.toUpperCase()}_TOKEN`;
    const value = `sdk-v2-${mode.name}-${transport}-value`;
    await clearUpstreamRequests();
    const made = makeClient(mode, transport);
    const { client } = made;
    if (!await t.step(`${label}: connect`, async () => (await client.connect(made.connection), true))) continue;
    t.check(`${label}: serverInfo.name is qovery-job-secret-mcp`, client.getServerVersion()?.name === 'qovery-job-secret-mcp',
            short(client.getServerVersion()));

    const listed = await t.step(`${label}: tools/list`, () => client.listTools());
    const tools = listed?.tools ?? [];
    t.check(`${label}: the seven tools, each with an input and an output schema`,
            JSON.stringify(tools.map((tool) => tool.name).sort()) === JSON.stringify(kToolNames) &&
              tools.every((tool) => tool.inputSchema?.type === 'object' && tool.outputSchema?.type === 'object'),
            short(tools.map((tool) => tool.name)));

    // callTool throws if structuredContent breaks the tool's outputSchema.
    const call = (name, toolArgs) => t.step(`${label}: ${name}`, () => client.callTool({ name, arguments: toolArgs }));
    const list = await call('list-job-secrets', { jobId });
    const keys = (list?.structuredContent?.results ?? []).map((secret) => secret.key);
    t.check(`${label}: list-job-secrets: structuredContent (valid for the outputSchema) with the seeded keys, none with a value`,
            list?.isError !== true && kSeededKeys.every((seeded) => keys.includes(seeded)) &&
              list.structuredContent.results.every((secret) => !('value' in secret)), short(list));
    t.check(`${label}: list-job-secrets: the text block is the same JSON`,
            JSON.stringify(JSON.parse(textOf(list) || 'null')) === JSON.stringify(list?.structuredContent));
    const added = await call('add-secret-job', { jobId, body: { key, value } });
    const addedId = added?.structuredContent?.id;
    t.check(`${label}: add-secret-job: the new JOB secret, no value`,
            added?.isError !== true && added?.structuredContent?.key === key && added.structuredContent.scope === 'JOB' &&
              !('value' in added.structuredContent) && !textOf(added).includes(value), short(added));
    const edited = await call('edit-secret-belonging-job',
                              { jobId, secretId: addedId, body: { key, value: `${value}-2`, description: 'edited' } });
    t.check(`${label}: edit-secret-belonging-job: same id, the new description, no value`,
            edited?.isError !== true && edited?.structuredContent?.id === addedId &&
              edited.structuredContent.description === 'edited' && !('value' in edited.structuredContent), short(edited));
    const alias = await call('create-secret-alias-job-level',
                             { jobId, secretId: kProjectSecretId, body: { key: `${key}_ALIAS` } });
    t.check(`${label}: create-secret-alias-job-level: an ALIAS of the PROJECT secret`,
            alias?.isError !== true && alias?.structuredContent?.variable_type === 'ALIAS' &&
              alias.structuredContent.aliased_secret?.id === kProjectSecretId, short(alias));
    const override = await call('create-secret-override-job-level',
                                { jobId, secretId: kEnvironmentSecretId, body: { value: `${value}-override` } });
    t.check(`${label}: create-secret-override-job-level: an OVERRIDE of the ENVIRONMENT secret, no value`,
            override?.isError !== true && override?.structuredContent?.variable_type === 'OVERRIDE' &&
              override.structuredContent.overridden_secret?.id === kEnvironmentSecretId &&
              !('value' in override.structuredContent), short(override));
    // The next run creates the same override again: delete all three.
    for (const created of [added, alias, override]) {
      const secretId = created?.structuredContent?.id;
      const deleted = await call('delete-secret-job', { jobId, secretId });
      t.check(`${label}: delete-secret-job ${created?.structuredContent?.key}: {deleted: true, jobId, secretId}`,
              JSON.stringify(deleted?.structuredContent) === JSON.stringify({ deleted: true, jobId, secretId }),
              short(deleted));
    }

    const badJob = await call('list-job-secrets', { jobId: 'abc' });
    t.check(`${label}: a jobId that is not a UUID: isError with the server's text naming jobId`,
            badJob?.isError === true && textOf(badJob).includes("argument 'jobId' must be a UUID, got \"abc\""),
            short(badJob));
    const notFound = await call('list-job-secrets', { jobId: kUnknownJobId });
    t.check(`${label}: Qovery's 404: isError with the server's text`,
            notFound?.isError === true && textOf(notFound).includes('Qovery answered HTTP 404') &&
              textOf(notFound).includes(`job not found: ${kUnknownJobId}`), short(notFound));
    let unknownError;
    try {
      await client.callTool({ name: 'no-such-tool', arguments: {} });
    } catch (error) {
      unknownError = error;
    }
    t.check(`${label}: an unknown tool: a ProtocolError -32602`,
            unknownError instanceof ProtocolError && unknownError.code === -32602,
            `${unknownError?.code} ${unknownError?.message}`);
    checkEra(label, mode, transport, made);

    await t.step(`${label}: fake-qovery's record`, async () => {
      const requests = await upstreamRequests();
      const secrets = `/job/${jobId}/secret`;
      const expected = [
        ['GET', secrets], ['POST', secrets], ['PUT', `${secrets}/${addedId}`],
        ['POST', `${secrets}/${kProjectSecretId}/alias`], ['POST', `${secrets}/${kEnvironmentSecretId}/override`],
        ['DELETE', `${secrets}/${addedId}`], ['DELETE', `${secrets}/${alias?.structuredContent?.id}`],
        ['DELETE', `${secrets}/${override?.structuredContent?.id}`], ['GET', `/job/${kUnknownJobId}/secret`],
      ];
      t.check(`${label}: fake-qovery received the nine calls in order (the key and value in the POST); not the bad jobId`,
              requests.length === expected.length &&
                expected.every(([method, path], i) => requests[i].method === method && requests[i].path === path) &&
                requests[1].body?.key === key && requests[1].body?.value === value,
              short(requests.map((r) => [r.method, r.path])));
    });
    // Without a value (and no URL elicitation declared): a link, whose page
    // the person types the value on; the key then exists, and is deleted.
    const linked = await call('add-secret-job', { jobId, body: { key: `${key}_TYPED` } });
    t.check(`${label}: add-secret-job without a value: a link to the value-entry page`,
            linked?.isError !== true && linked?.structuredContent?.status === 'awaiting_value', short(linked));
    const typed = await typeOnPage(textOf(linked), `${value}-typed`).then(() => true, (error) => `${error}`);
    t.check(`${label}: the person typed the value on the page, which took it`, typed === true, typed);
    const typedKey = (await call('list-job-secrets', { jobId }))?.structuredContent?.results
      ?.find((secret) => secret.key === `${key}_TYPED`);
    t.check(`${label}: list-job-secrets: the typed key is there`, !!typedKey, short(typedKey));
    if (typedKey) await call('delete-secret-job', { jobId, secretId: typedKey.id });
    await t.step(`${label}: close`, () => client.close());
  }
}

// As examples/sdk-v2.md says: in the default (legacy) mode, after a server
// restart, create the client again; a client that speaks 2026-07-28 (auto) has
// no session to lose.
for (const mode of [kModes[0], kModes[1]]) {
  await t.step(`restart (${mode.name})`, () => checkRestart(t, async (url) => {
    const client = new Client({ name: 'qovery-mcp-sdk-v2-test', version: '1.0.0' },
                              { versionNegotiation: mode.negotiation });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return {
      list: () => client.callTool({ name: 'list-job-secrets', arguments: { jobId } }),
      close: () => client.close(),
    };
  }, { stateless: mode.era === 'modern' }));
}

await t.step('examples/sdk-v2.md', () => runExamplePage(t, 'sdk-v2.md'));
t.finish();
