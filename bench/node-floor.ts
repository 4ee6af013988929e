// The least a Node.js MJPEG server can spend per frame, for bench/small-board.ts: a
// folder of JPEGs, their multipart parts formatted once at start, and a timer at FPS
// that writes the next part to every viewer with write(2) (the rest, if the kernel does
// not take it all, through socket.write; a viewer still busy skips the frame). No HTTP
// parsing beyond reading the request line, no pacing, no hub, no access control, no
// metrics. It is a floor to compare camstream with, not a server to use.
//   node dist/bench/node-floor.js PORT DIR FPS
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const [portArg, dir, fpsArg] = process.argv.slice(2);
const BOUNDARY = 'floor';
const parts = fs
  .readdirSync(dir)
  .filter((n) => /\.jpe?g$/i.test(n))
  .sort()
  .map((n) => {
    const jpeg = fs.readFileSync(path.join(dir, n));
    return Buffer.concat([Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from(`\r\n--${BOUNDARY}\r\n`)]);
  });
if (parts.length === 0) throw new Error(`no JPEG in ${dir}`);

const viewers = new Set<net.Socket>();
net
  .createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=${BOUNDARY}\r\nConnection: close\r\n\r\n--${BOUNDARY}\r\n`);
      viewers.add(socket);
    });
    socket.once('close', () => viewers.delete(socket));
  })
  .listen(Number(portArg), '127.0.0.1');

let i = 0;
const tick = (): void => {
  const part = parts[i];
  i = (i + 1) % parts.length;
  for (const s of viewers) {
    if (s.writableLength > 0) continue; // still busy with an earlier part
    let n = 0;
    try {
      n = fs.writeSync((s as unknown as { _handle: { fd: number } })._handle.fd, part);
    } catch {
      // EAGAIN and failures: through the socket, which reports them
    }
    if (n < part.length) s.write(part.subarray(n));
  }
  setTimeout(tick, 1000 / Number(fpsArg));
};
setTimeout(tick, 1000 / Number(fpsArg));
