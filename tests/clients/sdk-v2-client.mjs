// The official TypeScript SDK v2's client (@modelcontextprotocol/client)
// against qovery-job-secret-mcp, over streamable HTTP and stdio: connect, list,
// call list-job-secrets and add-secret-job (the SDK validates structuredContent
// against each tool's outputSchema), the server's own error text for a bad
// argument and for Qovery's 404, an unknown tool, what reached fake-qovery; then
// the programs of examples/sdk-v2.md run as written. No model: the SDK is the
// layer the frameworks build on. One line per check; exits 1 if any failed.
// Arguments: framework-test.mjs.
import { Client, LATEST_PROTOCOL_VERSION, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  args, checkRestart, clearUpstreamRequests, harness, jobId, kSeededKeys, kToolNames, kUnknownJobId, runExamplePage, short,
  stdioServer, upstreamRequests,
} from './framework-test.mjs';

const t = harness('sdk-v2');
const textOf = (result) => (result?.content ?? []).map((block) => block.text ?? '').join('\n');

for (const mode of ['http', 'stdio']) {
  const key = `SDK_V2_${mode.toUpperCase()}_TOKEN`;
  const value = `sdk-v2-${mode}-value`;
  await clearUpstreamRequests();
  const client = new Client({ name: 'qovery-mcp-sdk-v2-test', version: '1.0.0' });
  const transport = mode === 'http'
    ? new StreamableHTTPClientTransport(new URL(args.url))
    : new StdioClientTransport({ ...stdioServer(), stderr: 'inherit' });
  if (!await t.step(`${mode}: connect`, async () => (await client.connect(transport), true))) continue;
  t.check(`${mode}: serverInfo.name is qovery-job-secret-mcp`, client.getServerVersion()?.name === 'qovery-job-secret-mcp',
          short(client.getServerVersion()));
  if (mode === 'http')
    t.check(`${mode}: negotiated ${LATEST_PROTOCOL_VERSION}, with a session`,
            transport.protocolVersion === LATEST_PROTOCOL_VERSION && !!transport.sessionId,
            `${transport.protocolVersion} ${transport.sessionId}`);

  const listed = await t.step(`${mode}: tools/list`, () => client.listTools());
  const tools = listed?.tools ?? [];
  t.check(`${mode}: the six tools, each with an input and an output schema`,
          JSON.stringify(tools.map((tool) => tool.name).sort()) === JSON.stringify(kToolNames) &&
            tools.every((tool) => tool.inputSchema?.type === 'object' && tool.outputSchema?.type === 'object'),
          short(tools.map((tool) => tool.name)));

  // callTool throws if structuredContent breaks the tool's outputSchema.
  const list = await t.step(`${mode}: list-job-secrets`, () => client.callTool({ name: 'list-job-secrets', arguments: { jobId } }));
  const keys = (list?.structuredContent?.results ?? []).map((secret) => secret.key);
  t.check(`${mode}: list-job-secrets: structuredContent (valid for the outputSchema) with the seeded keys, none with a value`,
          list?.isError !== true && kSeededKeys.every((seeded) => keys.includes(seeded)) &&
            list.structuredContent.results.every((secret) => !('value' in secret)), short(list));
  t.check(`${mode}: list-job-secrets: the text block is the same JSON`,
          JSON.stringify(JSON.parse(textOf(list) || 'null')) === JSON.stringify(list?.structuredContent));
  const added = await t.step(`${mode}: add-secret-job`, () =>
    client.callTool({ name: 'add-secret-job', arguments: { jobId, body: { key, value } } }));
  t.check(`${mode}: add-secret-job: the new JOB secret, no value`,
          added?.isError !== true && added?.structuredContent?.key === key && added.structuredContent.scope === 'JOB' &&
            !('value' in added.structuredContent) && !textOf(added).includes(value), short(added));

  const badJob = await t.step(`${mode}: a jobId that is not a UUID`, () =>
    client.callTool({ name: 'list-job-secrets', arguments: { jobId: 'abc' } }));
  t.check(`${mode}: a jobId that is not a UUID: isError with the server's text naming jobId`,
          badJob?.isError === true && textOf(badJob).includes("argument 'jobId' must be a UUID, got \"abc\""), short(badJob));
  const notFound = await t.step(`${mode}: an unknown job`, () =>
    client.callTool({ name: 'list-job-secrets', arguments: { jobId: kUnknownJobId } }));
  t.check(`${mode}: Qovery's 404: isError with the server's text`,
          notFound?.isError === true && textOf(notFound).includes('Qovery answered HTTP 404') &&
            textOf(notFound).includes(`job not found: ${kUnknownJobId}`), short(notFound));
  let unknownError;
  try {
    await client.callTool({ name: 'no-such-tool', arguments: {} });
  } catch (error) {
    unknownError = error;
  }
  t.check(`${mode}: an unknown tool: a ProtocolError -32602`,
          unknownError instanceof ProtocolError && unknownError.code === -32602, `${unknownError?.code} ${unknownError?.message}`);

  await t.step(`${mode}: fake-qovery's record`, async () => {
    const requests = await upstreamRequests();
    t.check(`${mode}: fake-qovery received GET, POST (the key and value), GET of the unknown job; not the bad jobId`,
            requests.length === 3 && requests[0].method === 'GET' && requests[1].method === 'POST' &&
              requests[1].body?.key === key && requests[1].body?.value === value &&
              requests[2].path === `/job/${kUnknownJobId}/secret`,
            short(requests.map((r) => [r.method, r.path])));
  });
  await t.step(`${mode}: close`, () => client.close());
}

// As examples/sdk-v2.md says: after a server restart, create the client again.
await t.step('restart', () => checkRestart(t, async (url) => {
  const client = new Client({ name: 'qovery-mcp-sdk-v2-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    list: () => client.callTool({ name: 'list-job-secrets', arguments: { jobId } }),
    close: () => client.close(),
  };
}));

await t.step('examples/sdk-v2.md', () => runExamplePage(t, 'sdk-v2.md'));
t.finish();
