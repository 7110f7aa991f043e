import { Redactor } from './redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Where formatted lines go (in VS Code: the "Switchboard" LogOutputChannel). */
export interface LogSink {
  log(level: LogLevel, line: string): void;
}

/** The logger the core and the VS Code layer share; `component` tags each line, e.g. `[openai]`. */
export interface Logger {
  trace(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  child(component: string): Logger;
}

function describe(detail: unknown): string {
  if (detail instanceof Error) {
    const cause = detail.cause === undefined ? '' : ` (cause: ${describe(detail.cause)})`;
    return `${detail.name}: ${detail.message}${cause}`;
  }
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail) ?? String(detail);
  } catch {
    return String(detail);
  }
}

/**
 * Every line is redacted right before it reaches the sink, so no caller can forget to:
 * messages, details, error messages and causes all pass through the same redactor.
 */
export function createLogger(sink: LogSink, redactor: Redactor = new Redactor(), component?: string): Logger {
  const write = (level: LogLevel, message: string, details: unknown[]) => {
    const tag = component ? `[${component}] ` : '';
    const tail = details.length > 0 ? ` ${details.map(describe).join(' ')}` : '';
    sink.log(level, redactor.redact(`${tag}${message}${tail}`));
  };
  return {
    trace: (message, ...details) => write('trace', message, details),
    debug: (message, ...details) => write('debug', message, details),
    info: (message, ...details) => write('info', message, details),
    warn: (message, ...details) => write('warn', message, details),
    error: (message, ...details) => write('error', message, details),
    child: (name) => createLogger(sink, redactor, component ? `${component}/${name}` : name),
  };
}
