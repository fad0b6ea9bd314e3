// e2e tests start real daemons and wait for real timers: give each test room (every wait inside is bounded itself).
jest.setTimeout(180_000);
