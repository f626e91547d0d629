import { inflateSync } from 'node:zlib';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { InputLimits } from './input-limits';
import { limitExceeded, reject } from './decode-reject';

/**
 * Brightness of an image = mean luminance in [0, 1] (DESIGN §2.1, issue 4 §4).
 *
 * Definition: for every pixel, Y = (0.299 R + 0.587 G + 0.114 B) / 255 (ITU-R BT.601 luma weights,
 * applied to the stored gamma-encoded 8-bit values, no linearisation); alpha is ignored (a transparent
 * pixel counts with its colour); brightness = the mean of Y over all pixels. 16-bit PNGs are rescaled to
 * 8 bits first; palette and grey PNGs are expanded to RGB; grey JPEGs have R = G = B.
 *
 * Supported: PNG (pngjs) and baseline/progressive JPEG (jpeg-js). Anything else — other formats,
 * truncated or corrupt files — is `DRIFTWATCH_INVALID_IMAGE`; an image over `maxImageBytes` or
 * `maxImagePixels` is `DRIFTWATCH_LIMIT_EXCEEDED` (checked from the header before decoding, so a
 * decompression bomb never allocates its pixels).
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DATA_URL_PREFIX = /^data:[a-z0-9.+/-]*(;[a-z0-9=.+-]*)*;base64,/i;

export type ImageKind = 'png' | 'jpeg';

/**
 * Turns the wire form of `input.image.data` into image bytes: a Uint8Array is taken as is (Avro
 * `bytes`); a string is base64 (standard or URL-safe alphabet), optionally a `data:image/...;base64,`
 * URL. Checks size and the PNG/JPEG signature, not the full file.
 */
export function imageBytesFromData(data: string | Uint8Array, limits: Readonly<InputLimits>): Uint8Array {
  let bytes: Uint8Array;
  if (typeof data === 'string') {
    let text = data;
    if (text.startsWith('data:')) {
      const m = DATA_URL_PREFIX.exec(text.slice(0, 256));
      if (m === null) reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data: a data: URL that is not base64');
      text = text.slice(m[0].length);
    }
    // 4 base64 characters carry 3 bytes: reject before allocating anything large.
    if (Math.floor((text.length * 3) / 4) > limits.maxImageBytes + 3) {
      limitExceeded('maxImageBytes', `input.image.data exceeds maxImageBytes (${limits.maxImageBytes})`);
    }
    if (!isBase64Text(text)) reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data is not base64');
    bytes = Buffer.from(text, 'base64');
  } else {
    bytes = data;
  }
  if (bytes.length > limits.maxImageBytes) {
    limitExceeded('maxImageBytes', `input.image.data exceeds maxImageBytes (${limits.maxImageBytes})`);
  }
  imageKind(bytes);
  return bytes;
}

/**
 * Base64 text as accepted in `input.image.data`: standard and URL-safe alphabets mixed with whitespace
 * (MIME line breaks), then at most two `=`, then only whitespace. The same language as the regular
 * expression /^[A-Za-z0-9+/_\-\s]*={0,2}\s*$/, but one linear pass: that expression backtracks
 * quadratically on a long run of whitespace followed by a bad character (40,000 spaces took 0.5 s,
 * so one 1 MiB record would have held a shard for minutes).
 */
export function isBase64Text(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!(isBase64Char(c) || isSpace(c))) break;
    i++;
  }
  for (let pad = 0; pad < 2 && i < n && text.charCodeAt(i) === 0x3d; pad++) i++;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  return i === n;
}

function isBase64Char(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x5f || c === 0x2d
  );
}

/** The characters of the regular-expression class `\s` (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** PNG or JPEG by signature; anything else is rejected. */
export function imageKind(bytes: Uint8Array): ImageKind {
  if (bytes.length >= 8) {
    let png = true;
    for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) png = false;
    if (png) return 'png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data is neither a PNG nor a JPEG');
}

