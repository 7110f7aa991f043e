export { createLogger } from './logger';
export type { LogLevel, LogSink, Logger } from './logger';
export { REDACTED, Redactor, redact } from './redact';
export type { KeyValueStore, SecretStore } from './storage';
