// A Logger for tests that keeps every line as "<level> <message>" (debug dropped), in order, for exact assertions.
import type { Logger } from '../logger';

export function recordingLogger(lines: string[]): Logger {
  const l: Logger = {
    error: (m) => void lines.push(`error ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    info: (m) => void lines.push(`info ${m}`),
    debug: () => undefined,
    child: () => l,
  };
  return l;
}