/** Mean BT.601 luminance in [0, 1] of a PNG or JPEG (see the module comment). */
export function imageBrightness(bytes: Uint8Array, limits: Readonly<InputLimits>): number {
  const kind = imageKind(bytes);
  return kind === 'png' ? pngBrightness(bytes, limits) : jpegBrightness(bytes, limits);
}

function pngBrightness(bytes: Uint8Array, limits: Readonly<InputLimits>): number {
  // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4), right after the signature.
  if (bytes.length < 24 || bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) {
    reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data: PNG without an IHDR header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data: PNG of zero size');
  if (width * height > limits.maxImagePixels) {
    limitExceeded('maxImagePixels', `input.image.data: ${width}x${height} PNG exceeds maxImagePixels (${limits.maxImagePixels})`);
  }
  if (bytes[28] === 1) checkInterlacedInflateSize(bytes, view, width, height);
  let png: { width: number; height: number; data: Buffer };
  try {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    png = PNG.sync.read(buf);
  } catch (e) {
    return reject('DRIFTWATCH_INVALID_IMAGE', `input.image.data: PNG does not decode (${(e as Error).message})`);
  }
  return meanLuma(png.data, 4, png.width * png.height);
}

const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs bounds the inflated size of non-interlaced PNGs by the size the header implies, but inflates
 * interlaced (Adam7) ones without a bound, so a small file could claim a modest size and inflate to
 * hundreds of megabytes. For those, inflate the IDAT stream here first with a cap of twice the header
 * size (Adam7 adds at most one filter byte per pass row).
 */
function checkInterlacedInflateSize(bytes: Uint8Array, view: DataView, width: number, height: number): void {
  const channels = PNG_CHANNELS[bytes[25]!] ?? 4;
  const depth = bytes[24]!;
  const bound = 2 * (((width * channels * depth + 7) >> 3) + 1) * height + 1024;
  const parts: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length; ) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (pos + 12 + len > bytes.length) break;
    if (type === 'IDAT') parts.push(bytes.subarray(pos + 8, pos + 8 + len));
    if (type === 'IEND') break;
    pos += 12 + len;
  }
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: bound });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      limitExceeded('maxImagePixels', `input.image.data: interlaced PNG inflates beyond its ${width}x${height} size (maxImagePixels guard)`);
    }
    reject('DRIFTWATCH_INVALID_IMAGE', `input.image.data: PNG does not decode (${(e as Error).message})`);
  }
}

function jpegBrightness(bytes: Uint8Array, limits: Readonly<InputLimits>): number {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: limits.maxImagePixels / 1e6,
      // jpeg-js counts 4 B/pixel/component of DCT blocks, 1 B/pixel/component of lines and 3 B/pixel
      // of RGB output: ≈ 18 B/pixel for a 4:4:4 colour JPEG. 32 B/pixel lets every JPEG within
      // maxImagePixels decode (128 MB at the 4 MP default) and still bounds the worst case.
      maxMemoryUsageInMB: Math.ceil((limits.maxImagePixels * 32) / (1024 * 1024)),
    });
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/limit exceeded/.test(message)) {
      return limitExceeded('maxImagePixels', `input.image.data: JPEG exceeds maxImagePixels (${limits.maxImagePixels}): ${message}`);
    }
    return reject('DRIFTWATCH_INVALID_IMAGE', `input.image.data: JPEG does not decode (${message})`);
  }
  const pixels = img.width * img.height;
  if (pixels === 0 || img.data.length < pixels * 3) reject('DRIFTWATCH_INVALID_IMAGE', 'input.image.data: JPEG without pixels');
  return meanLuma(img.data, 3, pixels);
}

function meanLuma(data: Uint8Array, stride: number, pixels: number): number {
  // Integer channel sums stay exact in a double (even 2^32 pixels × 255 < 2^53).
  let r = 0;
  let g = 0;
  let b = 0;
  const end = pixels * stride;
  for (let i = 0; i < end; i += stride) {
    r += data[i]!;
    g += data[i + 1]!;
    b += data[i + 2]!;
  }
  const y = (0.299 * r + 0.587 * g + 0.114 * b) / (255 * pixels);
  return y > 1 ? 1 : y;
}
