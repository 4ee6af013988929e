// Relays another MJPEG stream (another camstream, mjpg-streamer, an IP camera): one
// connection upstream, any number of viewers here, so a bigger box can serve many
// viewers from one Pi connection. The JPEGs are passed through as they arrive.
//
// The body goes through the JPEG splitter rather than a strict multipart parser: the
// part headers and boundaries hold no 0xFF byte, so the splitter skips them, and it
// copes with cameras that omit Content-Length or get the boundary wrong. When the
// connection ends or fails, the source fails and the supervisor reconnects with
// backoff (and shows NO SIGNAL meanwhile).
import http from 'node:http';
import type https from 'node:https';
import type { Config } from '../config/schema';
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import { JpegSplitter } from './jpeg-splitter';
import { redactUrl, relayUrlProblem } from './relay-url';
import { isNoSignal } from './no-signal';
import type { FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];

export function parseRelayUrl(raw: string): URL {
  const problem = relayUrlProblem(raw);
  if (problem) throw new CamstreamError('CAMSTREAM_ERR_CONFIG', `camera.url: ${problem}`);
  return new URL(raw);
}

export class HttpRelaySource implements FrameSource {
  readonly kind = 'http';
  private url: URL | null = null;
  private req: http.ClientRequest | null = null;
  private running = false;

  constructor(
    private readonly cam: Pick<CameraConfig, 'url'>,
    private readonly log: Logger,
  ) {}

  describe(): string {
    try {
      return `http relay ${redactUrl(this.url ?? parseRelayUrl(this.cam.url))}`;
    } catch {
      return `http relay (camera.url is not an http URL: ${redactUrl(this.cam.url)})`;
    }
  }

  async start(sink: FrameSink): Promise<void> {
    // A bad camera.url fails the start, so /api/status and NO SIGNAL say what is wrong.
    this.url ??= parseRelayUrl(this.cam.url);
    return this.connect(this.url, sink);
  }

  private connect(url: URL, sink: FrameSink): Promise<void> {
    this.running = true;
    // node:https only for an https:// camera: loading it costs ~2 MB resident (issue 14).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const get = url.protocol === 'https:' ? (require('node:https') as typeof https).get : http.get;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (!settled) {
          settled = true;
          reject(err);
        } else if (this.running) {
          this.running = false;
          sink.fail(err);
        }
      };
      const req = get(url, { agent: false, headers: { 'User-Agent': 'camstream-relay', Accept: 'multipart/x-mixed-replace, */*' } }, (res) => {
        const type = res.headers['content-type'] ?? '';
        if (res.statusCode !== 200 || !/^multipart\/x-mixed-replace/i.test(type)) {
          res.resume();
          req.destroy();
          return fail(
            new CamstreamError(
              'CAMSTREAM_ERR_UPSTREAM',
              `${redactUrl(url)}: expected 200 with multipart/x-mixed-replace, got ${res.statusCode} ${JSON.stringify(type || '(no Content-Type)')}`,
            ),
          );
        }
        this.log.info({ url: redactUrl(url), contentType: type }, 'relay connected');
        settled = true;
        resolve();
        const splitter = new JpegSplitter((jpeg) => {
          if (!this.running) return;
          // An upstream camstream's NO SIGNAL picture is not a live frame: fail, so we
          // show our own NO SIGNAL saying why and try again with backoff.
          if (isNoSignal(jpeg)) {
            req.destroy();
            fail(new CamstreamError('CAMSTREAM_ERR_UPSTREAM', `${redactUrl(url)}: the upstream camstream is up but shows NO SIGNAL (its camera is down)`));
            return;
          }
          sink.frame(jpeg);
        });
        res.on('data', (chunk: Buffer) => splitter.push(chunk));
        res.on('end', () => fail(new CamstreamError('CAMSTREAM_ERR_UPSTREAM', `${redactUrl(url)}: upstream ended the stream`)));
        res.on('error', (err) => fail(new CamstreamError('CAMSTREAM_ERR_UPSTREAM', `${redactUrl(url)}: ${err.message}`, { cause: err })));
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        fail(new CamstreamError('CAMSTREAM_ERR_UPSTREAM', `${redactUrl(url)}: ${err.message}`, { cause: err })),
      );
      this.req = req;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.req?.destroy();
    this.req = null;
  }
}
