#!/usr/bin/env node
// camstream [serve] [--config PATH] | check-config [PATH] | --version | --help
// Exit codes: 0 ok, 64 usage, 78 config error (systemd: RestartPreventExitStatus=78).
import { ConfigError, EXIT_CONFIG, EXIT_USAGE } from './errors';
import { loadConfig, type Loaded } from './config/load';
import { VERSION } from './version';

const USAGE = `usage: camstream [serve] [--config PATH]
       camstream check-config [PATH]
       camstream config show [--config PATH]  every key's effective value and where it came from (file, env, default, the state file of settings changed from the page)
       camstream example-config      print a documented config with every key
       camstream reload [--pid PID]  make the server re-read its config (SIGHUP) and wait for the outcome (the unit's ExecReload=)
       camstream hash-password       read a password (prompt, or first line of stdin), print its scrypt hash for auth.users
       camstream list-cameras [--json]  list every camera found (Pi cameras, USB webcams) with a "cameras" config to serve them all
       camstream --version

Config: --config PATH, else $CAMSTREAM_CONFIG, else /etc/camstream.json (optional);
environment variables (CAMSTREAM_*) override the file. See config/camstream.example.json.
`;

interface Args {
  command: 'serve' | 'check-config' | 'config-show' | 'example-config' | 'hash-password' | 'reload' | 'list-cameras' | 'help' | 'version';
  configPath?: string;
  /** example-config --markdown: the README's config table instead of JSON. */
  markdown?: boolean;
}

export function parseArgs(argv: string[]): Args {
  // reload and list-cameras parse their own options (src/reload/command.ts, src/capture/list-cameras.ts).
  if (argv[0] === 'reload') return { command: 'reload' };
  if (argv[0] === 'list-cameras') return { command: 'list-cameras' };
  const args: Args = { command: 'serve' };
  const rest = [...argv];
  if (argv[0] === 'config') {
    if (argv[1] !== 'show') throw new UsageError(`config ${JSON.stringify(argv[1] ?? '')}: the config command has "show" only`);
    args.command = 'config-show';
    rest.splice(0, 2);
  }
  let commandSeen = false;
  while (rest.length > 0) {
    const a = rest.shift()!;
    if (a === '--help' || a === '-h') return { command: 'help' };
    if (a === '--version' || a === '-v') return { command: 'version' };
    if (a === '--config' || a === '-c') {
      const p = rest.shift();
      if (!p) throw new UsageError('--config needs a path');
      args.configPath = p;
    } else if (a.startsWith('--config=')) {
      args.configPath = a.slice('--config='.length);
    } else if (!commandSeen && (a === 'serve' || a === 'check-config' || a === 'example-config' || a === 'hash-password')) {
      args.command = a;
      commandSeen = true;
    } else if (args.command === 'example-config' && a === '--markdown') {
      args.markdown = true;
    } else if (args.command === 'check-config' && !a.startsWith('-') && args.configPath === undefined) {
      args.configPath = a;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  return args;
}

class UsageError extends Error {}

function load(path: string | undefined): Loaded {
  try {
    return loadConfig({ path });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`camstream: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`camstream: ${(err as Error).message}\n${USAGE}`);
    process.exit(EXIT_USAGE);
  }
  if (args.command === 'help') return void process.stdout.write(USAGE);
  if (args.command === 'version') return void process.stdout.write(`${VERSION}\n`);

  if (args.command === 'example-config') {
    if (args.markdown) return void process.stdout.write((await import('./config/reference')).configReference());
    const { exampleConfig } = await import('./config/example');
    return void process.stdout.write(exampleConfig());
  }
  if (args.command === 'hash-password') {
    const { hashPasswordCommand } = await import('./auth/hash-password-command');
    process.exitCode = await hashPasswordCommand();
    return;
  }
  if (args.command === 'reload') {
    const { reloadCommand } = await import('./reload/command');
    process.exitCode = await reloadCommand({ argv: argv.slice(1), env: process.env, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
    return;
  }
  if (args.command === 'list-cameras') {
    const { listCamerasCommand } = await import('./capture/list-cameras');
    process.exitCode = await listCamerasCommand({ argv: argv.slice(1), env: process.env, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
    return;
  }
  const loaded = load(args.configPath);
  if (args.command === 'config-show') {
    const { configShow } = await import('./config/show');
    return void process.stdout.write(configShow(loaded, process.env));
  }
  if (args.command === 'check-config') {
    process.stdout.write(`${loaded.file ?? 'defaults (no config file)'}: OK\n`);
    if (Object.keys(loaded.config.cameras).length > 0) {
      const { camerasOf, sourceSummary } = await import('./config/cameras');
      for (const c of camerasOf(loaded.config)) process.stdout.write(`  camera ${c.index} ${c.name}: ${sourceSummary(c.camera)}\n`);
    }
    return;
  }

  // Must be set before anything uses libuv's pool (it is sized on first use).
  process.env.UV_THREADPOOL_SIZE = String(loaded.config.uvThreadpoolSize);
  const { createLogger } = await import('./log');
  const { startCamstream } = await import('./main');
  const { createNotifier } = await import('./platform/sd-notify');
  const log = createLogger(loaded.config.log.level);
  // systemd's notify protocol (Type=notify): a no-op when NOTIFY_SOCKET is unset.
  const notifier = createNotifier({ env: process.env, log: log.child({ module: 'systemd' }) });
  // Handlers go in before start-up so a SIGTERM that arrives while the camera or the
  // port is still opening still ends in a clean stop, not death by signal.
  let app: Awaited<ReturnType<typeof startCamstream>> | null = null;
  let signalled = false;
  const shutdown = () => {
    // Last resort if something refuses to close: exit anyway, non-zero so it shows.
    setTimeout(() => {
      log.error('shutdown deadline passed; forcing exit');
      process.exit(1);
    }, loaded.config.server.shutdownTimeoutMs + 2000).unref();
    void app!.stop().then(() => process.exit(0));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal: sig }, 'signal received');
    if (app) shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGHUP re-reads the config (systemctl reload); one during start-up waits for it.
  const { createReloader, reloadStatusPath } = await import('./reload/on-sighup');
  const reloader = createReloader({ load: () => loadConfig({ path: args.configPath }), log, notifier, statusPath: reloadStatusPath(process.env) });
  process.on('SIGHUP', () => {
    if (!signalled) reloader.request();
  });
  app = await startCamstream(loaded, { log, notifier });
  if (signalled) shutdown();
  else reloader.attach(app);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`camstream: fatal: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
