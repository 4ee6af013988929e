// How a NO SIGNAL picture is told from a camera frame without decoding it: a JPEG
// comment (COM segment) "camstream:no-signal" right after SOI.

export const NO_SIGNAL_MARK = 'camstream:no-signal';

/** Insert a COM segment right after SOI. */
export function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, body, jpeg.subarray(2)]);
}

/** Is this one of our NO SIGNAL pictures? */
export function isNoSignal(jpeg: Buffer): boolean {
  return jpeg.length > 4 && jpeg[2] === 0xff && jpeg[3] === 0xfe && jpeg.includes(NO_SIGNAL_MARK, 4, 'latin1');
}
