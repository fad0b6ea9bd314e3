// Kubernetes/Go-style durations ("120s", "1m30s", "1h", "500ms", "1.5h") as used by BGPPeer keepaliveTime,
// maxRestartTime and the Felix intervals. Values are held as milliseconds; sub-millisecond units are accepted
// when they add up to whole milliseconds, because no Gingham timer is finer than that.

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Parses a duration to milliseconds; undefined when the text is not a duration. "0" alone is zero, as in Go. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let negative = false;
  if (text.startsWith('-') || text.startsWith('+')) {
    negative = text.startsWith('-');
    pos = 1;
  }
  if (pos >= text.length) return undefined;
  re.lastIndex = pos;
  while (pos < text.length) {
    const m = re.exec(text);
    if (!m || m.index !== pos) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
    pos = re.lastIndex;
  }
  if (!Number.isFinite(total)) return undefined;
  const ms = Math.round(total * 1000) / 1000;
  return negative ? -ms : ms;
}

/** Go's time.Duration.String() form: "1h2m3s", "1m30s", "500ms", "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${trim(rest)}ms`;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const m = Math.floor(rest / 60000);
  rest -= m * 60000;
  const s = rest / 1000;
  let out = sign;
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${out}${trim(s)}s`;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
