// Prints why each scenario of a `conformance server -o DIR` run failed or
// warned: the suite's own summary gives only counts.
//   node conformance-failures.mjs DIR
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir || !existsSync(dir)) {
  console.log(`conformance-failures: no results in ${dir}`);
  process.exit(0);
}
for (const entry of readdirSync(dir).sort()) {
  const file = join(dir, entry, 'checks.json');
  if (!existsSync(file)) continue;
  const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
  for (const check of JSON.parse(readFileSync(file, 'utf8'))) {
    if (check.status === 'FAILURE' || check.status === 'WARNING')
      console.log(`  ${scenario}: ${check.status} ${check.id}: ${(check.errorMessage ?? check.description).slice(0, 160)}`);
  }
}
