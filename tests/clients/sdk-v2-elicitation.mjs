// The official TypeScript SDK v2's Client (@modelcontextprotocol/client)
// pinned to MCP 2026-07-28, declaring URL and form elicitation: the server
// answers with `input_required` results, and the SDK's multi-round-trip
// driver fulfils them through the client's elicitation/create handler and
// retries with inputResponses and the echoed requestState. The person the
// handler plays opens the URL in Debian's chromium (headless, driven by
// playwright-core) and types the value there, and answers a delete's form.
// One line per check; exits 1 if any check failed. Command line and the
// person: elicitation-person.mjs.
//
// add-secret-job without a value: input_required with a URL elicitation; the
// handler consents and the person types the value a few seconds later, so the
// retry waits for the page; the call completes with the secret. The value is
// in no MCP message (the transport records every message both ways) and in no
// line of the server's log. delete-secret-job asks (form mode): a no deletes
// nothing, a yes deletes. Over HTTP, or (--server) stdio.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { args, elicitationTest, kJobSecretId, recordMessages, serverTransport, short, writes } from './elicitation-person.mjs';

const key = 'SDK_V2_ELICITED_KEY';
const value = 'sdk-v2-elicited-value-4e82d0';
const kCapabilitiesKey = 'io.modelcontextprotocol/clientCapabilities';
const textOf = (result) => (result?.content ?? []).map((block) => block.text ?? '').join('\n');
const deletes = async () => (await writes()).filter((request) => request.method === 'DELETE').length;
const { check, person, checkTranscript, finish } = await elicitationTest('sdk-v2-elicitation', { key, value });

// Every MCP message both ways, as the transport carries it.
const transport = serverTransport({ Http: StreamableHTTPClientTransport, Stdio: StdioClientTransport });
const wire = recordMessages(transport);
const client = new Client({ name: 'sdk-v2-elicitation-test', version: '1' },
                          { versionNegotiation: { mode: { pin: '2026-07-28' } },
                            capabilities: { elicitation: { url: {}, form: {} } } });
const asked = [];
let typed = Promise.resolve();
let confirmAnswer = { action: 'decline' };
client.setRequestHandler('elicitation/create', async (request) => {
  asked.push(request.params);
  if (request.params.mode === 'url') {
    typed = person.typeValue(request.params.url)
      .catch((error) => check('the person typed the value', false, `${error}`));
    return { action: 'accept' }; // consent to open the URL, not the outcome
  }
  return confirmAnswer;
});

/** The tools/call requests sent for `tool`, and the responses to them, in order. */
function legs(tool) {
  const requests = wire.sent.filter((message) => message.method === 'tools/call' && message.params?.name === tool);
  return requests.map((request) => ({
    request, response: wire.received.find((message) => message.id === request.id && !message.method),
  }));
}

try {
  await client.connect(transport);
  wire.listen();
  check('the client speaks 2026-07-28', client.getNegotiatedProtocolVersion() === '2026-07-28',
        `${client.getNegotiatedProtocolVersion()}`);

  const result = await client.callTool({ name: 'add-secret-job', arguments: { jobId: args.job, body: { key } } },
                                       { timeout: 60000 });
  const waited = person.submitting; // the retry was answered only once the person submitted the page
  await typed;
  check('the handler was asked once, a URL elicitation naming the key',
        asked.length === 1 && asked[0].mode === 'url' && asked[0].message.includes(key), short(asked));
  check('the call completed with the secret, after the page was submitted, no value in it',
        waited && result.isError !== true && result.structuredContent?.key === key &&
          result.structuredContent?.scope === 'JOB' && !('value' in result.structuredContent) &&
          !textOf(result).includes(value), short(result));
  const [first, retry] = legs('add-secret-job');
  check('on the wire: the call declared URL elicitation in _meta, and was answered input_required ' +
          '(inputRequests.page: elicitation/create, mode url, the page URL; a requestState)',
        first?.request.params._meta?.[kCapabilitiesKey]?.elicitation?.url !== undefined &&
          first?.response?.result?.resultType === 'input_required' &&
          first.response.result.inputRequests?.page?.method === 'elicitation/create' &&
          first.response.result.inputRequests.page.params?.mode === 'url' &&
          first.response.result.inputRequests.page.params.url === asked[0]?.url &&
          typeof first.response.result.requestState === 'string', short(first));
  check('on the wire: the retry carried inputResponses.page accept and the requestState echoed, ' +
          'and was answered with the secret',
        legs('add-secret-job').length === 2 && retry.request.id !== first.request.id &&
          JSON.stringify(retry.request.params.inputResponses) === JSON.stringify({ page: { action: 'accept' } }) &&
          retry.request.params.requestState === first.response.result.requestState &&
          retry.response?.result?.structuredContent?.key === key, short(retry));
  const written = await writes();
  check('Qovery got the value from the page, once', written.length === 1 && written[0].body?.value === value,
        short(written.map((r) => [r.method, r.path])));

  // A no first (nothing deleted), then a yes.
  const declined = await client.callTool({ name: 'delete-secret-job',
                                           arguments: { jobId: args.job, secretId: kJobSecretId } });
  check('delete-secret-job asked the person (a form with a boolean confirm) and deleted nothing on their no',
        asked.length === 2 && asked[1].mode !== 'url' && asked[1].message.includes('JOB_SIGNING_KEY') &&
          asked[1].requestedSchema?.properties?.confirm?.type === 'boolean' && declined.isError === true &&
          textOf(declined).includes('nothing was deleted') && await deletes() === 0, short([asked[1], declined]));
  confirmAnswer = { action: 'accept', content: { confirm: true } };
  const deleted = await client.callTool({ name: 'delete-secret-job',
                                          arguments: { jobId: args.job, secretId: kJobSecretId } });
  check('delete-secret-job asked again and deleted, once, on their yes',
        asked.length === 3 && deleted.isError !== true && deleted.structuredContent?.deleted === true &&
          await deletes() === 1, short(deleted));
  const deleteLegs = legs('delete-secret-job');
  check('on the wire: each delete was answered input_required (inputRequests.confirm, form), then retried',
        deleteLegs.length === 4 && [0, 2].every((i) =>
          deleteLegs[i].response?.result?.resultType === 'input_required' &&
          deleteLegs[i].response.result.inputRequests?.confirm?.params?.mode === 'form' &&
          deleteLegs[i + 1].request.params.requestState === deleteLegs[i].response.result.requestState) &&
          JSON.stringify(deleteLegs[3].request.params.inputResponses) ===
            JSON.stringify({ confirm: { action: 'accept', content: { confirm: true } } }),
        short(deleteLegs.map((leg) => [leg.request.params, leg.response?.result?.resultType])));

  checkTranscript(wire);
} catch (error) {
  check('the client ran', false, `${error?.stack ?? error}`);
} finally {
  await client.close().catch(() => {});
}
await finish();
