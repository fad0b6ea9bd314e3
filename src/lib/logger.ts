// Logging on winston. Text for a terminal, JSON with --log-format json; levels settable per component
// ("info", or "info,bgp=debug,session=warn"). winston (about 80 modules) is loaded by the first createLogger, not by
// importing this file: short CLI commands and the code that only needs nullLogger or the types never pay for it.
import type winston from 'winston';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadWinston = (): typeof winston => require('winston') as typeof winston;

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface LevelSpec {
  readonly defaultLevel: LogLevel;
  readonly perComponent: ReadonlyMap<string, LogLevel>;
}

/** Parses "info" or "info,bgp=debug,session=warn". Throws with the offending part named. */
export function parseLevelSpec(spec: string): LevelSpec {
  let defaultLevel: LogLevel = 'info';
  const perComponent = new Map<string, LogLevel>();
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const eq = part.indexOf('=');
    const [component, level] = eq < 0 ? [undefined, part] : [part.slice(0, eq), part.slice(eq + 1)];
    if (!LEVELS.includes(level as LogLevel)) {
      throw new Error(`log level "${part}": level must be one of ${LEVELS.join(', ')}`);
    }
    if (component === undefined) defaultLevel = level as LogLevel;
    else perComponent.set(component, level as LogLevel);
  }
  return { defaultLevel, perComponent };
}

function enabled(spec: LevelSpec, component: string, level: LogLevel): boolean {
  // The most specific setting wins: "bgp.session" falls back to "bgp", then to the default.
  let name = component;
  for (;;) {
    const set = spec.perComponent.get(name);
    if (set !== undefined) return LEVELS.indexOf(level) <= LEVELS.indexOf(set);
    const dot = name.lastIndexOf('.');
    if (dot < 0) break;
    name = name.slice(0, dot);
  }
  return LEVELS.indexOf(level) <= LEVELS.indexOf(spec.defaultLevel);
}

class WinstonLogger implements Logger {
  constructor(
    private readonly sink: winston.Logger,
    private readonly spec: LevelSpec,
    private readonly component: string,
  ) {}

  private log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!enabled(this.spec, this.component, level)) return;
    this.sink.log({ level, message: msg, component: this.component, ...fields });
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  child(component: string): Logger {
    return new WinstonLogger(this.sink, this.spec, this.component ? `${this.component}.${component}` : component);
  }
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  readonly levels?: string;
  /** Where lines go; stderr by default so that command output on stdout stays clean. */
  readonly stream?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const winston = loadWinston();
  const spec = parseLevelSpec(opts.levels ?? 'info');
  const text = winston.format.printf((info) => {
    const { level, message, component, timestamp, ...rest } = info as Record<string, unknown>;
    const extra = Object.entries(rest)
      .filter(([k]) => typeof k === 'string')
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${String(timestamp)} ${String(level).toUpperCase().padEnd(5)} [${String(component)}] ${String(message)}${extra ? ' ' + extra : ''}`;
  });
  const sink = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(
      winston.format.timestamp(),
      opts.format === 'json' ? winston.format.json() : text,
    ),
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stderr })],
  });
  return new WinstonLogger(sink, spec, '');
}

/** A logger that drops everything, for tests and library defaults. */
export const nullLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => nullLogger,
};
