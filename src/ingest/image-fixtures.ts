import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/**
 * Small images of a known colour or brightness, for tests, benches and the traffic simulator
 * (`input.image.data`). Not used on the decoding path.
 */

export type ImageFormat = 'png' | 'jpeg';

/** A width × height image filled with one RGB colour, as PNG or JPEG (quality 0..100, default 90). */
export function solidImage(format: ImageFormat, width: number, height: number, rgb: readonly [number, number, number], quality = 90): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return encodeRgba(format, width, height, data, quality);
}

/** Encodes RGBA pixels (4 bytes per pixel, row-major) as PNG or JPEG. */
export function encodeRgba(format: ImageFormat, width: number, height: number, rgba: Uint8Array, quality = 90): Buffer {
  if (format === 'png') {
    const png = new PNG({ width, height });
    png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
    return PNG.sync.write(png);
  }
  return jpeg.encode({ width, height, data: rgba }, quality).data;
}

/**
 * A grey image whose mean BT.601 luminance is `brightness` (0..1) up to the 8-bit step (±1/510;
 * JPEG adds its own small error). The weights sum to 1, so a grey level g has luminance g / 255.
 */
export function imageOfBrightness(format: ImageFormat, brightness: number, size = 8): Buffer {
  const g = Math.max(0, Math.min(255, Math.round(brightness * 255)));
  return solidImage(format, size, size, [g, g, g]);
}

/** The same, as the base64 text `input.image.data` carries in JSON. */
export function imageOfBrightnessBase64(format: ImageFormat, brightness: number, size = 8): string {
  return imageOfBrightness(format, brightness, size).toString('base64');
}
