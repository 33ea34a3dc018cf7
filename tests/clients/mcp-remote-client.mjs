// A stdio MCP client (as Claude Desktop is) talking to qovery-job-secret-mcp's
// HTTP endpoint through the mcp-remote bridge: it spawns
//   npx --no-install mcp-remote URL --transport http-only
// in the npm install folder ($npm_dir), speaks newline-delimited JSON-RPC on
// its stdin/stdout, and checks the answers. One line per check; exit 1 if any failed.
//
//   npm_dir=DIR node mcp-remote-client.mjs --url http://127.0.0.1:PORT/mcp --job JOB_ID
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { typeOnPage } from './person.mjs';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, job: { type: 'string' } } });
const kTimeoutMs = 20000;

let failures = 0;
let passes = 0;
function check(name, ok, detail = '') {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} [mcp-remote] ${name}${!ok && detail ? `: ${detail}` : ''}`);
  return ok;
}
const short = (value) => JSON.stringify(value)?.slice(0, 300);

// The command a Claude Desktop config would run (`npx mcp-remote URL`), with
// --no-install so that only the pinned install is used, and http-only so that
// a failure of streamable HTTP is not hidden by a fallback to the old SSE transport.
const command = ['npx', '--no-install', 'mcp-remote', args.url, '--transport', 'http-only'];
console.log(`[mcp-remote] running: ${command.join(' ')}`);
const bridge = spawn(command[0], command.slice(1), {
  cwd: process.env.npm_dir,
  stdio: ['pipe', 'pipe', 'pipe'],
});
let stderr = '';
bridge.stderr.on('data', (chunk) => (stderr += chunk));
const exited = new Promise((resolve) => bridge.once('exit', (code, signal) => resolve({ code, signal })));

const pending = new Map();
const strayLines = [];
createInterface({ input: bridge.stdout }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    strayLines.push(line); // anything but JSON-RPC on stdout breaks a stdio client
    return;
  }
  const waiter = pending.get(message.id);
  if (waiter) {
    pending.delete(message.id);
    waiter(message);
  }
});

let nextId = 1;
function request(method, params) {
  const id = nextId++;
  const answer = new Promise((resolve) => {
    pending.set(id, resolve);
    setTimeout(() => {
      if (pending.delete(id)) resolve({ timeout: true });
    }, kTimeoutMs);
  });
  bridge.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params && { params }) })}\n`);
  return answer;
}
function notify(method) {
  bridge.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
}

async function finish() {
  bridge.stdin.end();
  const timer = setTimeout(() => bridge.kill('SIGTERM'), 5000);
  await exited;
  clearTimeout(timer);
  check('stdout carried only JSON-RPC lines', strayLines.length === 0, short(strayLines));
  console.log(`mcp-remote: ${passes} passed, ${failures} failed`);
  if (failures > 0) console.log(`---- mcp-remote stderr ----\n${stderr.slice(-4000)}`);
  process.exit(failures === 0 ? 0 : 1);
}

const init = await request('initialize', {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'qovery-mcp-remote-test', version: '1.0.0' },
});
if (!check('initialize answered through the bridge', !!init.result, short(init))) await finish();
check('initialize: protocolVersion 2025-11-25 and serverInfo.name qovery-job-secret-mcp',
      init.result.protocolVersion === '2025-11-25' && init.result.serverInfo?.name === 'qovery-job-secret-mcp',
      short(init.result));
check('initialize: the tools capability', !!init.result.capabilities?.tools, short(init.result.capabilities));
notify('notifications/initialized');

const list = await request('tools/list', {});
const names = (list.result?.tools ?? []).map((tool) => tool.name).sort();
check('tools/list: the seven tools',
      JSON.stringify(names) === JSON.stringify([
        'add-secret-job', 'create-secret-alias-job-level', 'create-secret-override-job-level',
        'delete-secret-job', 'edit-secret-belonging-job', 'import-job-secrets-from-dotenv', 'list-job-secrets',
      ]), short(list));

const call = await request('tools/call', { name: 'list-job-secrets', arguments: { jobId: args.job } });
const keys = (call.result?.structuredContent?.results ?? []).map((secret) => secret.key);
check('tools/call list-job-secrets: the seeded keys',
      call.result?.isError !== true &&
        ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) => keys.includes(key)),
      short(call));

// The value typed by the person on the page the result links to, never
// through the bridge; the list then shows the key.
const linked = await request('tools/call',
                              { name: 'add-secret-job', arguments: { jobId: args.job, body: { key: 'MCP_REMOTE_TYPED' } } });
check('tools/call add-secret-job without a value: a link to the value-entry page',
      linked.result?.isError !== true && linked.result?.structuredContent?.status === 'awaiting_value', short(linked));
const typed = await typeOnPage(linked.result?.content?.[0]?.text, 'mcp-remote-typed-5a1c').then(() => true, (error) => `${error}`);
check('the person typed the value on the page, which took it', typed === true, typed);
const after = await request('tools/call', { name: 'list-job-secrets', arguments: { jobId: args.job } });
check('tools/call list-job-secrets: the typed key is there',
      (after.result?.structuredContent?.results ?? []).some((secret) => secret.key === 'MCP_REMOTE_TYPED'), short(after));

const ping = await request('ping');
check('ping: {}', short(ping.result) === '{}', short(ping));

await finish();
