// What the agent-framework client tests share: their command line, checks,
// fake-qovery's record, the script the fake model plays and what must reach
// the model's side, and the runner of an examples/ page's programs.
//
// Every framework test is run by run-client.sh as
//   node FRAMEWORK-client.mjs --url http://127.0.0.1:PORT/mcp --server BIN --fake FAKE_URL
//                             --ca-file CA --job JOB_ID --examples DIR
// with QOVERY_API_KEY (handed to a server it spawns over stdio) and
// NODE_EXTRA_CA_CERTS (the test CA, to read fake-qovery's record) set.
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { typeOnPage } from './person.mjs';

export const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    server: { type: 'string' },
    fake: { type: 'string' },
    'ca-file': { type: 'string' },
    job: { type: 'string' },
    examples: { type: 'string' },
  },
});
for (const name of ['url', 'server', 'fake', 'ca-file', 'job', 'examples'])
  if (!args[name]) throw new Error(`--${name} is required`);

export const jobId = args.job;
export const kUnknownJobId = '99999999-9999-4999-8999-999999999999';
export const kSeededKeys = ['DATABASE_PASSWORD', 'STRIPE_API_KEY', 'JOB_SIGNING_KEY'];
export const kToolNames = [
  'add-secret-job', 'create-secret-alias-job-level', 'create-secret-override-job-level',
  'delete-secret-job', 'edit-secret-belonging-job', 'import-job-secrets-from-dotenv', 'list-job-secrets',
]; // the capability's six and the server's own .env import, sorted
/** Where the examples say the server is: replaced by the test's server. */
export const kExampleUrl = 'http://127.0.0.1:9090/mcp';
export const kExampleBinary = '/usr/local/bin/qovery-job-secret-mcp';
/** The directory this program was copied to by run-client.sh (inside the npm install). */
const workDir = dirname(fileURLToPath(import.meta.url));

