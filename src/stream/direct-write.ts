// A frame written straight to the socket with write(2), when nothing else can be in its
// way: the kernel takes a whole part (25-60 KB) at once unless the viewer is behind.
//
// Why (issue 14): with one to three viewers, Node's stream machinery around a write
// (Writable's bookkeeping, the write request, the completion tick and its callback) cost
// more than the write itself. Measured with a minimal server on the build machine (a
// 15 Hz timer writing a 25 KB part to one curl viewer, CPU per frame of the process):
// socket.write(part, cb) 650-730 µs, write(2) of the same part 420-440 µs, the timer
// alone 250-350 µs. In camstream (files, 1 viewer, after 60 s): 428 and 521 µs per
// frame before, 399 and 437 after.
//
// What keeps it safe:
// - only plain TCP: a TLS socket's bytes must go through TLS (`encrypted`);
// - only when Node holds nothing for the socket (writableLength 0, not corked): bytes
//   never overtake the HTTP headers, the preamble or an earlier part's rest;
// - only while the socket is not destroyed: its descriptor is read from the live
//   handle at each write, never kept (a closed descriptor's number is soon another
//   connection's);
// - what the kernel does not take, and every failure (EAGAIN, EPIPE, ECONNRESET), goes
//   through socket.write as before, which queues the rest or reports the failure and
//   closes the socket as it always did.
import fs from 'node:fs';
import type { Socket } from 'node:net';

interface WithHandle {
  encrypted?: boolean;
  _handle?: { fd?: number } | null;
}

/** The socket's descriptor if bytes may be written to it directly now, else -1. */
function directFd(socket: Socket): number {
  if (socket.destroyed || socket.writableLength > 0 || socket.writableCorked > 0) return -1;
  const s = socket as Socket & WithHandle;
  if (s.encrypted) return -1;
  const fd = s._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/**
 * Writes as much of `buf` to the socket as the kernel takes now and returns how many
 * bytes that was: buf.length, fewer, or 0 (not possible now, or the write failed; the
 * caller writes the rest through the socket, which reports a failure as usual).
 */
export function writeDirect(socket: Socket, buf: Buffer): number {
  const fd = directFd(socket);
  if (fd < 0) return 0;
  try {
    return fs.writeSync(fd, buf);
  } catch {
    return 0;
  }
}
