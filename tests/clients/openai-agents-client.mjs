// OpenAI Agents (@openai/agents) against qovery-job-secret-mcp, over streamable
// HTTP (MCPServerStreamableHttp) and stdio (MCPServerStdio), with its strict
// schema conversion on (mcpConfig.convertSchemasToStrict): the tools become
// strict function tools, and run() drives an Agent whose model is the default
// OpenAI Responses model pointed at the loopback fake model, which calls
// list-job-secrets, add-secret-job and two calls the server refuses. Then the
// programs of examples/openai-agents.md run as written. One line per check;
// exits 1 if any failed. Arguments: framework-test.mjs.
import {
  Agent, MCPServerStdio, MCPServerStreamableHttp, RunContext, getAllMcpTools, run, setDefaultOpenAIClient,
  setTracingDisabled,
} from '@openai/agents';
import OpenAI from 'openai';
import { startFakeModel, strictSchemaProblems } from './fake-model.mjs';
import {
  agentScript, args, checkAgentRun, checkRestart, clearUpstreamRequests, collectingWarnings, harness, jobId, kFinalTextStart,
  kSeededKeys, kToolNames, note, runExamplePage, short, stdioServer,
} from './framework-test.mjs';

const t = harness('openai-agents');
const fakeModel = await startFakeModel();
setDefaultOpenAIClient(new OpenAI({ baseURL: fakeModel.baseURL, apiKey: 'sk-fake-model-key' }));
setTracingDisabled(true); // tracing would export to api.openai.com
// The SDK names each function tool after the MCP tool with "-" made "_".
const kFunctionNames = kToolNames.map((name) => name.replaceAll('-', '_')).sort();

for (const mode of ['http', 'stdio']) {
  const key = `OPENAI_AGENTS_${mode.toUpperCase()}_TOKEN`;
  const value = `openai-agents-${mode}-value`;
  fakeModel.setScript(agentScript(key, value));
  await clearUpstreamRequests();
  const server = mode === 'http'
    ? new MCPServerStreamableHttp({ url: args.url, name: 'qovery-job-secrets' })
    : new MCPServerStdio({ ...stdioServer(), name: 'qovery-job-secrets' });
  if (!await t.step(`${mode}: connect`, async () => (await server.connect(), true))) continue;

  const converted = await t.step(`${mode}: getAllMcpTools with convertSchemasToStrict`, () =>
    collectingWarnings(() => getAllMcpTools({ mcpServers: [server], convertSchemasToStrict: true })));
  const tools = converted?.value ?? [];
  note(`openai-agents ${mode}: warnings while converting`, converted?.warnings ?? []);
  t.check(`${mode}: the seven tools became function tools (named with "_" for "-")`,
          JSON.stringify(tools.map((tool) => tool.name).sort()) === JSON.stringify(kFunctionNames) &&
            tools.every((tool) => tool.type === 'function' && typeof tool.invoke === 'function'),
          short(tools.map((tool) => [tool.name, tool.type])));
  const notStrict = tools.filter((tool) => tool.strict !== true).map((tool) => tool.name);
  t.check(`${mode}: every tool converted to strict mode (no fallback to non-strict)`, tools.length > 0 && notStrict.length === 0,
          short(notStrict));

  const agent = new Agent({
    name: 'Secrets assistant',
    instructions: 'You manage the secrets of Qovery jobs.',
    model: 'gpt-5-mini',
    mcpServers: [server],
    mcpConfig: { convertSchemasToStrict: true },
  });
  const ran = await t.step(`${mode}: run(agent) runs the agent loop`, () =>
    collectingWarnings(() => run(agent, `List the secrets of the Qovery job ${jobId}, then add one.`, { maxTurns: 8 })));
  note(`openai-agents ${mode}: warnings while running`, ran?.warnings ?? []);
  const result = ran?.value;
  t.check(`${mode}: the run ended with the model's final output`, result?.finalOutput?.startsWith(kFinalTextStart),
          short(result?.finalOutput));
  const outputs = (result?.newItems ?? []).filter((item) => item.type === 'tool_call_output_item').map((item) => item.output);
  t.check(`${mode}: six tool calls ran through the function tools`, outputs.length === 6, short(outputs));
  const text = (output) => (typeof output === 'string' ? output : output?.text ?? JSON.stringify(output)) ?? '';
  t.check(`${mode}: list-job-secrets' output holds the seeded keys`,
          kSeededKeys.every((seeded) => text(outputs[0]).includes(seeded)), text(outputs[0]).slice(0, 300));
  let added;
  try {
    added = JSON.parse(text(outputs[1]));
  } catch {
    added = undefined;
  }
  t.check(`${mode}: add-secret-job's output is the new JOB secret as JSON, no value`,
          added?.key === key && added?.scope === 'JOB' && !('value' in (added ?? {})), text(outputs[1]).slice(0, 300));
  const declared = fakeModel.declaredTools();
  t.check(`${mode}: the model was offered the seven tools, each strict, with object parameters closed to extra members`,
          JSON.stringify(declared.map((tool) => tool.name).sort()) === JSON.stringify(kFunctionNames) &&
            declared.every((tool) => tool.strict === true && tool.parameters?.type === 'object' &&
                                     tool.parameters.additionalProperties === false),
          short(declared.map((tool) => [tool.name, tool.strict, tool.parameters?.additionalProperties])));
  // OpenAI's API refuses a request whose strict tools break its strict-mode
  // rules (the fake accepts them); the SDK's conversion passes the server's
  // patterns through unchanged, so the server's schemas must keep to them.
  const problems = declared.flatMap((tool) => strictSchemaProblems(tool.parameters).map((problem) => `${tool.name} ${problem}`));
  t.check(`${mode}: every strict tool schema keeps to OpenAI's strict-mode rules`, problems.length === 0, short(problems));
  await checkAgentRun(t, mode, fakeModel, key, value);
  await t.step(`${mode}: close`, () => server.close());
}

// As examples/openai-agents.md says: a server restart costs this client nothing.
await t.step('restart', () => checkRestart(t, async (url) => {
  const server = new MCPServerStreamableHttp({ url, name: 'qovery-job-secrets' });
  await server.connect();
  const tools = await getAllMcpTools({ mcpServers: [server], convertSchemasToStrict: true });
  const listTool = tools.find((tool) => tool.name === 'list_job_secrets');
  return {
    list: () => listTool.invoke(new RunContext(), JSON.stringify({ jobId })),
    close: () => server.close(),
  };
}, { stateless: true }));

await t.step('examples/openai-agents.md', () => runExamplePage(t, 'openai-agents.md', fakeModel));
await fakeModel.close();
t.finish();
