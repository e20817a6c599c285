// Structured logging with one namespace per capability (`rt:deploy:local`); never log secrets.
import { pino, type Logger } from 'pino';

const root = pino({
  level: process.env.RACETRACK_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
  base: undefined,
  redact: { paths: ['token', 'password', '*.token', '*.password', 'headers["x-racetrack-auth"]', 'authorization'], censor: '[redacted]' },
}, pino.destination(2)); // stderr: stdout carries the lines users and scripts read

export function logger(ns: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ ns, ...bindings });
}

export type { Logger };
