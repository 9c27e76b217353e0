// One logger for the whole server: levels, a context (org, platform, job) carried by child
// loggers, human-readable lines by default and JSON lines with LOG_FORMAT=json. It writes
// through `console`, the one output both Node and Cloudflare Workers have, and imports nothing,
// so any layer may use it. Secrets never reach the output: values under secret-looking keys
// and credentials inside URLs or headers in messages are replaced by "[redacted]".

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'pretty' | 'json';

/** Who or what a line is about. Any other field may be added; these three are the common ones. */
export interface LogContext {
  org?: string;
  platform?: string;
  job?: string;
  [field: string]: unknown;
}

export interface LogRecord {
  time: string;
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogContext): void;
  info(message: string, fields?: LogContext): void;
  warn(message: string, fields?: LogContext): void;
  /** Put the error under `err`: its name, code, message, stack and cause are written. */
  error(message: string, fields?: LogContext): void;
  /** A logger that adds `context` to every line. */
  child(context: LogContext): Logger;
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where finished lines go (default: console.debug/info/warn/error by level). */
  sink?: (level: LogLevel, line: string) => void;
  now?: () => Date;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = '[redacted]';

/** Keys whose values are never logged, wherever they appear in the fields. */
const SECRET_KEY =
  /secret|token|passw(or)?d|pwd|key|authori[sz]ation|encrypt|cookie|credential|signature|ticket|session/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Credentials that travel inside strings: query parameters, bearer/basic headers, `KEY=value` pairs. */
const SECRET_IN_TEXT: [RegExp, string][] = [
  [
    /([?&](?:access_token|corpsecret|secret|token|app_secret|appsecret|client_secret|ticket|code|key)=)[^&\s"'#]+/gi,
    `$1${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  [
    /\b([A-Z][A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|AES_KEY|ENCRYPT_KEY|API_KEY)[A-Z0-9_]*)=(?!\s|$)[^\s"',;]+/g,
    `$1=${REDACTED}`,
  ],
];

/** The string with credentials that commonly appear in URLs, headers and env dumps blanked. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 6;

/** A JSON-safe copy of `value` with secret-looking keys blanked, errors expanded and cycles cut. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorFields(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
    if (value instanceof Map) return redact(Object.fromEntries(value), depth, seen);
    if (value instanceof Uint8Array) return `[${value.length} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = isSecretKey(k) && v !== null && v !== '' ? REDACTED : redact(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorFields(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: redactText(error.message) };
  for (const [k, v] of Object.entries(error)) {
    if (k === 'name' || k === 'message' || k === 'stack' || v === undefined) continue;
    out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1, seen);
  }
  if (error.stack) out.stack = redactText(error.stack);
  if (error.cause !== undefined) out.cause = redact(error.cause, depth + 1, seen);
  return out;
}

function parseLevel(value: string | undefined): LogLevel | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'warning') return 'warn';
  return v && Object.hasOwn(LEVELS, v) ? (v as LogLevel) : undefined;
}

function parseFormat(value: string | undefined): LogFormat | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'json') return 'json';
  if (v === 'pretty' || v === 'text') return 'pretty';
  return undefined;
}

/** LOG_LEVEL (debug, info, warn, error; default info) and LOG_FORMAT (pretty or json; default pretty). */
export function logOptionsFromEnv(env: Record<string, string | undefined>): { level: LogLevel; format: LogFormat } {
  return { level: parseLevel(env.LOG_LEVEL) ?? 'info', format: parseFormat(env.LOG_FORMAT) ?? 'pretty' };
}

export function consoleSink(level: LogLevel, line: string): void {
  // biome-ignore lint/suspicious/noConsole: the logger's output, the one place that writes to the console
  console[level](line);
}

/** `key=value` for the pretty format; strings with spaces or quotes are JSON-quoted. */
function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

function formatPretty(record: LogRecord): string {
  const { time, level, msg, err, ...fields } = record;
  let line = `${time} ${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const [k, v] of Object.entries(fields)) line += ` ${k}=${prettyValue(v)}`;
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown; [k: string]: unknown };
    const { name, message, stack, ...rest } = e;
    const extra = Object.entries(rest)
      .map(([k, v]) => ` ${k}=${prettyValue(v)}`)
      .join('');
    line += `\n  ${typeof stack === 'string' ? stack.replace(/\n/g, '\n  ') : `${String(name)}: ${String(message)}`}`;
    if (extra) line += `\n ${extra}`;
  } else if (err !== undefined) {
    line += ` err=${prettyValue(err)}`;
  }
  return line;
}

/** Reads LOG_LEVEL/LOG_FORMAT from `process.env` where there is one (Node; Workers with nodejs_compat). */
function ambientEnv(): Record<string, string | undefined> {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env ?? {};
}

class ConsoleLogger implements Logger {
  constructor(
    private readonly settings: () => Required<LoggerOptions>,
    private readonly context: LogContext,
  ) {}

  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= LEVELS[this.settings().level];
  }

  debug(message: string, fields?: LogContext): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogContext): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogContext): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogContext): void {
    this.write('error', message, fields);
  }

  child(context: LogContext): Logger {
    return new ConsoleLogger(this.settings, { ...this.context, ...context });
  }

  private write(level: LogLevel, message: string, fields?: LogContext): void {
    const settings = this.settings();
    if (LEVELS[level] < LEVELS[settings.level]) return;
    const record: LogRecord = {
      time: settings.now().toISOString(),
      level,
      msg: redactText(message),
      ...(redact({ ...this.context, ...fields }) as Record<string, unknown>),
    };
    let line: string;
    try {
      line = settings.format === 'json' ? JSON.stringify(record) : formatPretty(record);
    } catch {
      line = JSON.stringify({ time: record.time, level, msg: record.msg, note: 'fields could not be serialised' });
    }
    settings.sink(level, line);
  }
}

/** A logger with fixed options (tests, tools); the rest of the code uses `log`. */
export function createLogger(options: LoggerOptions = {}, context: LogContext = {}): Logger {
  const settings: Required<LoggerOptions> = {
    level: options.level ?? 'info',
    format: options.format ?? 'pretty',
    sink: options.sink ?? consoleSink,
    now: options.now ?? (() => new Date()),
  };
  return new ConsoleLogger(() => settings, context);
}

let configured: Required<LoggerOptions> | undefined;

function rootSettings(): Required<LoggerOptions> {
  configured ??= { ...logOptionsFromEnv(ambientEnv()), sink: consoleSink, now: () => new Date() };
  return configured;
}

/**
 * Sets the process-wide level, format or sink. Entries call it with their environment
 * (`configureLogging(logOptionsFromEnv(env))`: src/node.ts with process.env, src/worker.ts with
 * the Worker's bindings); without a call the logger reads `process.env` where there is one.
 */
export function configureLogging(options: LoggerOptions): void {
  const current = rootSettings();
  configured = {
    level: options.level ?? current.level,
    format: options.format ?? current.format,
    sink: options.sink ?? current.sink,
    now: options.now ?? current.now,
  };
}

/** The server's logger. `log.child({ org, platform, job })` for lines about one of them. */
export const log: Logger = new ConsoleLogger(rootSettings, {});
