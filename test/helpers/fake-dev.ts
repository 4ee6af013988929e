// A fake /dev and /sys/class/video4linux for camera discovery: video nodes as plain
// files (as test/capture/auto.test.ts fakes them), udev's /dev/v4l/by-id and by-path
// links as real relative symlinks (../../videoN, as udev makes them), and each node's
// sysfs name and index. A UVC webcam has two nodes: index 0 captures, index 1 carries
// metadata; udev names both. Two webcams with one by-id name (identical models
// without a serial number) get one by-id link between them, as udev makes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export interface FakeNode {
  /** e.g. "video0" */
  node: string;
  /** sysfs name (the V4L2 card name) */
  card: string;
  /** sysfs index: 0 the capture node, 1 a UVC webcam's metadata node */
  index: number;
  /** by-id link name, e.g. usb-046d_C270_HD_WEBCAM_2A5F1E90-video-index0 (USB only) */
  byId?: string;
  /** by-path link name, e.g. platform-xhci-hcd.0-usb-0:1:1.0-video-index0 */
  byPath?: string;
}

export interface FakeDev {
  devDir: string;
  sysDir: string;
}

/** Build the tree; nodes are created in the order given (so a test can vary the directory order). */
export function fakeDevTree(t: TestContext, nodes: FakeNode[]): FakeDev {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-fakedev-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const devDir = path.join(root, 'dev');
  const sysDir = path.join(root, 'sys');
  for (const d of [devDir, path.join(devDir, 'v4l', 'by-id'), path.join(devDir, 'v4l', 'by-path'), sysDir]) fs.mkdirSync(d, { recursive: true });
  for (const n of nodes) {
    fs.writeFileSync(path.join(devDir, n.node), '');
    fs.mkdirSync(path.join(sysDir, n.node));
    fs.writeFileSync(path.join(sysDir, n.node, 'name'), `${n.card}\n`);
    fs.writeFileSync(path.join(sysDir, n.node, 'index'), `${n.index}\n`);
    for (const [kind, name] of [['by-id', n.byId], ['by-path', n.byPath]] as const) {
      if (!name) continue;
      const link = path.join(devDir, 'v4l', kind, name);
      // One by-id name for two webcams: udev keeps a single link (to the last one).
      fs.rmSync(link, { force: true });
      fs.symlinkSync(path.join('..', '..', n.node), link);
    }
  }
  return { devDir, sysDir };
}

/** A UVC webcam: its capture node and its metadata node, both named by udev. */
export function webcam(capture: string, metadata: string, card: string, byIdSerial: string | null, usbPort: string): FakeNode[] {
  const byPath = (i: number) => `platform-xhci-hcd.0-usb-0:${usbPort}:1.0-video-index${i}`;
  const byId = (i: number) => (byIdSerial ? `usb-${byIdSerial}-video-index${i}` : undefined);
  return [
    { node: capture, card, index: 0, byId: byId(0), byPath: byPath(0) },
    { node: metadata, card, index: 1, byId: byId(1), byPath: byPath(1) },
  ];
}
