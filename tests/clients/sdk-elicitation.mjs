// The official TypeScript SDK's Client (v1) with an elicitation handler, as
// a client that declares URL and form elicitation (MCP 2025-11-25): the
// person it plays opens each URL elicitation in Debian's chromium (headless,
// driven by playwright-core) and types the value there, and confirms a
// delete in the form, over HTTP or (--server) stdio. One line per check;
// exits 1 if any check failed.
// Command line and the person: elicitation-person.mjs.
//
// add-secret-job without a value: the server sends elicitation/create (url)
// during the call, the browser submits the value on the page, and the call
// completes with the secret; the value is in no MCP message (a transport
// that records every message both ways) and in no line of the server's log.
// The client's request timeout is shorter than the person takes, and is
// reset by the server's progress notifications. delete-secret-job asks
// (form mode) and deletes on a yes.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitationCompleteNotificationSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { args, elicitationTest, kJobSecretId, recordMessages, serverTransport, short, writes } from './elicitation-person.mjs';

const key = 'SDK_ELICITED_KEY';
const value = 'sdk-elicited-value-7a31c9';
const { check, person, checkTranscript, finish } = await elicitationTest('sdk-elicitation', { key, value });

// Every MCP message both ways, as the transport carries it.
const transport = serverTransport({ Http: StreamableHTTPClientTransport, Stdio: StdioClientTransport });
const wire = recordMessages(transport);
const client = new Client({ name: 'sdk-elicitation-test', version: '1' },
                          { capabilities: { elicitation: { url: {}, form: {} } } });
const asked = [];
const completed = [];
let typed = Promise.resolve();
client.setRequestHandler(ElicitRequestSchema, async (request) => {
  asked.push(request.params);
  if (request.params.mode === 'url') {
    typed = person.typeValue(request.params.url)
      .catch((error) => check('the person typed the value', false, `${error}`));
    return { action: 'accept' }; // consent to open the URL, not the outcome
  }
  return { action: 'accept', content: { confirm: true } };
});
client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
  completed.push(notification.params.elicitationId);
});

try {
  await client.connect(transport);
  wire.listen();
  let progress = 0;
  const result = await client.callTool({ name: 'add-secret-job', arguments: { jobId: args.job, body: { key } } },
                                       undefined,
                                       { timeout: 2500, resetTimeoutOnProgress: true, maxTotalTimeout: 60000,
                                         onprogress: () => { progress++; } });
  await typed;
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

  checkTranscript(wire);
} catch (error) {
  check('the client ran', false, `${error?.stack ?? error}`);
} finally {
  await client.close().catch(() => {});
}
await finish();
