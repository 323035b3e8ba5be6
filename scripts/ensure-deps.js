#!/usr/bin/env node
// Runs before `npm start` / `npm test` (npm's pre-scripts): on a fresh clone node_modules is
// missing, so install it first. Plain JavaScript on purpose: nothing is built yet at this point.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const needed = ['@swc/cli', '@swc/core', 'jest', 'typescript', '@nestjs/core', '@nats-io/transport-node', 'pg'];
const missing = needed.filter((p) => !existsSync(join(root, 'node_modules', p, 'package.json')));
if (missing.length === 0) process.exit(0);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (args) => spawnSync(npm, args, { cwd: root, stdio: 'inherit' }).status === 0;
console.log(`lienthong | installing dependencies (missing: ${missing.join(', ')})`);
// npm 11 may write a lock without other platforms' optional packages, which `npm ci` then
// refuses; `npm install` from the same lock works, so it is the fallback
if (!run(['ci', '--no-audit', '--no-fund']) && !run(['install', '--no-audit', '--no-fund'])) {
  console.error('lienthong | could not install dependencies: check that the npm registry is reachable');
  process.exit(1);
}
