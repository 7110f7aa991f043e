import type * as vscode from 'vscode';
import { createLogger, type LogLevel, type LogSink, type Logger, type Redactor } from '../core';

/** Lines reach the "Switchboard" LogOutputChannel only after the core logger has redacted them. */
class OutputChannelSink implements LogSink {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  log(level: LogLevel, line: string): void {
    this.channel[level](line);
  }
}

export function createOutputLogger(channel: vscode.LogOutputChannel, redactor: Redactor): Logger {
  return createLogger(new OutputChannelSink(channel), redactor);
}
