import { parseSpeakerFile } from '../bgp/config/speaker-config';
import { SPEAKER_EXAMPLE } from './bgp';
import { oneLine } from './run';
import { cliHarness } from './testing/cli-harness';

describe('runCli', () => {
  it('prints the version and exits 0', async () => {
    const r = await cliHarness().run('version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: {4}v\d+\.\d+\.\d+\n/);
  });

  it('exits non-zero with commander usage errors on stderr', async () => {
    const r = await cliHarness().run('no-such-verb');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'no-such-verb'");
  });

  it('keeps client errors on one line and drops HTTP dumps', () => {
    expect(oneLine('list x: HTTP-Code: 401\nMessage: Unauthorized\nBody: undefined\nHeaders: {"a":"b"}')).toBe('list x: HTTP-Code: 401; Message: Unauthorized');
    expect(oneLine('plain')).toBe('plain');
  });
});

describe('gingham bgp run --help', () => {
  it('shows a configuration example that the speaker accepts', async () => {
    const r = await cliHarness().run('bgp', 'run', '--help');
    expect(r.code).toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('asNumber: 65000');
    expect(out).toContain('peers:');
    expect(out).toMatch(/gingham bgp status/);
    // The example is a valid file: its YAML lines, unindented, parse.
    const yaml = SPEAKER_EXAMPLE.split('\n')
      .filter((l) => l.startsWith('  '))
      .filter((l) => !l.includes('gingham bgp'))
      .map((l) => l.slice(2))
      .join('\n');
    const file = parseSpeakerFile(yaml);
    expect(file.peers.map((p) => p.address)).toEqual(['192.0.2.2', '192.0.2.3']);
  });
});
