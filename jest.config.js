// Two projects: unit tests beside the code (fast, no root, no daemons) and e2e tests that start real
// daemons (BIRD, FRR, GoBGP, ExaBGP, etcd) or program a real kernel in network namespaces.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
      testTimeout: 120000,
      maxWorkers: 1,
    },
  ],
};
