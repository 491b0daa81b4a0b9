/** Pixel checks shared by every reward, metric and classifier entry point: images are in [0, 1], finite. */

/**
 * Throws a RangeError naming `where`, the image, the pixel and the value unless every entry of `images` (row-major,
 * `pixelsPerImage` per image) is finite and in [0, 1]; a ×255 image, a NaN from upstream or an overflow is refused
 * instead of scoring silently. Uint8 images (0–255 counts) are not checked: they are scaled on the way in.
 */
export function checkPixels(images: ArrayLike<number>, pixelsPerImage: number, where: string): void {
  if (images instanceof Uint8Array) return;
  for (let i = 0; i < images.length; i++) {
    const v = images[i] as number;
    if (!(v >= 0 && v <= 1)) {
      const hint = v > 1 && v <= 255 ? ' (images scaled to 0–255? divide by 255)' : '';
      throw new RangeError(
        `${where}: image ${Math.floor(i / pixelsPerImage)} pixel ${i % pixelsPerImage} is ${v}; pixels must be finite and in [0, 1]${hint}`,
      );
    }
  }
}
