/**
 * Router pipeline benchmark (numbers, not pass/fail); the measurement itself is in
 * bench/router-pipeline.ts.
 *   cd /work/main && npx swc apps libs bench -d /tmp/rt -q && node /tmp/rt/bench/router.bench.js
 * A build outside the repository (/tmp/rt) cannot find node_modules next to itself, so this
 * launcher adds the working directory's node_modules to the module paths before loading it.
 */
import { existsSync } from 'node:fs';
import Module from 'node:module';
import { delimiter, join, resolve } from 'node:path';

const found = [join(process.cwd(), 'node_modules'), resolve(__dirname, '..', 'node_modules')].filter((p) => existsSync(p));
process.env.NODE_PATH = [...found, ...(process.env.NODE_PATH ? [process.env.NODE_PATH] : [])].join(delimiter);
(Module as unknown as { _initPaths(): void })._initPaths();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runRouterBench } = require('./router-pipeline') as typeof import('./router-pipeline');

runRouterBench().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
