// Two projects: unit tests beside the code (fast, no root, no daemons) and e2e tests that start real
// daemons (BIRD, FRR, GoBGP, ExaBGP, etcd) or program a real kernel in network namespaces. package.json runs the
// e2e project in band (one file at a time): the daemons share two cores and the loopback port 179.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
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
      setupFilesAfterEnv: ['<rootDir>/e2e/jest-setup.ts'],
    },
  ],
};
