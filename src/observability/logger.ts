import { pino, type Logger } from 'pino';

/** Cloud Logging reads `severity`; pino's numeric `level` means nothing to it. */
const SEVERITY: Record<string, string> = { trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };

/** Keys that may hold secrets anywhere in a logged object; pino replaces their values. */
export const REDACTED_PATHS = ['token', '*.token', 'botToken', 'appToken', 'signingSecret', '*.signingSecret', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'];

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'meshbot' },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination as never,
  );
}

export type { Logger };
