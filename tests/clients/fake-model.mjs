// A loopback fake of OpenAI's API, the model the agent frameworks talk to in
// the client tests: POST /v1/chat/completions and POST /v1/responses, each
// plain JSON or streamed as server-sent events (`"stream": true`). No network:
// it listens on 127.0.0.1 and the frameworks reach it through OPENAI_BASE_URL
// (read by the openai package, the AI SDK's OpenAI provider and LangChain's
// ChatOpenAI) or a baseURL option.
//
// It plays a script: the model's n-th answer in a conversation is a call of the
// script's n-th tool (n = how many tool results the request carries), and once
// the script is done, a text answer that quotes every tool result it got. It
// keeps every request, so a test can see what reached "the model": the tools a
// framework declared (name, JSON Schema, strict) and the tool results it sent
// back (the text a model reads). Stateless between requests, as the script is
// read from the conversation itself.
import { createServer } from 'node:http';

/**
 * Starts the fake on a free loopback port. `script` is a list of
 * `{ tool, arguments, after }`: `tool` is the MCP tool's name; the call names the tool
 * the framework declared with that name, or with that name after a prefix and
 * "_" (Mastra declares "server_tool"); `after(resultText)`, when given, is
 * awaited once, when the step's result first arrives and before the model
 * answers (what the person does meanwhile, such as opening a link); what it
 * throws is kept in afterErrors. Returns { baseURL, requests, toolResults(),
 * declaredTools(), afterErrors, afterCount(), setScript(), close() }.
 */
