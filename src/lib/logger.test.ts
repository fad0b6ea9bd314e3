import { PassThrough } from 'node:stream';
import { createLogger, parseLevelSpec } from './logger';

function capture(format: 'text' | 'json', levels: string): { lines: () => string[]; log: ReturnType<typeof createLogger> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const log = createLogger({ format, levels, stream });
  return { lines: () => chunks.join('').split('\n').filter((l) => l.length > 0), log };
}

describe('logger', () => {
  it('parses per-component levels and rejects unknown ones with the part named', () => {
    const spec = parseLevelSpec('warn,bgp=debug');
    expect(spec.defaultLevel).toBe('warn');
    expect(spec.perComponent.get('bgp')).toBe('debug');
    expect(() => parseLevelSpec('bgp=loud')).toThrow('log level "bgp=loud"');
  });

  it('filters by component, most specific setting first', async () => {
    const { lines, log } = capture('json', 'warn,bgp=debug');
    log.child('bgp').child('session').debug('shown');
    log.child('felix').info('hidden');
    log.child('felix').warn('shown too');
    await new Promise((r) => setImmediate(r));
    const parsed = lines().map((l) => JSON.parse(l) as { message: string; component: string });
    expect(parsed.map((p) => p.message)).toEqual(['shown', 'shown too']);
    expect(parsed[0]?.component).toBe('bgp.session');
  });

  it('prints text lines with level, component and fields', async () => {
    const { lines, log } = capture('text', 'info');
    log.child('bgp').info('session up', { peer: '127.0.0.2' });
    await new Promise((r) => setImmediate(r));
    expect(lines()[0]).toMatch(/INFO  \[bgp\] session up peer=127\.0\.0\.2$/);
  });
});
