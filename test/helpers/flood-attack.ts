// The attacker for the flood scenario, run as its own process (so its thousands of
// sockets count against its own descriptor limit, not the test's or the server's):
//   node dist/test/helpers/flood-attack.js '<AttackPlan as JSON>'
// prints one JSON AttackReport line when done. Everything is bounded in count and time.
//
//   idle flood   `idle.sockets` connections opened at once, sending nothing; each one
//                the server closes is reopened after `reconnectDelayMs`, at most
//                `maxAttempts` times, until the attack ends
//   slowloris    `slowloris.sockets` connections sending a request line and then one
//                header line every `dribbleMs`, never finishing the headers
//   abort cycles `abortCycles.cycles` times: connect, GET /stream, hang up (half at
//                once, half after the first answer bytes), `concurrency` at a time
import net from 'node:net';

export interface AttackPlan {
  port: number;
  host: string;
  durationMs: number;
  // Each part attacks from its own source addresses, round-robin (127.0.0.0/8 is all
  // loopback on Linux), as separate hosts would.
  idle: { addresses: string[]; sockets: number; reconnectDelayMs: number; maxAttempts: number };
  slowloris: { addresses: string[]; sockets: number; dribbleMs: number; reconnectDelayMs: number; maxAttempts: number };
  abortCycles: { addresses: string[]; cycles: number; concurrency: number; path: string };
}

export interface AttackReport {
  elapsedMs: number;
  /** refusedAtOnce: closed by the server without a word (the per-address cap); timedOut: answered 408 and closed (headersTimeout). */
  idle: { connects: number; refusedAtOnce: number; timedOut: number; connectErrors: number; peakOpen: number; openAtEnd: number };
  slowloris: { sockets: number; connects: number; refusedAtOnce: number; timedOut: number; openAtEnd: number; lifetimeP50Ms: number; lifetimeMaxMs: number };
  abortCycles: { done: number; statuses: Record<string, number>; errors: number };
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function runAttack(plan: AttackPlan): Promise<AttackReport> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let stopped = false;
  const all = new Set<net.Socket>();
  const connect = (i: number, from: string[]) => {
    const s = net.connect({ port: plan.port, host: plan.host, localAddress: from[i % from.length] });
    all.add(s);
    s.on('error', () => {});
    s.once('close', () => all.delete(s));
    return s;
  };

  // --- idle flood ---
  const idle = { connects: 0, refusedAtOnce: 0, timedOut: 0, connectErrors: 0, peakOpen: 0, openAtEnd: 0 };
  let idleOpen = 0;
  const idleAgent = (i: number) => {
    let attempts = 0;
    const go = () => {
      if (stopped || attempts >= plan.idle.maxAttempts) return;
      attempts++;
      let connected = false;
      let got408 = false;
      const s = connect(i, plan.idle.addresses);
      s.once('data', (d: Buffer) => (got408 = d.toString('latin1').startsWith('HTTP/1.1 408')));
      s.once('connect', () => {
        connected = true;
        idle.connects++;
        idleOpen++;
        idle.peakOpen = Math.max(idle.peakOpen, idleOpen);
      });
      s.once('close', () => {
        if (connected) idleOpen--;
        if (stopped) return;
        if (!connected) idle.connectErrors++;
        else if (got408) idle.timedOut++;
        else idle.refusedAtOnce++;
        setTimeout(go, plan.idle.reconnectDelayMs);
      });
    };
    go();
  };

