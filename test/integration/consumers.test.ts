// The tools people point at camstream, run for real against a real camstream on
// loopback, with the arguments and URLs docs/integrations.md tells them to use:
// ffmpeg and ffprobe (Frigate, go2rtc, NVRs), curl (Home Assistant's and OctoPrint's
// server-side fetches), VLC, and Chromium loading the stream cross-origin the way
// OctoPrint's page does. Every URL in the guide is also requested and checked.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveHtmlPage } from '../helpers/html-origin';
import { chromium } from 'playwright-core';
import { startServer } from '../helpers/camstream';
import { isJpeg, readStream } from '../helpers/mjpeg-client';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/phone-browser';
import { assertOk, runTool } from '../helpers/run-tool';

// Browser globals, used only inside page callbacks (tsconfig has no DOM lib).
declare const document: any;

const REPO = path.resolve(__dirname, '..', '..', '..');
const GUIDE = path.join(REPO, 'docs', 'integrations.md');
const W = 320;
const H = 240;
const camera = { source: 'testpattern', width: W, height: H, fps: 15 };
const STREAM_PATHS = ['/stream', '/?action=stream', '/stream.mjpg'];
const SNAPSHOT_PATHS = ['/snapshot', '/?action=snapshot', '/snapshot.jpg'];
// Frigate's preset-http-mjpeg-generic (frigate/ffmpeg_presets.py), without its User-Agent.
const FRIGATE_MJPEG = '-avoid_negative_ts make_zero -fflags nobuffer -flags low_delay -strict experimental -fflags +genpts+discardcorrupt -use_wallclock_as_timestamps 1'.split(' ');