/** One line per check, prefixed with the framework's name; `finish()` exits 1 if any failed. */
export function harness(framework) {
  let failures = 0;
  let passes = 0;
  const t = {
    check(name, ok, detail = '') {
      if (ok) passes++;
      else failures++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} [${framework}] ${name}${!ok && detail ? `: ${detail}` : ''}`);
      return ok;
    },
    /** Runs fn; a throw is a failed check named `name`. Returns fn's value or undefined. */
    async step(name, fn) {
      try {
        return await fn();
      } catch (error) {
        t.check(name, false, `threw ${error?.stack ?? error}`);
        return undefined;
      }
    },
    finish() {
      console.log(`${framework}: ${passes} passed, ${failures} failed`);
      process.exit(failures === 0 && passes > 0 ? 0 : 1);
    },
  };
  return t;
}

export const short = (value) => JSON.stringify(value)?.slice(0, 400);

/** fake-qovery's record of what reached "Qovery" since the last clear. */
export async function upstreamRequests() {
  const response = await fetch(`${args.fake}/_fake/requests`);
  if (!response.ok) throw new Error(`GET /_fake/requests: HTTP ${response.status}`);
  return response.json();
}
export async function clearUpstreamRequests() {
  const response = await fetch(`${args.fake}/_fake/requests`, { method: 'DELETE' });
  if (!response.ok) throw new Error(`DELETE /_fake/requests: HTTP ${response.status}`);
}

/** The server over stdio, pointed at fake-qovery: what a framework's stdio config spawns. */
export function stdioServer() {
  return {
    command: args.server,
    args: ['--stdio', '--api-url', args.fake, '--ca-file', args['ca-file'], '--rest-port', '0'],
    env: { QOVERY_API_KEY: process.env.QOVERY_API_KEY ?? '' },
  };
}

/**
 * The conversation the fake model plays in each agent run: list the secrets,
 * add one, then two calls the server answers with a tool error (an argument
 * that is not a UUID, which never reaches Qovery, and a job Qovery answers 404),
 * an add without a value, whose result is a link: the person opens its page
 * and types typedValue(value) on it before the model answers; and a list
 * that shows the key typed.
 */
export function agentScript(key, value) {
  return [
    { tool: 'list-job-secrets', arguments: { jobId } },
    { tool: 'add-secret-job', arguments: { jobId, body: { key, value, description: 'added by an agent' } } },
    { tool: 'list-job-secrets', arguments: { jobId: 'abc' } },
    { tool: 'list-job-secrets', arguments: { jobId: kUnknownJobId } },
    { tool: 'add-secret-job', arguments: { jobId, body: { key: `${key}_TYPED` } },
      after: (result) => typeOnPage(result, typedValue(value)) },
    { tool: 'list-job-secrets', arguments: { jobId } },
  ];
}
export const kFinalTextStart = 'The fake model read 6 tool results';
/** What the person types on the value-entry page in an agent run. */
const typedValue = (value) => `${value}-typed-on-page`;


/**
 * Checks what one agentScript run left: the six tool results the framework
 * sent back to the model (the server's own text for each, errors included, and
 * never the value; a link the person used, then a list showing its key),
 * nothing the model got after carrying the value typed on the page, and the
 * five calls that reached fake-qovery (the fourth from the page). A framework
 * that checks arguments against the input schema itself refuses the bad jobId
 * before the server sees it: `validatesArguments` is then { what, text }, the
 * text its refusal must hold.
 */
export async function checkAgentRun(t, label, fakeModel, key, value, { validatesArguments } = {}) {
  const results = fakeModel.toolResults();
  const typed = typedValue(value);
  t.check(`${label}: the six tool results reached the model`, results.length === 6, short(results));
  const [list, added, badJob, notFound, linked, listedAfter] = results.map((text) => text ?? '');
  t.check(`${label}: list-job-secrets' result, as the model reads it, holds the seeded keys`,
          kSeededKeys.every((seeded) => list.includes(seeded)), list.slice(0, 400));
  t.check(`${label}: add-secret-job's result holds the new key and scope JOB, never the value`,
          added.includes(key) && added.includes('JOB') && !added.includes(value), added.slice(0, 400));
  if (validatesArguments)
    t.check(`${label}: a jobId that is not a UUID: ${validatesArguments.what} reaches the model`,
            badJob.includes(validatesArguments.text), badJob.slice(0, 400));
  else
    t.check(`${label}: a jobId that is not a UUID: the server's own error text reaches the model`,
            badJob.includes("argument 'jobId' must be a UUID") && badJob.includes('abc'), badJob.slice(0, 400));
  t.check(`${label}: Qovery's 404: the server's own error text reaches the model`,
          notFound.includes('Qovery answered HTTP 404') && notFound.includes(`job not found: ${kUnknownJobId}`),
          notFound.slice(0, 400));
  t.check(`${label}: add-secret-job without a value: a link to the page, which the person used`,
          /\/entry\/[A-Za-z0-9_-]+/.test(linked) && fakeModel.afterCount() === 1 && fakeModel.afterErrors.length === 0,
          short([linked.slice(0, 300), fakeModel.afterErrors]));
  t.check(`${label}: the next list-job-secrets shows the key typed on the page`,
          listedAfter.includes(`${key}_TYPED`), listedAfter.slice(0, 400));
  t.check(`${label}: no tool result the model read carries the value`, results.every((text) => !text.includes(value)));
  t.check(`${label}: nothing the model received carries the value typed on the page`,
          !JSON.stringify(fakeModel.requests).includes(typed));
  await t.step(`${label}: fake-qovery's record`, async () => {
    const requests = await upstreamRequests();
    const secrets = `/job/${jobId}/secret`;
    t.check(`${label}: fake-qovery received GET, POST (the key and value sent), GET of the unknown job, ` +
            'POST (the typed value, from the page), GET; not the bad jobId',
            requests.length === 5 &&
              requests[0].method === 'GET' && requests[0].path === secrets &&
              requests[1].method === 'POST' && requests[1].path === secrets &&
              requests[1].body?.key === key && requests[1].body?.value === value &&
              requests[2].method === 'GET' && requests[2].path === `/job/${kUnknownJobId}/secret` &&
              requests[3].method === 'POST' && requests[3].path === secrets &&
              requests[3].body?.key === `${key}_TYPED` && requests[3].body?.value === typed &&
              requests[4].method === 'GET' && requests[4].path === secrets &&
              requests.every((request) => request.authorized === true),
            short(requests.map((r) => [r.method, r.path, r.body?.key])));
  });
}

