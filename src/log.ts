// The pino root. JSON lines on stdout (journald keeps them); modules take a child
// logger (`log.child({ module: 'hub' })`) so every line says where it came from.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'camstream' },
      // Secrets never reach the log, whatever object a caller passes.
      // (…and should a whole config or auth section be logged, its users and tokens.)
      redact: {
        paths: [
          'password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization',
          'passwordHash', '*.passwordHash', 'tokenHash', '*.tokenHash', 'users', '*.users', 'tokens', '*.tokens', 'auth.users', 'auth.tokens',
          '*.auth.users', '*.auth.tokens', 'headers["x-camstream-token"]', '*.headers["x-camstream-token"]',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** A logger that drops everything: for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