function tmpDir(t: TestContext, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function probe(file: string): Promise<{ codec_name: string; width: number; height: number; nb_read_frames?: string }> {
  const r = await runTool('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file], { timeoutMs: 30000 });
  assertOk(r, `ffprobe ${file}`);
  return (JSON.parse(r.stdout.toString()) as { streams: any[] }).streams[0];
}

test('real clients read camstream the way the integration guide says', { timeout: 180_000 }, async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxClients: 10, maxClientsPerIp: 10 } });
  const rawFrame = W * H; // one gray8 frame

  for (const p of STREAM_PATHS) {
    await t.test(`ffmpeg -f mjpeg -i ${p} (NVR recipes) decodes whole ${W}x${H} frames`, async () => {
      const r = await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', `${base}${p}`, '-frames:v', '5', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { timeoutMs: 30000 });
      assertOk(r, `ffmpeg -f mjpeg -i ${p}`);
      assert.equal(r.stdout.length, 5 * rawFrame);
    });
    await t.test(`ffmpeg -i ${p} (demuxer picked from Content-Type) decodes whole frames`, async () => {
      const r = await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `${base}${p}`, '-frames:v', '5', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { timeoutMs: 30000 });
      assertOk(r, `ffmpeg -i ${p}`);
      assert.equal(r.stdout.length, 5 * rawFrame);
    });
    await t.test(`ffprobe ${p} reports mjpeg ${W}x${H}`, async () => {
      const r = await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', `${base}${p}`], { timeoutMs: 30000 });
      assertOk(r, `ffprobe ${p}`);
      const s = (JSON.parse(r.stdout.toString()) as { streams: any[] }).streams[0];
      assert.deepEqual({ codec: s.codec_name, width: s.width, height: s.height }, { codec: 'mjpeg', width: W, height: H });
    });
  }

  await t.test("Frigate: preset-http-mjpeg-generic input, detect output (-r 5 rawvideo yuv420p)", async () => {
    const r = await runTool(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', ...FRIGATE_MJPEG, '-i', `${base}/stream`, '-r', '5', '-vf', `fps=5,scale=${W}:${H}`, '-frames:v', '3', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
      { timeoutMs: 30000 },
    );
    assertOk(r, 'Frigate detect ffmpeg');
    assert.equal(r.stdout.length, 3 * W * H * 1.5);
    // The test pattern is not a flat picture: the decoded luma varies.
    const luma = r.stdout.subarray(0, W * H);
    assert.ok(Math.max(...luma) - Math.min(...luma) > 100, 'decoded frames carry the picture');
  });

  await t.test('go2rtc ffmpeg:…#video=h264 (and Frigate record via go2rtc): the transcode gives H.264', async (tt) => {
    const out = path.join(tmpDir(tt, 'camstream-h264-'), 'pi_cam.ts');
    // go2rtc's ffmpeg template for an http input and #video=h264 (internal/ffmpeg).
    const r = await runTool(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-fflags', 'nobuffer', '-flags', 'low_delay', '-i', `${base}/stream`, '-frames:v', '15', '-c:v', 'libx264', '-g', '50', '-profile:v', 'high', '-level:v', '4.1', '-preset:v', 'superfast', '-tune:v', 'zerolatency', '-pix_fmt:v', 'yuv420p', '-an', '-f', 'mpegts', out],
      { timeoutMs: 60000 },
    );
    assertOk(r, 'go2rtc-style transcode');
    const s = await probe(out);
    assert.equal(s.codec_name, 'h264');
    assert.equal(s.width, W);
    assert.equal(s.height, H);
    assert.equal(Number(s.nb_read_frames), 15);
  });

  await t.test('VLC (cvlc, headless) records /stream.mjpg; ffprobe decodes the recording', async (tt) => {
    const dir = tmpDir(tt, 'camstream-vlc-');
    // VLC refuses to run as root: run it as nobody, writing into a folder nobody may write.
    fs.chmodSync(dir, 0o777);
    const out = path.join(dir, 'pi_cam.mjpeg');
    const asRoot = process.getuid?.() === 0;
    // Stopped after 3 s the way a user stops it (SIGINT); --run-time counts the stream's
    // own timestamps, not wall time, so it does not bound a live stream.
    const vlc = ['-s', 'INT', '-k', '5', '3', 'cvlc', '-I', 'dummy', '--no-audio', `${base}/stream.mjpg`, '--sout', `#std{access=file,mux=mpjpeg,dst=${out}}`];
    const r = asRoot ? await runTool('runuser', ['-u', 'nobody', '--', 'timeout', ...vlc], { timeoutMs: 30000 }) : await runTool('timeout', vlc, { timeoutMs: 30000 });
    assert.equal(r.code, 124, `cvlc should run until timeout stops it (exit 124), got ${r.code}: ${r.stderr.slice(-2000)}`);
    const s = await probe(out);
    assert.equal(s.codec_name, 'mjpeg');
    assert.equal(s.width, W);
    assert.ok(Number(s.nb_read_frames) >= 5, `VLC recorded ${s.nb_read_frames} frames`);
  });

  for (const p of SNAPSHOT_PATHS) {
    await t.test(`curl ${p} (OctoPrint timelapse / Home Assistant still image) gets one fresh JPEG`, async (tt) => {
      const dir = tmpDir(tt, 'camstream-curl-');
      const file = path.join(dir, 'now.jpg');
      const r = await runTool('curl', ['-sS', '--max-time', '10', '-D', '-', '-o', file, `${base}${p}`], { timeoutMs: 15000 });
      assertOk(r, `curl ${p}`);
      const headers = r.stdout.toString('latin1');
      assert.match(headers, /^HTTP\/1\.1 200/);
      assert.match(headers, /\r\ncontent-type: image\/jpeg\r\n/i);
      assert.match(headers, /\r\ncache-control: no-store/i, 'never cached: a dashboard always shows the newest picture');
      assert.ok(isJpeg(fs.readFileSync(file)));
      const s = await probe(file);
      assert.deepEqual([s.width, s.height], [W, H]);
    });
  }

  await t.test('curl /stream (Home Assistant MJPEG URL) for 2 s: a multipart body ffmpeg splits into whole frames', async (tt) => {
    const file = path.join(tmpDir(tt, 'camstream-curl-'), 'body.mjpeg');
    const r = await runTool('curl', ['-sS', '-N', '--max-time', '2', '-o', file, `${base}/stream`], { timeoutMs: 10000 });
    assert.equal(r.code, 28, `curl should stop at --max-time (exit 28), got ${r.code}: ${r.stderr}`);
    const s = await probe(file);
    assert.equal(s.codec_name, 'mjpeg');
    assert.ok(Number(s.nb_read_frames) >= 10, `2 s at 15 fps gave ${s.nb_read_frames} frames`);
  });

  await t.test('Chromium on another origin (OctoPrint\'s page) shows /?action=stream&<cache-buster> live, and the snapshot', async (tt) => {
    // OctoPrint serves its UI from its own origin and embeds the stream with an <img>,
    // appending a timestamp; the picture must load cross-origin and keep changing.
    const html = `<!doctype html><html><body style="margin:0">
<img id="stream" src="${base}/?action=stream&${Date.now()}">
<img id="still" src="${base}/?action=snapshot">
</body></html>`;
    const octoprint = await serveHtmlPage(tt, html);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    tt.after(() => browser.close());
    const tab = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await tab.goto(octoprint, { waitUntil: 'domcontentloaded', timeout: 15000 });
    await tab.waitForFunction(
      () => document.getElementById('stream').naturalWidth > 0 && document.getElementById('still').naturalWidth > 0,
      undefined,
      { timeout: 15000 },
    );
    const sizes = await tab.evaluate(() => ['stream', 'still'].map((id) => [document.getElementById(id).naturalWidth, document.getElementById(id).naturalHeight]));
    assert.deepEqual(sizes, [[W, H], [W, H]]);
    // Live: the test pattern's sweeping bar and clock change from one screenshot to the next.
    const img = tab.locator('#stream');
    const first = await img.screenshot({ timeout: 10000 });
    let changed = false;
    for (let i = 0; i < 20 && !changed; i++) {
      await new Promise((r) => setTimeout(r, 150));
      changed = !(await img.screenshot({ timeout: 10000 })).equals(first);
    }
    assert.ok(changed, 'the embedded stream keeps updating');
  });

  await t.test('every camera.local:8080 URL in docs/integrations.md answers as documented', async () => {
    const text = fs.readFileSync(GUIDE, 'utf8');
    const paths = [...new Set([...text.matchAll(/http:\/\/camera\.local:8080(\/[^\s`'")|]*)/g)].map((m) => m[1]))];
    // The guide must keep documenting at least these.
    for (const p of [...STREAM_PATHS, ...SNAPSHOT_PATHS, '/healthz', '/api/status', '/metrics']) assert.ok(paths.includes(p), `guide documents ${p}`);
    // The guide writes NAME for "a name from `cameras`" and index 1 for "the second camera"; this
    // server runs one camera, named by default, so both map to it (several cameras by name and
    // index: test/pipeline/cameras.test.ts).
    assert.ok(paths.some((p) => p.startsWith('/cam/NAME/')), 'guide documents the per-camera URLs');
    assert.ok(paths.some((p) => /action=stream_1$/.test(p)), 'guide documents the by-index URLs');
    for (const documented of paths) {
      const p = documented.replace('/cam/NAME/', '/cam/default/').replace(/(action=(?:stream|snapshot))_1$/, '$1_0');
      const url = `${base}${p}`;
      if (p.endsWith('/cam/default/')) {
        const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
        assert.equal(res.status, 200, `${documented}: the camera's page`);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        await res.arrayBuffer();
        continue;
      }
      if (/^\/(stream|stream\.mjpg|\?action=stream(_0)?|cam\/default\/stream)(\b|$|\?|&)/.test(p)) {
        const r = await readStream(url, { frames: 2, timeoutMs: 10000 });
        assert.equal(r.status, 200, `${p}: ${r.text}`);
        assert.ok(r.parts.every((x) => isJpeg(x.body)), `${p}: whole JPEGs`);
        continue;
      }
      const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, `${p} answered ${res.status}: ${body.toString().slice(0, 200)}`);
      const type = res.headers.get('content-type') ?? '';
      if (/snapshot|action=snapshot/.test(p)) assert.ok(type.startsWith('image/jpeg') && isJpeg(body), `${p}: a JPEG`);
      else if (p === '/metrics') assert.match(body.toString(), /^camstream_frames_captured_total \d+$/m);
      else assert.ok(type.startsWith('application/json') && JSON.parse(body.toString()), `${p}: JSON`);
    }
  });
});
