// The MCP Inspector's CLI mode against qovery-job-secret-mcp over streamable
// HTTP: runs the commands examples/inspector.md shows, in the npm install
// folder ($npm_dir), and checks their JSON output; then lists and calls the
// tools with `--protocol-era modern` and `auto`, through a recording proxy,
// checking that each run spoke 2026-07-28 (server/discover, no initialize, no
// session, the version in every request's _meta and MCP-Protocol-Version).
// One line per check; exit 1 if any failed.
//
//   npm_dir=DIR node inspector-cli.mjs --url http://127.0.0.1:PORT/mcp --job JOB_ID
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import { parseArgs } from 'node:util';
import { typeOnPage } from './person.mjs';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, job: { type: 'string' } } });

let failures = 0;
let passes = 0;
function check(name, ok, detail = '') {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} [inspector] ${name}${!ok && detail ? `: ${detail}` : ''}`);
  return ok;
}
const short = (value) => JSON.stringify(value)?.slice(0, 300);

/**
 * Runs `npx --no-install @modelcontextprotocol/inspector --cli URL ...` (URL:
 * `options.url`, else the server's); checks its exit status (0, or 5 when the
 * tool answered isError: true, which the CLI also reports on stderr as
 * tool_is_error) and returns its parsed stdout.
 */
async function inspector(expectedStatus, ...cliArgs) {
  const options = typeof cliArgs[0] === 'object' ? cliArgs.shift() : {};
  const command = ['npx', '--no-install', '@modelcontextprotocol/inspector', '--cli', options.url ?? args.url, ...cliArgs];
  console.log(`[inspector] running: ${command.join(' ')}`);
  const run = await new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd: process.env.npm_dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('close', (status, signal) => (clearTimeout(timer), resolve({ status, signal, stdout, stderr })));
  });
  const ok = check(`exit status ${expectedStatus}: ${cliArgs.slice(0, 4).join(' ')}`, run.status === expectedStatus,
                   `status ${run.status}, signal ${run.signal}, stderr: ${run.stderr?.slice(-2000)}`);
  if (expectedStatus === 5)
    check('stderr reports tool_is_error', run.stderr.includes('"tool_is_error"'), run.stderr.slice(-500));
  if (!ok) return undefined;
  try {
    return JSON.parse(run.stdout);
  } catch {
    check('stdout is one JSON document', false, run.stdout.slice(0, 500));
    return undefined;
  }
}

const listed = await inspector(0, '--method', 'tools/list');
const names = (listed?.tools ?? []).map((tool) => tool.name).sort();
check('tools/list: 7 tools, the job-secret ones and the .env import',
      JSON.stringify(names) === JSON.stringify([
        'add-secret-job', 'create-secret-alias-job-level', 'create-secret-override-job-level',
        'delete-secret-job', 'edit-secret-belonging-job', 'import-job-secrets-from-dotenv', 'list-job-secrets',
      ]), short(names));
check('tools/list: every tool has an inputSchema and an outputSchema',
      names.length === 7 && listed.tools.every((tool) => tool.inputSchema?.type === 'object' && tool.outputSchema));

// The Inspector's schema portability lint (--strict): an error exits 6; with
// --format json its findings come back in the envelope as schemaFindings, one
// {toolName, findings: [{schema, path, rule, severity, ...}]} per tool with any.
// The input schemas, which clients hand to the model vendors, must have none.
const linted = await inspector(0, '--method', 'tools/list', '--strict', '--format', 'json');
const perTool = linted?.schemaFindings ?? [];
check('tools/list --strict: the same 7 tools', linted?.result?.tools?.length === 7, short(linted?.result?.tools?.length));
check('tools/list --strict: schemaFindings has the shape this test reads',
      Array.isArray(perTool) && perTool.every((entry) => typeof entry.toolName === 'string' &&
        Array.isArray(entry.findings) && entry.findings.every((finding) => typeof finding.schema === 'string')),
      short(perTool));
const findings = perTool.flatMap((entry) => (entry.findings ?? []).map((finding) => ({ tool: entry.toolName, ...finding })));
const inputFindings = findings.filter((finding) => finding.schema === 'inputSchema');
check('tools/list --strict: no portability finding on any input schema', linted !== undefined && inputFindings.length === 0,
      short(inputFindings.map((finding) => `${finding.tool} ${finding.path}: ${finding.rule}`)));
check('tools/list --strict: no error-severity finding at all', linted !== undefined &&
        findings.every((finding) => finding.severity !== 'error'), short(findings.filter((finding) => finding.severity === 'error')));

const called = await inspector(0, '--method', 'tools/call', '--tool-name', 'list-job-secrets', '--tool-arg', `jobId=${args.job}`);
const secrets = called?.structuredContent?.results ?? [];
const keys = secrets.map((secret) => secret.key);
check('tools/call list-job-secrets: not an error', called !== undefined && called.isError !== true, short(called));
check('tools/call list-job-secrets: the seeded keys DATABASE_PASSWORD, STRIPE_API_KEY, JOB_SIGNING_KEY',
      ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) => keys.includes(key)), short(keys));
check('tools/call list-job-secrets: the text block holds the same keys',
      ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) =>
        (called?.content?.[0]?.text ?? '').includes(`"key":"${key}"`)));

// An object argument: --tool-arg values that parse as JSON are sent as JSON.
const added = await inspector(0, '--method', 'tools/call', '--tool-name', 'add-secret-job', '--tool-arg', `jobId=${args.job}`,
                        '--tool-arg', 'body={"key":"INSPECTOR_TOKEN","value":"inspector-value"}');
check('tools/call add-secret-job with a JSON body: a JOB secret INSPECTOR_TOKEN, no value',
      added?.isError !== true && added?.structuredContent?.key === 'INSPECTOR_TOKEN' &&
        added?.structuredContent?.scope === 'JOB' && !('value' in (added?.structuredContent ?? {})), short(added));

// Without a value: a link, and the person types the value on its page.
const pending = await inspector(0, '--method', 'tools/call', '--tool-name', 'add-secret-job', '--tool-arg', `jobId=${args.job}`,
                                '--tool-arg', 'body={"key":"INSPECTOR_TYPED"}');
check('tools/call add-secret-job without a value: a link to the value-entry page',
      pending?.isError !== true && pending?.structuredContent?.status === 'awaiting_value', short(pending));
const typed = await typeOnPage(pending?.content?.[0]?.text, 'inspector-typed-0c7d').then(() => true, (error) => `${error}`);
check('the person typed the value on the page, which took it', typed === true, typed);
const listedAfter = await inspector(0, '--method', 'tools/call', '--tool-name', 'list-job-secrets', '--tool-arg', `jobId=${args.job}`);
check('tools/call list-job-secrets: the typed key is there',
      (listedAfter?.structuredContent?.results ?? []).some((secret) => secret.key === 'INSPECTOR_TYPED'), short(listedAfter));

const bad = await inspector(5, '--method', 'tools/call', '--tool-name', 'list-job-secrets', '--tool-arg', 'jobId=abc');
check('tools/call with jobId=abc: a tool error naming jobId',
      bad?.isError === true && (bad?.content?.[0]?.text ?? '').includes('jobId'), short(bad));

// ---- --protocol-era modern and auto ----------------------------------------
// A loopback proxy in front of the server records each POST: its JSON-RPC
// method, the version in its _meta (or initialize's), the MCP-Protocol-Version,
// Mcp-Method and Mcp-Session-Id headers, and the answer's status.
const kVersionKey = 'io.modelcontextprotocol/protocolVersion';
const upstream = new URL(args.url);
let posts = [];
const proxy = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on('data', (chunk) => chunks.push(chunk));
  incoming.on('end', () => {
    const body = Buffer.concat(chunks);
    let record;
    if (incoming.method === 'POST') {
      let message;
      try {
        message = JSON.parse(body.toString('utf8'));
      } catch {
        message = undefined;
      }
      record = {
        method: message?.method, metaVersion: message?.params?._meta?.[kVersionKey],
        initializeVersion: message?.method === 'initialize' ? message.params?.protocolVersion : undefined,
        versionHeader: incoming.headers['mcp-protocol-version'], methodHeader: incoming.headers['mcp-method'],
        session: incoming.headers['mcp-session-id'],
      };
      posts.push(record);
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, path: incoming.url, method: incoming.method,
                              headers: { ...incoming.headers, host: upstream.host } }, (answer) => {
      if (record) record.status = answer.statusCode;
      outgoing.writeHead(answer.statusCode, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', (error) => outgoing.destroy(error));
    forward.end(body);
  });
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const proxyUrl = `http://127.0.0.1:${proxy.address().port}${upstream.pathname}`;

