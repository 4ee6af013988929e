// Two clocks. A Pi has no real-time clock: it boots with the last saved time and the
// wall clock jumps when NTP syncs (by days, sometimes backwards). Every interval,
// timeout, rate, backoff, lockout and cache lifetime therefore uses the monotonic
// clock, which only moves forward at the speed of real time; the wall clock is only
// for what people read (log times, frame timestamps, "since" in /api/status).
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds (CLOCK_MONOTONIC via libuv): not moved by setting the date. */
export const monotonicNow = (): number => performance.now();

/** The wall-clock time (ms epoch) of a monotonic instant, for display. */
export function wallTimeOf(monotonicMs: number, now = monotonicNow()): number {
  return Date.now() - (now - monotonicMs);
}