/**
 * Checks what each examples/ page says about a server restart: a client
 * connected before it fails with the server's 404 text for its old session
 * (the framework does not start a new one), or, with `stateless`, a client
 * that speaks 2026-07-28 keeps working; and a client created after it works.
 * `connect(url)` creates and connects the framework's client and returns
 * { list, close }, list() calling list-job-secrets through the framework's
 * tool object. Uses a server of its own, restarted on its port.
 */
export async function checkRestart(t, connect, { stateless } = {}) {
  const first = await startHttpServer(0);
  let before;
  try {
    before = await connect(first.url);
    const listed = await outcome(before.list);
    t.check('restart: a call before the restart lists the secrets', kSeededKeys.every((seeded) => listed.includes(seeded)),
            listed.slice(0, 300));
  } finally {
    await first.stop();
  }
  const second = await startHttpServer(first.port);
  try {
    const stale = await outcome(before.list);
    if (stateless) {
      // A client that speaks 2026-07-28 with the server has no session to lose.
      t.check('restart: the client made before it still lists the secrets (2026-07-28, no session)',
              kSeededKeys.every((seeded) => stale.includes(seeded)), stale.slice(0, 300));
    } else {
      t.check('restart: a call through the client made before it fails: the server\'s 404 text, "session not found"',
              stale.includes('session not found') && !stale.includes(kSeededKeys[0]), stale.slice(0, 300));
    }
    await before.close().catch(() => {});
    const after = await connect(second.url);
    const listed = await outcome(after.list);
    t.check('restart: a client created again lists the secrets', kSeededKeys.every((seeded) => listed.includes(seeded)),
            listed.slice(0, 300));
    await after.close();
  } finally {
    await second.stop();
  }
}

/** What fn returns, as JSON text, or the message it throws. */
async function outcome(fn) {
  try {
    return JSON.stringify(await fn()) ?? '';
  } catch (error) {
    return `threw: ${error?.message ?? error}`;
  }
}

/**
 * The server over HTTP on 127.0.0.1:`port` (0: a free one), pointed at
 * fake-qovery, its stderr passed on (to client.log, for the secret scan).
 * Returns { url, port, stop() }.
 */
