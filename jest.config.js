// Nest 12, jose 6, @nats-io v3 and @apidevtools (OpenAPI validator) ship ESM only: Jest (CommonJS) transforms them with swc.
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swcrc, sourceMaps: 'inline', swcrc: false }] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose|@nats-io|@apidevtools)/)'],
  moduleNameMapper: { '^@lt/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  // testTimeout is a global option (ignored inside projects): integration and e2e tests need more than 5 s
  testTimeout: 120000,
  projects: [
    // pure logic beside the code; may stub side effects
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts,bench}/**/*.spec.ts'], testPathIgnorePatterns: ['\\.int\\.spec\\.ts$'] },
    // one service or lib against real PostgreSQL and NATS
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts', '<rootDir>/test/integration/**/*.spec.ts'] },
    // whole hub: built services as processes, real servers
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
    // fault tests (npm run test:faults): kill -9, NATS and PostgreSQL outages under load; not part of npm test
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.spec.ts'] },
  ],
};