  // --- slowloris ---
  const slow = { sockets: plan.slowloris.sockets, connects: 0, refusedAtOnce: 0, timedOut: 0, openAtEnd: 0, lifetimeP50Ms: 0, lifetimeMaxMs: 0 };
  const lifetimes: number[] = [];
  let slowOpen = 0;
  const dribblers = new Set<NodeJS.Timeout>();
  const slowAgent = (i: number) => {
    let attempts = 0;
    const go = () => {
      if (stopped || attempts >= plan.slowloris.maxAttempts) return;
      attempts++;
      const s = connect(i, plan.slowloris.addresses);
      let timer: NodeJS.Timeout | undefined;
      let connectedAt = -1;
      let got408 = false;
      s.once('data', (d: Buffer) => (got408 = d.toString('latin1').startsWith('HTTP/1.1 408')));
      s.once('connect', () => {
        slow.connects++;
        slowOpen++;
        connectedAt = now();
        s.write(`GET /stream HTTP/1.1\r\nHost: ${plan.host}\r\n`);
        let n = 0;
        timer = setInterval(() => {
          if (!s.destroyed) s.write(`X-Dribble-${n++}: ${'x'.repeat(8)}\r\n`);
        }, plan.slowloris.dribbleMs);
        dribblers.add(timer);
      });
      s.once('close', () => {
        clearInterval(timer);
        if (timer) dribblers.delete(timer);
        if (connectedAt >= 0) slowOpen--;
        if (stopped || connectedAt < 0) return;
        if (got408) {
          slow.timedOut++;
          lifetimes.push(now() - connectedAt);
        } else slow.refusedAtOnce++;
        setTimeout(go, plan.slowloris.reconnectDelayMs);
      });
    };
    go();
  };

  // --- connect / abort cycles on /stream ---
  const cycles = { done: 0, statuses: {} as Record<string, number>, errors: 0 };
  let nextCycle = 0;
  const cycle = (i: number) =>
    new Promise<void>((resolve) => {
      const s = connect(i, plan.abortCycles.addresses);
      let answered = false;
      const end = (status: string) => {
        answered = true;
        cycles.statuses[status] = (cycles.statuses[status] ?? 0) + 1;
        s.destroy();
        resolve();
      };
      const timer = setTimeout(() => end('no-answer'), 1000);
      s.once('connect', () => {
        s.write(`GET ${plan.abortCycles.path} HTTP/1.1\r\nHost: ${plan.host}\r\n\r\n`);
        if (i % 2 === 1) {
          clearTimeout(timer);
          end('aborted-before-answer');
        }
      });
      s.once('data', (d: Buffer) => {
        clearTimeout(timer);
        end(/^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 'garbled');
      });
      s.once('error', () => cycles.errors++);
      s.once('close', () => {
        clearTimeout(timer);
        if (!answered) cycles.statuses['closed-by-server'] = (cycles.statuses['closed-by-server'] ?? 0) + 1;
        resolve();
      });
    });
  const cycleWorker = async () => {
    while (!stopped && nextCycle < plan.abortCycles.cycles) {
      const i = nextCycle++;
      await cycle(i);
      cycles.done++;
    }
  };

  for (let i = 0; i < plan.idle.sockets; i++) idleAgent(i);
  for (let i = 0; i < plan.slowloris.sockets; i++) slowAgent(i);
  const workers = Array.from({ length: plan.abortCycles.concurrency }, () => cycleWorker());

  await new Promise((r) => setTimeout(r, plan.durationMs));
  stopped = true;
  await Promise.all(workers);
  idle.openAtEnd = idleOpen;
  slow.openAtEnd = slowOpen;
  slow.lifetimeP50Ms = Math.round(pct(lifetimes, 50));
  slow.lifetimeMaxMs = Math.round(pct(lifetimes, 100));
  for (const d of dribblers) clearInterval(d);
  for (const s of all) s.destroy();
  return { elapsedMs: Math.round(now()), idle, slowloris: slow, abortCycles: cycles };
}

if (require.main === module) {
  const plan = JSON.parse(process.argv[2]) as AttackPlan;
  // Hard stop: whatever happens, this process does not outlive its plan by much.
  setTimeout(() => process.exit(2), plan.durationMs + 20000).unref();
  runAttack(plan).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`flood-attack: ${err.stack}\n`);
      process.exit(1);
    },
  );
}
