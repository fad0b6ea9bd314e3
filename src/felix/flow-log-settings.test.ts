import { flowLogSettings } from './flow-log-settings';

describe('flowLogSettings', () => {
  it('is off by default and when switched off', () => {
    expect(flowLogSettings(undefined, undefined)).toBeUndefined();
    expect(flowLogSettings({ flowLogsFileEnabled: false }, undefined)).toBeUndefined();
    expect(flowLogSettings({ flowLogsFileEnabled: true }, { flowLogsFileEnabled: false })).toBeUndefined();
  });

  it('takes defaults, then the default resource, then the node resource field by field', () => {
    expect(flowLogSettings({ flowLogsFileEnabled: true }, undefined)).toEqual({
      file: '/var/log/gingham/flows-denied.log',
      maxBytes: 100 * 1024 * 1024,
      maxFiles: 5,
      perSecond: 100,
      burst: 50,
      group: 20,
    });
    expect(flowLogSettings({ flowLogsFileEnabled: true, flowLogsFileDirectory: '/a', flowLogsDeniedRateLimit: 7 }, { flowLogsFileMaxFiles: 1, flowLogsDeniedRateLimit: 1000 })).toMatchObject({
      file: '/a/flows-denied.log',
      maxFiles: 1,
      perSecond: 1000,
      burst: 500,
    });
  });
});
