// LangChain (@langchain/mcp-adapters) against qovery-job-secret-mcp, over
// streamable HTTP and stdio: MultiServerMCPClient lists the tools as LangChain
// structured tools, and langchain's createAgent runs its agent loop with a
// ChatOpenAI model pointed at the loopback fake model, which calls
// list-job-secrets, add-secret-job and two calls the server refuses. Then the
// programs of examples/langchain.md run as written. One line per check; exits 1
// if any failed. Arguments: framework-test.mjs.
import { ToolMessage } from '@langchain/core/messages';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent } from 'langchain';
import { startFakeModel } from './fake-model.mjs';
import {
  agentScript, args, checkAgentRun, checkRestart, clearUpstreamRequests, collectingWarnings, harness, jobId, kFinalTextStart,
  kSeededKeys, kToolNames, note, runExamplePage, short, stdioServer,
} from './framework-test.mjs';

const t = harness('langchain');
const fakeModel = await startFakeModel();
const model = new ChatOpenAI({ model: 'gpt-5-mini', apiKey: 'sk-fake-model-key', configuration: { baseURL: fakeModel.baseURL } });
const text = (content) => (typeof content === 'string' ? content : JSON.stringify(content)) ?? '';

for (const mode of ['http', 'stdio']) {
  const key = `LANGCHAIN_${mode.toUpperCase()}_TOKEN`;
  const value = `langchain-${mode}-value`;
  fakeModel.setScript(agentScript(key, value));
  await clearUpstreamRequests();
  const client = new MultiServerMCPClient({
    mcpServers: {
      'qovery-job-secrets': mode === 'http' ? { transport: 'http', url: args.url } : { transport: 'stdio', ...stdioServer() },
    },
  });
  const loaded = await t.step(`${mode}: getTools() connects and lists`, () => collectingWarnings(() => client.getTools()));
  const tools = loaded?.value ?? [];
  note(`langchain ${mode}: warnings while loading tools`, loaded?.warnings ?? []);
  t.check(`${mode}: the seven tools as LangChain structured tools (schema, invoke)`,
          JSON.stringify(tools.map((tool) => tool.name).sort()) === JSON.stringify(kToolNames) &&
            tools.every((tool) => typeof tool.invoke === 'function' && tool.schema),
          short(tools.map((tool) => tool.name)));

  // A tool call as the agent's ToolNode makes it: a ToolMessage comes back.
  const listTool = tools.find((tool) => tool.name === 'list-job-secrets');
  const direct = await t.step(`${mode}: list-job-secrets' invoke with a tool call`, () =>
    listTool.invoke({ type: 'tool_call', id: 'direct_1', name: 'list-job-secrets', args: { jobId } }));
  t.check(`${mode}: invoke with a tool call gives a ToolMessage whose content holds the seeded keys`,
          direct instanceof ToolMessage && direct.tool_call_id === 'direct_1' &&
            kSeededKeys.every((seeded) => text(direct.content).includes(seeded)), short(direct?.content));
  await clearUpstreamRequests();

  const agent = createAgent({ model, tools });
  const ran = await t.step(`${mode}: createAgent(...).invoke runs the agent loop`, () =>
    collectingWarnings(() => agent.invoke(
      { messages: [{ role: 'user', content: `List the secrets of the Qovery job ${jobId}, then add one.` }] },
      { recursionLimit: 20 })));
  note(`langchain ${mode}: warnings while running`, ran?.warnings ?? []);
  const messages = ran?.value?.messages ?? [];
  t.check(`${mode}: the loop ended with the model's final text`, text(messages.at(-1)?.content).startsWith(kFinalTextStart),
          short(messages.at(-1)?.content));
  const toolMessages = messages.filter((message) => ToolMessage.isInstance(message));
  t.check(`${mode}: six tool calls ran through the agent's tool node`, toolMessages.length === 6,
          short(toolMessages.map((message) => message.name)));
  t.check(`${mode}: the two refused calls are ToolMessages with status "error"`,
          toolMessages[2]?.status === 'error' && toolMessages[3]?.status === 'error',
          short(toolMessages.map((message) => message.status)));
  t.check(`${mode}: add-secret-job's ToolMessage holds the new key, no value`,
          text(toolMessages[1]?.content).includes(key) && !text(toolMessages[1]?.content).includes(value),
          short(toolMessages[1]?.content));
  // LangChain checks the arguments against the input schema (format uuid
  // included) before calling the server, and answers the model itself.
  await checkAgentRun(t, mode, fakeModel, key, value, {
    validatesArguments: { what: "LangChain's own schema error", text: 'Received tool input did not match expected schema' },
  });
  await t.step(`${mode}: close`, () => client.close());
}

// As examples/langchain.md says: after a server restart, create the client again.
await t.step('restart', () => checkRestart(t, async (url) => {
  const client = new MultiServerMCPClient({ mcpServers: { 'qovery-job-secrets': { transport: 'http', url } } });
  const tools = await client.getTools();
  return {
    list: () => tools.find((tool) => tool.name === 'list-job-secrets').invoke({ jobId }),
    close: () => client.close(),
  };
}));

await t.step('examples/langchain.md', () => runExamplePage(t, 'langchain.md', fakeModel));
await fakeModel.close();
t.finish();
