// Mastra (@mastra/mcp with @mastra/core) against qovery-job-secret-mcp, over
// streamable HTTP and stdio: MCPClient.listTools() gives Mastra tools named
// "server_tool", and a Mastra Agent's generate() runs its agent loop with the AI
// SDK's OpenAI provider pointed at the loopback fake model, which calls
// list-job-secrets, add-secret-job and two calls the server refuses. Then the
// programs of examples/mastra.md run as written. One line per check; exits 1 if
// any failed. Arguments: framework-test.mjs.
import { createOpenAI } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import { MCPClient } from '@mastra/mcp';
import { startFakeModel } from './fake-model.mjs';
import {
  agentScript, args, checkAgentRun, checkRestart, clearUpstreamRequests, collectingWarnings, harness, jobId, kFinalTextStart,
  kSeededKeys, kToolNames, note, runExamplePage, short, stdioServer,
} from './framework-test.mjs';

const t = harness('mastra');
const fakeModel = await startFakeModel();
const openai = createOpenAI({ baseURL: fakeModel.baseURL, apiKey: 'sk-fake-model-key' });
const kServer = 'qovery';
const kMastraNames = kToolNames.map((name) => `${kServer}_${name}`);

for (const mode of ['http', 'stdio']) {
  const key = `MASTRA_${mode.toUpperCase()}_TOKEN`;
  const value = `mastra-${mode}-value`;
  fakeModel.setScript(agentScript(key, value));
  await clearUpstreamRequests();
  const mcp = new MCPClient({
    id: `qovery-${mode}`,
    servers: { [kServer]: mode === 'http' ? { url: new URL(args.url) } : stdioServer() },
  });
  const loaded = await t.step(`${mode}: listTools() connects and lists`, () => collectingWarnings(() => mcp.listTools()));
  const tools = loaded?.value ?? {};
  note(`mastra ${mode}: warnings while listing`, loaded?.warnings ?? []);
  t.check(`${mode}: the seven tools as Mastra tools named server_tool (execute)`,
          JSON.stringify(Object.keys(tools).sort()) === JSON.stringify(kMastraNames.sort()) &&
            Object.values(tools).every((tool) => typeof tool.execute === 'function'),
          short(Object.keys(tools)));

  const agent = new Agent({
    id: 'secrets-assistant',
    name: 'Secrets assistant',
    instructions: 'You manage the secrets of Qovery jobs.',
    model: openai('gpt-5-mini'),
    tools,
  });
  const ran = await t.step(`${mode}: agent.generate runs the agent loop`, () =>
    collectingWarnings(() => agent.generate(`List the secrets of the Qovery job ${jobId}, then add one.`, { maxSteps: 8 })));
  note(`mastra ${mode}: warnings while generating`, ran?.warnings ?? []);
  const result = ran?.value;
  t.check(`${mode}: the loop ended with the model's final text`, result?.text?.startsWith(kFinalTextStart), short(result?.text));
  // Each step's tool-result, as Mastra hands it to the model: structuredContent
  // as { type: 'json' }, an isError result as { type: 'error-text' }.
  const toolResults = (result?.steps ?? []).flatMap((step) => step.content ?? [])
    .filter((part) => part.type === 'tool-result');
  const outputs = toolResults.map((part) => part.output);
  t.check(`${mode}: six tool calls ran through the Mastra tools' execute`, outputs.length === 6,
          short(toolResults.map((part) => part.toolName)));
  const listedKeys = (outputs[0]?.value?.results ?? []).map((secret) => secret.key);
  t.check(`${mode}: list-job-secrets' result is structuredContent (json), with the seeded keys`,
          outputs[0]?.type === 'json' && kSeededKeys.every((seeded) => listedKeys.includes(seeded)), short(outputs[0]));
  t.check(`${mode}: add-secret-job's result is structuredContent (json), the new JOB secret, no value`,
          outputs[1]?.type === 'json' && outputs[1]?.value?.key === key && outputs[1]?.value?.scope === 'JOB' &&
            !('value' in (outputs[1]?.value ?? {})), short(outputs[1]));
  t.check(`${mode}: the two refused calls' results are error-text`,
          outputs[2]?.type === 'error-text' && outputs[3]?.type === 'error-text', short(outputs.slice(2)));
  await checkAgentRun(t, mode, fakeModel, key, value);
  await t.step(`${mode}: disconnect`, () => mcp.disconnect());
}

// As examples/mastra.md says: a server restart costs this client nothing.
let restartClients = 0;
await t.step('restart', () => checkRestart(t, async (url) => {
  const mcp = new MCPClient({ id: `qovery-restart-${++restartClients}`, servers: { [kServer]: { url: new URL(url) } } });
  const tools = await mcp.listTools();
  return {
    list: () => tools[`${kServer}_list-job-secrets`].execute({ jobId }, {}),
    close: () => mcp.disconnect(),
  };
}, { stateless: true }));

await t.step('examples/mastra.md', () => runExamplePage(t, 'mastra.md', fakeModel));
await fakeModel.close();
t.finish();
