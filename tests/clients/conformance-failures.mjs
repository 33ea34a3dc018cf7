// Checks a `conformance server -o DIR` run against its baseline, both ways, for
// every scenario run (the suite's own --expected-failures check skips the
// scenarios a requirement set does not score: extensions and pending ones),
// and prints why each scenario failed or warned (the suite's summary gives
// only counts). A check fails when its status is FAILURE or WARNING, as in the
// suite. Exits 1 if a failure is not in the baseline, or a baseline entry of a
// scenario that ran now passes (stale).
//   node conformance-failures.mjs DIR BASELINE.yml
// BASELINE.yml is the suite's format: `server:` a list of '<scenario>' or
// '<scenario>:<check-id>'.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const [dir, baselineFile] = process.argv.slice(2);
if (!dir || !existsSync(dir) || !baselineFile) {
  console.log(`conformance-failures: no results in ${dir}, or no baseline given`);
  process.exit(1);
}
const entries = parse(readFileSync(baselineFile, 'utf8'))?.server ?? [];
const wholeScenarios = new Set(entries.filter((entry) => !entry.includes(':')));
const singleChecks = new Set(entries.filter((entry) => entry.includes(':')));
const failed = (check) => check.status === 'FAILURE' || check.status === 'WARNING';

const unexpected = [], stale = [];
for (const entry of readdirSync(dir).sort()) {
  const file = join(dir, entry, 'checks.json');
  if (!existsSync(file)) continue;
  const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
  const checks = JSON.parse(readFileSync(file, 'utf8'));
  for (const check of checks.filter(failed))
    console.log(`  ${scenario}: ${check.status} ${check.id}: ${(check.errorMessage ?? check.description).slice(0, 160)}`);
  if (wholeScenarios.has(scenario)) {
    if (!checks.some(failed)) stale.push(scenario);
    continue;
  }
  for (const check of checks) {
    const name = `${scenario}:${check.id}`;
    if (failed(check) && !singleChecks.has(name)) unexpected.push(name);
    if (check.status === 'SUCCESS' && singleChecks.has(name)) stale.push(name);
  }
}
for (const name of unexpected) console.log(`conformance-failures: FAILED: ${name} failed and is not in the baseline`);
for (const name of stale) console.log(`conformance-failures: FAILED: ${name} is in the baseline but passed: remove it`);
if (unexpected.length === 0 && stale.length === 0)
  console.log(`conformance-failures: ok: every failure is in ${baselineFile.split('/').pop()}, and every entry of a scenario run still fails`);
process.exit(unexpected.length > 0 || stale.length > 0 ? 1 : 0);