/** Checks that the Inspector's run `what` spoke 2026-07-28 only, then forgets the record. */
function checkModern(era, what) {
  const requests = posts.filter((post) => post.method && post.method !== 'notifications/initialized');
  check(`--protocol-era ${era} ${what}: server/discover answered 200 first, no initialize, no session; every request ` +
          `carries 2026-07-28 in _meta and MCP-Protocol-Version, and Mcp-Method`,
        requests[0]?.method === 'server/discover' && requests[0].status === 200 &&
          requests.some((post) => post.method.startsWith('tools/')) &&
          requests.every((post) => post.method !== 'initialize' && post.session === undefined &&
                                   post.metaVersion === '2026-07-28' && post.versionHeader === '2026-07-28' &&
                                   post.methodHeader === post.method),
        short(posts));
  posts = [];
}

for (const era of ['modern', 'auto']) {
  const via = { url: proxyUrl };
  const eraListed = await inspector(0, via, '--protocol-era', era, '--method', 'tools/list');
  check(`--protocol-era ${era}: tools/list: the 7 tools`,
        JSON.stringify((eraListed?.tools ?? []).map((tool) => tool.name).sort()) === JSON.stringify(names), short(eraListed));
  checkModern(era, 'tools/list');
  const eraCalled = await inspector(0, via, '--protocol-era', era, '--method', 'tools/call', '--tool-name',
                                    'list-job-secrets', '--tool-arg', `jobId=${args.job}`);
  const eraKeys = (eraCalled?.structuredContent?.results ?? []).map((secret) => secret.key);
  check(`--protocol-era ${era}: tools/call list-job-secrets: the seeded keys`,
        eraCalled?.isError !== true && ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) =>
          eraKeys.includes(key)), short(eraKeys));
  checkModern(era, 'tools/call');
  const eraBad = await inspector(5, via, '--protocol-era', era, '--method', 'tools/call', '--tool-name', 'list-job-secrets',
                                 '--tool-arg', 'jobId=abc');
  check(`--protocol-era ${era}: tools/call with jobId=abc: a tool error naming jobId`,
        eraBad?.isError === true && (eraBad?.content?.[0]?.text ?? '').includes('jobId'), short(eraBad));
  checkModern(era, 'a tool error');
}
proxy.closeAllConnections();
proxy.close();

console.log(`inspector: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