async function startHttpServer(port) {
  const child = spawn(args.server, ['--api-url', args.fake, '--ca-file', args['ca-file'], '--mcp-port', String(port),
                                    '--rest-port', '0'],
                      { env: { ...process.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 10 s: ${stderr}`)), 10000);
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderr += chunk;
      const match = /MCP endpoint (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(() => reject(new Error(`the server exited: ${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The ```js blocks of examples/`page`, each a whole program. */
export function examplePrograms(page) {
  const text = readFileSync(join(args.examples, page), 'utf8');
  return [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

/**
 * Runs each program of examples/`page` as written, with the page's server URL
 * and binary path replaced by the test's (the binary by a script that points
 * it at fake-qovery), OPENAI_BASE_URL at `fakeModel`, which asks for the job's
 * secrets: each must exit 0, print the model's answer (which quotes the tool
 * result), and the list must have reached the model and fake-qovery. Without a
 * fake model (a program that calls the tool itself), it must print the keys.
 * Expects an HTTP program and a stdio one.
 */
export async function runExamplePage(t, page, fakeModel = undefined) {
  const programs = examplePrograms(page);
  const kinds = programs.map((program) => program.includes(kExampleUrl) ? 'http' : program.includes(kExampleBinary) ? 'stdio' : 'none');
  t.check(`examples/${page}: one program over HTTP (${kExampleUrl}) and one over stdio (${kExampleBinary})`,
          kinds.length === 2 && kinds.includes('http') && kinds.includes('stdio'), short(kinds));
  const wrapper = join(workDir, 'qovery-job-secret-mcp');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${args.server}' --api-url '${args.fake}' --ca-file '${args['ca-file']}' --rest-port 0 "$@"\n`);
  chmodSync(wrapper, 0o755);
  for (const [i, program] of programs.entries()) {
    const label = `examples/${page} program ${i + 1} (${kinds[i]})`;
    fakeModel?.setScript([{ tool: 'list-job-secrets', arguments: { jobId } }]);
    await clearUpstreamRequests();
    const file = join(workDir, `example-${page.replace(/\W/g, '-')}-${i + 1}.mjs`);
    writeFileSync(file, program.replaceAll(kExampleUrl, args.url).replaceAll(kExampleBinary, wrapper));
    const run = await runNode(file, {
      QOVERY_API_KEY: process.env.QOVERY_API_KEY,
      ...fakeModel && {
        OPENAI_BASE_URL: fakeModel.baseURL,
        OPENAI_API_KEY: 'sk-fake-model-key',
      },
    });
    t.check(`${label}: exits 0`, run.code === 0, `code ${run.code}, signal ${run.signal}, stderr: ${run.stderr.slice(-1500)}`);
    if (fakeModel) {
      t.check(`${label}: prints the model's answer, which quotes the seeded keys`,
              run.stdout.includes('The fake model read 1 tool results') &&
                kSeededKeys.every((seeded) => run.stdout.includes(seeded)), run.stdout.slice(0, 600));
      const results = fakeModel.toolResults();
      t.check(`${label}: list-job-secrets' result reached the model`,
              results.length === 1 && kSeededKeys.every((seeded) => results[0].includes(seeded)), short(results));
    } else {
      t.check(`${label}: prints the seeded keys`, kSeededKeys.every((seeded) => run.stdout.includes(seeded)),
              run.stdout.slice(0, 600));
    }
    const requests = await upstreamRequests();
    t.check(`${label}: fake-qovery received one GET of the job's secrets`,
            requests.length === 1 && requests[0].method === 'GET' && requests[0].path === `/job/${jobId}/secret`,
            short(requests));
    note(`examples/${page} program ${i + 1}: stderr`, run.stderr.split('\n'));
  }
}

/** Runs `node file` with `env` added; at most 60 s. */
function runNode(file, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd: workDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Prints what a framework said that is worth knowing but is no check (its
 * warnings, a stdio server's log): each distinct line once, with its count.
 */
export function note(label, lines) {
  const counts = new Map();
  for (const line of lines.map((text) => text.trim()).filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
  if (counts.size === 0) return;
  const shown = [...counts].map(([line, count]) => `  ${count > 1 ? `(${count}x) ` : ''}${line.slice(0, 500)}`);
  console.log(`note [${label}]:\n${shown.join('\n')}`);
}

/**
 * Collects the warnings a framework gives while `fn` runs: what it writes with
 * console.warn / console.error, and process warnings (the AI SDK's).
 */
export async function collectingWarnings(fn) {
  const warnings = [];
  const { warn, error } = console;
  console.warn = (...parts) => warnings.push(parts.map(String).join(' '));
  console.error = (...parts) => warnings.push(parts.map(String).join(' '));
  const onWarning = (warning) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    return { value: await fn(), warnings };
  } finally {
    console.warn = warn;
    console.error = error;
    process.off('warning', onWarning);
  }
}
