// The MCP Inspector's CLI mode against qovery-job-secret-mcp over streamable
// HTTP: runs the commands examples/inspector.md shows, in the npm install
// folder ($npm_dir), and checks their JSON output. One line per check; exit 1
// if any failed.
//
//   npm_dir=DIR node inspector-cli.mjs --url http://127.0.0.1:PORT/mcp --job JOB_ID
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

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
 * Runs `npx --no-install @modelcontextprotocol/inspector --cli URL ...`; checks
 * its exit status (0, or 5 when the tool answered isError: true, which the CLI
 * also reports on stderr as tool_is_error) and returns its parsed stdout.
 */
function inspector(expectedStatus, ...cliArgs) {
  const command = ['npx', '--no-install', '@modelcontextprotocol/inspector', '--cli', args.url, ...cliArgs];
  console.log(`[inspector] running: ${command.join(' ')}`);
  const run = spawnSync(command[0], command.slice(1), {
    cwd: process.env.npm_dir,
    encoding: 'utf8',
    timeout: 60000,
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

const listed = inspector(0, '--method', 'tools/list');
const names = (listed?.tools ?? []).map((tool) => tool.name).sort();
check('tools/list: 6 tools, the job-secret ones',
      JSON.stringify(names) === JSON.stringify([
        'add-secret-job', 'create-secret-alias-job-level', 'create-secret-override-job-level',
        'delete-secret-job', 'edit-secret-belonging-job', 'list-job-secrets',
      ]), short(names));
check('tools/list: every tool has an inputSchema and an outputSchema',
      names.length === 6 && listed.tools.every((tool) => tool.inputSchema?.type === 'object' && tool.outputSchema));

// The Inspector's schema portability lint (--strict): an error exits 6; with
// --format json its findings come back in the envelope as schemaFindings, one
// {toolName, findings: [{schema, path, rule, severity, ...}]} per tool with any.
// The input schemas, which clients hand to the model vendors, must have none.
const linted = inspector(0, '--method', 'tools/list', '--strict', '--format', 'json');
const perTool = linted?.schemaFindings ?? [];
check('tools/list --strict: the same 6 tools', linted?.result?.tools?.length === 6, short(linted?.result?.tools?.length));
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

const called = inspector(0, '--method', 'tools/call', '--tool-name', 'list-job-secrets', '--tool-arg', `jobId=${args.job}`);
const secrets = called?.structuredContent?.results ?? [];
const keys = secrets.map((secret) => secret.key);
check('tools/call list-job-secrets: not an error', called !== undefined && called.isError !== true, short(called));
check('tools/call list-job-secrets: the seeded keys DATABASE_PASSWORD, STRIPE_API_KEY, JOB_SIGNING_KEY',
      ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) => keys.includes(key)), short(keys));
check('tools/call list-job-secrets: the text block holds the same keys',
      ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'].every((key) =>
        (called?.content?.[0]?.text ?? '').includes(`"key":"${key}"`)));

// An object argument: --tool-arg values that parse as JSON are sent as JSON.
const added = inspector(0, '--method', 'tools/call', '--tool-name', 'add-secret-job', '--tool-arg', `jobId=${args.job}`,
                        '--tool-arg', 'body={"key":"INSPECTOR_TOKEN","value":"inspector-value"}');
check('tools/call add-secret-job with a JSON body: a JOB secret INSPECTOR_TOKEN, no value',
      added?.isError !== true && added?.structuredContent?.key === 'INSPECTOR_TOKEN' &&
        added?.structuredContent?.scope === 'JOB' && !('value' in (added?.structuredContent ?? {})), short(added));

const bad = inspector(5, '--method', 'tools/call', '--tool-name', 'list-job-secrets', '--tool-arg', 'jobId=abc');
check('tools/call with jobId=abc: a tool error naming jobId',
      bad?.isError === true && (bad?.content?.[0]?.text ?? '').includes('jobId'), short(bad));

console.log(`inspector: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