export async function startFakeModel(script = []) {
  const requests = [];
  const afterErrors = [];
  let afterRuns = new Map(); // step index -> the promise of its after()
  let currentScript = script;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        return send(res, 400, { error: { message: 'the fake model takes JSON bodies' } });
      }
      const path = new URL(req.url, 'http://fake').pathname;
      if (path.endsWith('/chat/completions')) {
        requests.push({ api: 'chat', body: request });
        return answer(res, request, chatConversation(request), chatAnswer);
      }
      if (path.endsWith('/responses')) {
        requests.push({ api: 'responses', body: request });
        return answer(res, request, responsesConversation(request), responsesAnswer);
      }
      send(res, 404, { error: { message: `the fake model has no ${req.method} ${path}` } });
    });
  });

  /** The next step of the script for a conversation: a tool call, or the final text. */
  function nextStep(conversation) {
    const done = conversation.toolResults.length;
    if (done < currentScript.length) {
      const step = currentScript[done];
      const declared = conversation.toolNames.find((name) => declares(name, step.tool));
      if (!declared)
        return { text: `the fake model found no declared tool for ${step.tool} in ${conversation.toolNames.join(', ')}` };
      return { call: { id: `call_${done + 1}`, name: declared, arguments: JSON.stringify(step.arguments) } };
    }
    const quoted = conversation.toolResults.map((result, i) => `[${i + 1}] ${result}`).join('\n');
    return { text: `The fake model read ${done} tool results:\n${quoted}` };
  }

  async function answer(res, request, conversation, format) {
    const last = conversation.toolResults.length - 1;
    const after = currentScript[last]?.after;
    // Once per step; a request repeating the conversation meanwhile waits for it too.
    if (after && !afterRuns.has(last))
      afterRuns.set(last, after(conversation.toolResults[last]).catch((error) => afterErrors.push(`${error?.stack ?? error}`)));
    await afterRuns.get(last);
    const step = nextStep(conversation);
    const model = request.model ?? 'fake-model';
    if (request.stream) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (const event of format(step, model, true, request)) res.write(event);
      return res.end();
    }
    send(res, 200, format(step, model, false, request));
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    afterErrors,
    /** How many steps' after() ran. */
    afterCount: () => afterRuns.size,
    /** Every tool result text the frameworks sent back, in the order first seen. */
    toolResults() {
      const seen = new Map();
      for (const { api, body } of requests) {
        const conversation = api === 'chat' ? chatConversation(body) : responsesConversation(body);
        conversation.toolResultsById.forEach((text, id) => seen.has(id) || seen.set(id, text));
      }
      return [...seen.values()];
    },
    /** The tools declared in the last request: [{ name, parameters, strict }]. */
    declaredTools() {
      const last = requests.at(-1);
      if (!last) return [];
      return (last.body.tools ?? []).map((tool) =>
        last.api === 'chat'
          ? { name: tool.function?.name, parameters: tool.function?.parameters, strict: tool.function?.strict }
          : { name: tool.name, parameters: tool.parameters, strict: tool.strict });
    },
    /** Starts over with another script (the requests seen so far are forgotten). */
    setScript(next) {
      currentScript = next;
      requests.length = 0;
      afterErrors.length = 0;
      afterRuns = new Map();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Whether a framework's tool `name` is the MCP tool `tool`: the same name, with
 * "-" made "_" (OpenAI Agents), or after a prefix and "_" (Mastra: "server_tool").
 */
function declares(name, tool) {
  return [tool, tool.replaceAll('-', '_')].some((wanted) => name === wanted || name.endsWith(`_${wanted}`));
}

/**
 * What OpenAI's API refuses in a tool declared `strict: true` (Structured
 * Outputs, "Supported schemas"): an object without `additionalProperties:
 * false`, a property missing from `required`, a pattern with lookaround or a
 * backreference. Returns one line per problem, with its JSON path.
 */
export function strictSchemaProblems(schema, path = '$') {
  if (schema === null || typeof schema !== 'object') return [];
  const problems = [];
  if (schema.type === 'object' || schema.properties) {
    if (schema.additionalProperties !== false) problems.push(`${path}: additionalProperties must be false`);
    const required = new Set(schema.required ?? []);
    const missing = Object.keys(schema.properties ?? {}).filter((name) => !required.has(name));
    if (missing.length) problems.push(`${path}: 'required' must list every property; missing ${missing.join(', ')}`);
  }
  if (typeof schema.pattern === 'string' && /\(\?[=!<]|\\[1-9]/.test(schema.pattern))
    problems.push(`${path}: pattern ${JSON.stringify(schema.pattern)} uses lookaround or a backreference`);
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    problems.push(...strictSchemaProblems(child, `${path}.${name}`));
  if (schema.items) problems.push(...strictSchemaProblems(schema.items, `${path}[]`));
  for (const keyword of ['anyOf', 'oneOf', 'allOf'])
    (schema[keyword] ?? []).forEach((child, i) => problems.push(...strictSchemaProblems(child, `${path}.${keyword}[${i}]`)));
  return problems;
}

function send(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The text of a tool result, whatever shape the framework gave it. */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? part.output ?? JSON.stringify(part)).join('');
  return JSON.stringify(content);
}

// ---- Chat Completions ------------------------------------------------------
function chatConversation(request) {
  const toolResultsById = new Map();
  for (const message of request.messages ?? [])
    if (message.role === 'tool') toolResultsById.set(message.tool_call_id, textOf(message.content));
  return {
    toolNames: (request.tools ?? []).map((tool) => tool.function?.name),
    toolResults: [...toolResultsById.values()],
    toolResultsById,
  };
}

function chatAnswer(step, model, stream, request) {
  const base = { id: `chatcmpl-${Date.now()}`, created: Math.floor(Date.now() / 1000), model };
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const finish = step.call ? 'tool_calls' : 'stop';
  const toolCall = step.call && {
    id: step.call.id, type: 'function', function: { name: step.call.name, arguments: step.call.arguments },
  };
  if (!stream) {
    const message = step.call
      ? { role: 'assistant', content: null, tool_calls: [toolCall] }
      : { role: 'assistant', content: step.text };
    return { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage };
  }
  const chunk = (delta, finishReason = null) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' })];
  events.push(step.call ? chunk({ tool_calls: [{ index: 0, ...toolCall }] }) : chunk({ content: step.text }));
  events.push(chunk({}, finish));
  if (request.stream_options?.include_usage)
    events.push(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

// ---- Responses -------------------------------------------------------------
function responsesConversation(request) {
  const toolResultsById = new Map();
  const input = Array.isArray(request.input) ? request.input : [];
  for (const item of input)
    if (item.type === 'function_call_output') toolResultsById.set(item.call_id, textOf(item.output));
  return {
    toolNames: (request.tools ?? []).filter((tool) => tool.type === 'function').map((tool) => tool.name),
    toolResults: [...toolResultsById.values()],
    toolResultsById,
  };
}

function responsesAnswer(step, model, stream) {
  const now = Math.floor(Date.now() / 1000);
  const id = `resp_${Date.now()}`;
  const item = step.call
    ? { type: 'function_call', id: `fc_${step.call.id}`, call_id: step.call.id, name: step.call.name,
        arguments: step.call.arguments, status: 'completed' }
    : { type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed',
        content: [{ type: 'output_text', text: step.text, annotations: [] }] };
  const response = {
    id, object: 'response', created_at: now, status: 'completed', model, output: [item],
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, input_tokens_details: { cached_tokens: 0 },
             output_tokens_details: { reasoning_tokens: 0 } },
  };
  if (!stream) return response;
  let sequence = 0;
  const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const inProgress = { ...response, status: 'in_progress', output: [] };
  const events = [event('response.created', { response: inProgress }), event('response.in_progress', { response: inProgress })];
  if (step.call) {
    events.push(event('response.output_item.added', { output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } }));
    events.push(event('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: item.arguments }));
    events.push(event('response.function_call_arguments.done', { item_id: item.id, output_index: 0, arguments: item.arguments }));
  } else {
    const part = item.content[0];
    events.push(event('response.output_item.added', { output_index: 0, item: { ...item, content: [], status: 'in_progress' } }));
    events.push(event('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { ...part, text: '' } }));
    events.push(event('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: part.text, logprobs: [] }));
    events.push(event('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: part.text, logprobs: [] }));
    events.push(event('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part }));
  }
  events.push(event('response.output_item.done', { output_index: 0, item }));
  events.push(event('response.completed', { response }));
  return events;
}
