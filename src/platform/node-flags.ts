// The Node.js (V8) flags the service runs with: systemd/camstream.service's ExecStart
// and `npm start` carry exactly these (test/platform/node-flags.test.ts checks), and
// the benchmarks start camstream with them, so what they measure is what a Pi runs.
//
// Why each (issue 14, measured with bench/small-board.ts):
//  --max-semi-space-size=1  V8's young generation grows up to 16 MB per semi-space
//      when frames keep it busy; with 20 viewers the process sat at ~86 MB resident,
//      ~62 MB with 1 MB semi-spaces. Frame bytes live outside V8's heap (Buffers), and
//      what a frame allocates inside it dies young, so a small young generation costs
//      only more, cheaper scavenges.
//  --interrupt-budget=16384  V8 hands a function to its optimising compiler after it
//      has run "enough" bytecode; at 15 calls a second the per-frame path stayed in
//      baseline code for ~3 minutes (~900 µs per frame at 1 viewer, ~450 once
//      optimised). A quarter of the default budget gets there in under a minute.
//  --expose-gc  lets the frame path ask for a young-generation collection after every
//      few MB of frames (frame-garbage.ts): frame bytes are freed only when V8 collects
//      the objects that hold them, and without it they piled up in malloc's heap
//      between scavenges (libcamera path: heap 12.5 MB and RSS 66 MB without the
//      collections, ~6 MB and ~60 MB with them).
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--interrupt-budget=16384', '--expose-gc'];

/** The environment the unit gives the service (its Environment= lines), for the benchmarks. */
export const SERVICE_ENV: Readonly<Record<string, string>> = { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' };
