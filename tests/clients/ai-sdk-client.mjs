// The Vercel AI SDK against qovery-job-secret-mcp, over streamable HTTP and
// stdio: @ai-sdk/mcp's createMCPClient lists the tools as AI SDK tools, and
// generateText runs its agent loop with the OpenAI provider pointed at the
// loopback fake model, which calls list-job-secrets, add-secret-job and two
// calls the server refuses. Then the programs of examples/ai-sdk.md run as
// written. One line per check; exits 1 if any failed. Arguments: framework-test.mjs.
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs } from 'ai';
import { startFakeModel } from './fake-model.mjs';
import {
  agentScript, args, checkAgentRun, checkRestart, clearUpstreamRequests, collectingWarnings, harness, jobId, kFinalTextStart,
  kSeededKeys, kToolNames, note, runExamplePage, short, stdioServer,
} from './framework-test.mjs';

const t = harness('ai-sdk');
const fakeModel = await startFakeModel();
const openai = createOpenAI({ baseURL: fakeModel.baseURL, apiKey: 'sk-fake-model-key' });

for (const mode of ['http', 'stdio']) {
  const key = `AI_SDK_${mode.toUpperCase()}_TOKEN`;
  const value = `ai-sdk-${mode}-value`;
  fakeModel.setScript(agentScript(key, value));
  await clearUpstreamRequests();
  const mcp = await t.step(`${mode}: createMCPClient connects`, () =>
    createMCPClient({
      transport: mode === 'http' ? { type: 'http', url: args.url } : new Experimental_StdioMCPTransport(stdioServer()),
    }));
  if (!mcp) continue;
  const tools = await t.step(`${mode}: mcp.tools()`, () => mcp.tools());
  t.check(`${mode}: mcp.tools() gives the seven tools as AI SDK tools (inputSchema, execute)`,
          JSON.stringify(Object.keys(tools ?? {}).sort()) === JSON.stringify(kToolNames) &&
            Object.values(tools).every((tool) => typeof tool.execute === 'function' && tool.inputSchema),
          short(Object.keys(tools ?? {})));

  const run = await t.step(`${mode}: generateText runs the agent loop`, () =>
    collectingWarnings(() => generateText({
      model: openai('gpt-5-mini'),
      tools,
      stopWhen: stepCountIs(8),
      prompt: `List the secrets of the Qovery job ${jobId}, then add one.`,
    })));
  const result = run?.value;
  note(`ai-sdk ${mode}: warnings while generating`, run?.warnings ?? []);
  // The OpenAI provider warns about, and drops, what a tool schema holds that
  // OpenAI refuses (a lookahead in a pattern, for one): there must be none.
  const schemaWarnings = (run?.warnings ?? []).filter((warning) => /schema|pattern|unsupported/i.test(warning));
  t.check(`${mode}: no warning about the tools' schemas`, schemaWarnings.length === 0, short(schemaWarnings));
  t.check(`${mode}: the loop ended with the model's final text`, result?.text?.startsWith(kFinalTextStart), result?.text);
  const toolResults = (result?.steps ?? []).flatMap((step) => step.toolResults);
  const outputs = toolResults.map((toolResult) => toolResult.output);
  t.check(`${mode}: six tool calls ran through the AI SDK tools' execute`,
          toolResults.length === 6 && toolResults.every((r) => r.toolName === 'list-job-secrets' || r.toolName === 'add-secret-job'),
          short(toolResults.map((r) => r.toolName)));
  const listedKeys = (outputs[0]?.structuredContent?.results ?? []).map((secret) => secret.key);
  t.check(`${mode}: list-job-secrets' output: structuredContent.results with the seeded keys`,
          outputs[0]?.isError !== true && kSeededKeys.every((seeded) => listedKeys.includes(seeded)), short(outputs[0]));
  t.check(`${mode}: add-secret-job's output: structuredContent is the new JOB secret, no value`,
          outputs[1]?.structuredContent?.key === key && outputs[1]?.structuredContent?.scope === 'JOB' &&
            !('value' in (outputs[1]?.structuredContent ?? {})), short(outputs[1]));
  t.check(`${mode}: the two refused calls' outputs are isError: true`,
          outputs[2]?.isError === true && outputs[3]?.isError === true, short(outputs.slice(2)));
  const declared = fakeModel.declaredTools();
  t.check(`${mode}: the model was offered the seven tools with object parameters`,
          JSON.stringify(declared.map((tool) => tool.name).sort()) === JSON.stringify(kToolNames) &&
            declared.every((tool) => tool.parameters?.type === 'object' && tool.parameters.properties?.jobId),
          short(declared.map((tool) => tool.name)));
  await checkAgentRun(t, mode, fakeModel, key, value);
  await t.step(`${mode}: close`, () => mcp.close());
}

// As examples/ai-sdk.md says: a server restart costs this client nothing.
await t.step('restart', () => checkRestart(t, async (url) => {
  const mcp = await createMCPClient({ transport: { type: 'http', url } });
  const tools = await mcp.tools();
  return {
    list: () => tools['list-job-secrets'].execute({ jobId }, { toolCallId: 'restart', messages: [] }),
    close: () => mcp.close(),
  };
}, { stateless: true }));

await t.step('examples/ai-sdk.md', () => runExamplePage(t, 'ai-sdk.md', fakeModel));
await fakeModel.close();
t.finish();
