import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { enableNetnsLog, NETNS_LOG_SYSCTL, releaseNetnsLog } from './lab-netns-log';
import type { LabSys } from './lab-sys';

/** sysctl as a variable; `writable` false makes -w fail as it does outside the initial namespace. */
function fakeSysctl(value: string, writable = true): LabSys & { value: () => string } {
  let v = value;
  return {
    value: () => v,
    run: (cmd, args) => {
      if (cmd !== 'sysctl') throw new Error(`unexpected ${cmd}`);
      if (args[0] === '-n' && args[1] === NETNS_LOG_SYSCTL) return { status: 0, stdout: `${v}\n`, stderr: '' };
      const set = args.find((a) => a.startsWith(`${NETNS_LOG_SYSCTL}=`));
      if (!set) throw new Error(`unexpected sysctl ${args.join(' ')}`);
      if (!writable) return { status: 255, stdout: '', stderr: `sysctl: permission denied on key "${NETNS_LOG_SYSCTL}"` };
      v = set.split('=')[1]!;
      return { status: 0, stdout: '', stderr: '' };
    },
    spawnDetached: () => 0,
    alive: () => false,
    kill: () => undefined,
    sleep: () => Promise.resolve(),
  };
}

describe('nf_log_all_netns for the lab', () => {
  let dir: string;
  let file: string;
  const lab = (name: string): string => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gingham-nflog-'));
    file = path.join(dir, 'users.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sets 1 while any lab is up and restores the value found first when the last one goes', async () => {
    const sys = fakeSysctl('0');
    const [a, b] = [lab('a'), lab('b')];
    expect(await enableNetnsLog(sys, a, file)).toBeUndefined();
    expect(sys.value()).toBe('1');
    expect(await enableNetnsLog(sys, b, file)).toBeUndefined();
    await releaseNetnsLog(sys, a, file);
    expect(sys.value()).toBe('1');
    await releaseNetnsLog(sys, b, file);
    expect(sys.value()).toBe('0');
    expect(existsSync(file)).toBe(false);
  });

  it('keeps a value of 1 that was there before the labs', async () => {
    const sys = fakeSysctl('1');
    const a = lab('a');
    await enableNetnsLog(sys, a, file);
    await releaseNetnsLog(sys, a, file);
    expect(sys.value()).toBe('1');
  });

  it('forgets a lab whose state directory is gone (a crashed lab never ran down)', async () => {
    const sys = fakeSysctl('0');
    const [gone, a] = [lab('gone'), lab('a')];
    await enableNetnsLog(sys, gone, file);
    await enableNetnsLog(sys, a, file);
    rmSync(gone, { recursive: true });
    await releaseNetnsLog(sys, a, file);
    expect(sys.value()).toBe('0');
  });

  it('warns, and records nothing, where the sysctl cannot be written', async () => {
    const sys = fakeSysctl('0', false);
    expect(await enableNetnsLog(sys, lab('a'), file)).toMatch(/^net\.netfilter\.nf_log_all_netns=1: sysctl: permission denied .*; Log rules write no lines/);
    expect(existsSync(file)).toBe(false);
  });
});
