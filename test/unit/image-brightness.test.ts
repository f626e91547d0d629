import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { DecodeReject } from '../../src/ingest/decode-reject';
import { imageBrightness, imageBytesFromData } from '../../src/ingest/image-brightness';
import { encodeRgba, imageOfBrightness, solidImage } from '../../src/ingest/image-fixtures';
import { DEFAULT_INPUT_LIMITS } from '../../src/ingest/input-limits';

// BT.601 luma of an 8-bit RGB triple, the definition documented in image-brightness.ts.
const luma = (r: number, g: number, b: number): number => (0.299 * r + 0.587 * g + 0.114 * b) / 255;

// JPEG is lossy: a solid colour comes back within a few levels per channel (quality 90, 4:2:0).
const JPEG_TOLERANCE = 0.01;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeReject) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

const COLOURS: Array<[string, [number, number, number]]> = [
  ['black', [0, 0, 0]],
  ['white', [255, 255, 255]],
  ['red', [255, 0, 0]],
  ['green', [0, 255, 0]],
  ['blue', [0, 0, 255]],
  ['grey 128', [128, 128, 128]],
  ['orange', [255, 165, 0]],
  ['navy-ish', [20, 40, 90]],
];

describe('image brightness', () => {
  it.each(COLOURS)('PNG %s: exact BT.601 luminance', (_name, rgb) => {
    const png = solidImage('png', 13, 7, rgb);
    expect(imageBrightness(png, DEFAULT_INPUT_LIMITS)).toBeCloseTo(luma(...rgb), 12);
  });

  it.each(COLOURS)('JPEG %s: BT.601 luminance within the JPEG tolerance', (_name, rgb) => {
    const jpg = solidImage('jpeg', 16, 16, rgb);
    expect(Math.abs(imageBrightness(jpg, DEFAULT_INPUT_LIMITS) - luma(...rgb))).toBeLessThanOrEqual(JPEG_TOLERANCE);
  });

  it('averages over pixels (half black, half white = 0.5) and ignores alpha', () => {
    const w = 10;
    const h = 10;
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      const v = p < (w * h) / 2 ? 0 : 255;
      rgba.set([v, v, v, p % 2 === 0 ? 0 : 255], p * 4); // every other pixel fully transparent
    }
    expect(imageBrightness(encodeRgba('png', w, h, rgba), DEFAULT_INPUT_LIMITS)).toBeCloseTo(0.5, 12);
    const transparentRed = new Uint8Array([255, 0, 0, 0]);
    expect(imageBrightness(encodeRgba('png', 1, 1, transparentRed), DEFAULT_INPUT_LIMITS)).toBeCloseTo(luma(255, 0, 0), 12);
  });

  it('reads grey-scale and 16-bit PNGs (rescaled to 8 bits)', () => {
    const grey = new PNG({ width: 4, height: 4, colorType: 0, inputColorType: 6, inputHasAlpha: true });
    grey.data = Buffer.alloc(4 * 4 * 4);
    for (let i = 0; i < grey.data.length; i += 4) grey.data.set([77, 77, 77, 255], i);
    const greyPng = PNG.sync.write(grey, { colorType: 0, inputColorType: 6 });
    expect(greyPng[25]).toBe(0); // IHDR colour type byte: grey
    expect(imageBrightness(greyPng, DEFAULT_INPUT_LIMITS)).toBeCloseTo(77 / 255, 12);

    const deep = new PNG({ width: 2, height: 2, bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    const data16 = new Uint16Array(2 * 2 * 3).fill(0x8080); // 0x8080 / 65535 = 128 / 255 exactly
    deep.data = Buffer.from(data16.buffer);
    const deepPng = PNG.sync.write(deep, { bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    expect(deepPng[24]).toBe(16); // IHDR bit depth
    expect(imageBrightness(deepPng, DEFAULT_INPUT_LIMITS)).toBeCloseTo(128 / 255, 12);
  });

  it('imageOfBrightness makes images whose measured brightness is the requested one (8-bit step)', () => {
    for (const b of [0, 0.1, 0.42, 0.5, 0.93, 1]) {
      expect(Math.abs(imageBrightness(imageOfBrightness('png', b), DEFAULT_INPUT_LIMITS) - b)).toBeLessThanOrEqual(1 / 510 + 1e-12);
      expect(Math.abs(imageBrightness(imageOfBrightness('jpeg', b), DEFAULT_INPUT_LIMITS) - b)).toBeLessThanOrEqual(1 / 510 + JPEG_TOLERANCE);
    }
  });

  it('decodes base64 (standard, URL-safe, line-wrapped, data: URL) and raw bytes alike', () => {
    const png = imageOfBrightness('png', 0.25);
    const b64 = png.toString('base64');
    const forms = [
      b64,
      png.toString('base64url'),
      b64.replace(/(.{60})/g, '$1\r\n'),
      `data:image/png;base64,${b64}`,
      new Uint8Array(png),
    ];
    for (const form of forms) {
      expect(Buffer.from(imageBytesFromData(form, DEFAULT_INPUT_LIMITS)).equals(png)).toBe(true);
    }
  });

  it('rejects what is not a PNG or JPEG, and corrupt files', () => {
    const png = solidImage('png', 8, 8, [1, 2, 3]);
    const truncated = png.subarray(0, png.length - 20);
    const jpg = solidImage('jpeg', 8, 8, [1, 2, 3]);
    for (const bytes of [Buffer.from('GIF89a'), Buffer.alloc(0), Buffer.from([0xff, 0xd8]), truncated, jpg.subarray(0, 10)]) {
      expect(codeOf(() => imageBrightness(bytes, DEFAULT_INPUT_LIMITS))).toBe('DRIFTWATCH_INVALID_IMAGE');
    }
    expect(codeOf(() => imageBytesFromData('***', DEFAULT_INPUT_LIMITS))).toBe('DRIFTWATCH_INVALID_IMAGE');
  });

  it('refuses images over the pixel limit before decoding them', () => {
    const limits = { ...DEFAULT_INPUT_LIMITS, maxImagePixels: 63 };
    expect(codeOf(() => imageBrightness(solidImage('png', 8, 8, [0, 0, 0]), limits))).toBe('DRIFTWATCH_LIMIT_EXCEEDED');
    expect(codeOf(() => imageBrightness(solidImage('jpeg', 8, 8, [0, 0, 0]), limits))).toBe('DRIFTWATCH_LIMIT_EXCEEDED');
    expect(imageBrightness(solidImage('png', 7, 9, [0, 0, 0]), limits)).toBe(0);
  });

  it('refuses an interlaced PNG whose pixel data inflates beyond what its header allows', () => {
    // A 10x10 RGBA interlaced PNG header, then one IDAT that inflates to 1 MB of zeros.
    const chunk = (type: string, data: Buffer): Buffer => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, data, Buffer.alloc(4)]); // CRCs are not reached: the guard runs first
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(10, 0);
    ihdr.writeUInt32BE(10, 4);
    ihdr.set([8, 6, 0, 0, 1], 8); // depth 8, RGBA, deflate, filter 0, Adam7
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(1_000_000))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    expect(bomb.length).toBeLessThan(2000);
    expect(codeOf(() => imageBrightness(bomb, DEFAULT_INPUT_LIMITS))).toBe('DRIFTWATCH_LIMIT_EXCEEDED');
  });
});
