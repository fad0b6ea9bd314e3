import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  const cases: Array<{ input: string; want: number | undefined }> = [
    { input: '120s', want: 120000 },
    { input: '1m30s', want: 90000 },
    { input: '1h', want: 3600000 },
    { input: '500ms', want: 500 },
    { input: '1.5h', want: 5400000 },
    { input: '2h45m', want: 9900000 },
    { input: '0', want: 0 },
    { input: '0s', want: 0 },
    { input: '-5s', want: -5000 },
    { input: '1000us', want: 1 },
    { input: '10', want: undefined },
    { input: '1d', want: undefined },
    { input: 's', want: undefined },
    { input: '', want: undefined },
    { input: '1m 30s', want: undefined },
  ];
  it.each(cases)('$input', ({ input, want }) => expect(parseDuration(input)).toBe(want));
});

describe('formatDuration', () => {
  const cases: Array<{ ms: number; want: string }> = [
    { ms: 120000, want: '2m0s' },
    { ms: 90000, want: '1m30s' },
    { ms: 3600000, want: '1h0m0s' },
    { ms: 500, want: '500ms' },
    { ms: 0, want: '0s' },
    { ms: 1500, want: '1.5s' },
    { ms: -5000, want: '-5s' },
  ];
  it.each(cases)('$ms', ({ ms, want }) => {
    expect(formatDuration(ms)).toBe(want);
    expect(parseDuration(want)).toBe(ms);
  });
});
