// Two projects: unit tests beside the code (fast, no root, no daemons) and e2e tests that start real
// daemons (BIRD, FRR, GoBGP, ExaBGP, etcd) or program a real kernel in network namespaces. package.json runs the
// e2e project in band (one file at a time): the daemons share two cores and the loopback port 179.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// @kubernetes/client-node and a few of its dependencies ship only ES modules. Node 20 require()s them natively, but
// jest's module runtime cannot, so jest compiles exactly these packages to CommonJS (ts-jest with allowJs).
const ESM_ONLY = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];
const esmJest = ['ts-jest', { tsconfig: 'tsconfig.esm-deps.json' }];
const common = {
  transform: { '^.+\\.ts$': tsJest, [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: esmJest },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts'], ...common },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      ...common,
      setupFilesAfterEnv: ['<rootDir>/e2e/jest-setup.ts'],
    },
  ],
};
