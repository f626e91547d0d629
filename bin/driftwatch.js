#!/usr/bin/env node
// The `driftwatch` executable: runs the compiled CLI (dist/), so `npm run build` must have run.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`driftwatch: ${entry} is missing; run npm run build first\n`);
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`driftwatch: ${e && e.stack ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
