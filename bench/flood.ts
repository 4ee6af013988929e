// Flood benchmark: the abuse scenario of test/http/abuse-flood.test.ts, run longer,
// printing what the honest side saw and what the server spent. camstream runs as its
// own process (descriptors and RSS from /proc are its own), the attacker as another.
//   npm run build && node dist/bench/flood.js [attackSeconds=60]
// Attack: 2,000 idle connections (reopened when closed), 500 slowloris sockets,
// 1,000 connect/abort cycles on /stream, from 127.0.0.2-6; honest: two viewers and a
// /snapshot poller (every 100 ms) from 127.0.0.1.
import { runFlood } from '../test/helpers/flood-scenario';

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? process.env.BENCH_FLOOD_SECONDS ?? 60);
  const r = await runFlood({ attackMs: seconds * 1000, cameraFps: 15, progress: (l) => console.log(`# ${l}`) });
  const mib = (kb: number) => (kb / 1024).toFixed(1);
  const s = r.config.server as Record<string, number>;
  console.log(`flood: ${seconds} s attack; server caps maxConnections=${s.maxConnections} maxConnectionsPerIp=${s.maxConnectionsPerIp} headersTimeoutMs=${s.headersTimeoutMs}`);
  console.log(`source fps (camera ${r.cameraFps}):   ${r.sourceFps.toFixed(2)}`);
  console.log(`honest viewer fps:         ${r.viewerFps.map((f) => f.toFixed(2)).join(', ')}  (${r.viewerFps.map((f) => ((100 * f) / r.sourceFps).toFixed(1) + '%').join(', ')} of source; longest gap ${r.viewerMaxGapMs.join(', ')} ms)`);
  console.log(`snapshot:                  ${r.snapshot.ok}/${r.snapshot.requests} ok, latency p50 ${r.snapshot.p50Ms.toFixed(1)} ms, p99 ${r.snapshot.p99Ms.toFixed(1)} ms, max ${r.snapshot.maxMs.toFixed(1)} ms`);
  console.log(`server RSS:                start ${mib(r.rssKb.start)} MiB, peak ${mib(r.rssKb.peak)} MiB, end ${mib(r.rssKb.end)} MiB`);
  console.log(`RSS over time:             ${r.rssKb.timeline.map(([t, kb]) => `${t}s ${mib(kb)}`).join(', ')} (MiB)`);
  console.log(`server fds:                before ${r.fds.start}, peak ${r.fds.peak}, after ${r.fds.end} (back ${r.fds.returnedAfterMs} ms after the attack)`);
  const a = r.attack;
  console.log(`idle flood:                ${a.idle.connects} connects, ${a.idle.refusedAtOnce} closed at once (per-address cap), ${a.idle.timedOut} cut with 408 (headers timeout), peak ${a.idle.peakOpen} open (attacker's view)`);
  console.log(`slowloris:                 ${a.slowloris.connects} connects, ${a.slowloris.refusedAtOnce} closed at once (per-address cap), ${a.slowloris.timedOut} cut with 408 (lifetime p50 ${a.slowloris.lifetimeP50Ms} ms, max ${a.slowloris.lifetimeMaxMs} ms), ${a.slowloris.openAtEnd} open at the end`);
  console.log(`connect/abort on /stream:  ${a.abortCycles.done} cycles, answers ${JSON.stringify(a.abortCycles.statuses)}`);
  console.log(`server alive afterwards:   ${r.serverAlive}, /healthz ${r.healthAfter}`);
}

main().catch((err: Error) => {
  console.error(err.stack);
  process.exit(1);
});
