import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { checkAttachmentMeta, checkImageBytes, checkPrompt, defaultLimits, fetchPicture } from '../../src/core/limits.js';
import { UserError } from '../../src/core/platform.js';
import { bytesAttachment } from './helpers.js';

const limits = defaultLimits();

describe('prompt checks', () => {
  it('trims, limits length and applies the blocklist as whole words, case-insensitively', () => {
    expect(checkPrompt('  a   photo\nof  a cat ', limits, [])).toBe('a photo of a cat');
    expect(() => checkPrompt('   ', limits, [])).toThrow(UserError);
    expect(() => checkPrompt('x'.repeat(201), limits, [])).toThrow(/201 characters.*200/);
    expect(checkPrompt('x'.repeat(200), limits, [])).toHaveLength(200);
    expect(() => checkPrompt('A Gory zombie', limits, ['gory'])).toThrow(/does not allow \("gory"\)/);
    expect(checkPrompt('allegory of a face', limits, ['gory'])).toBe('allegory of a face');
    expect(() => checkPrompt('c++ face', limits, ['c++'])).toThrow(UserError); // regex characters are literal
  });
});

describe('attachment checks', () => {
  it('refuses wrong types and oversized files before downloading', () => {
    expect(() =>
      checkAttachmentMeta(
        bytesAttachment('pic.png', Buffer.alloc(10), 'image/png', { name: 'a.pdf', contentType: 'application/pdf' }),
        limits,
      ),
    ).toThrow(/not a picture.*application\/pdf/);
    expect(() => checkAttachmentMeta(bytesAttachment('pic.png', Buffer.alloc(10), 'image/png', { size: 9 * 1024 * 1024 }), limits)).toThrow(
      /9\.0 MB; the limit is 8\.0 MB/,
    );
    expect(() =>
      checkAttachmentMeta(bytesAttachment('pic.png', Buffer.alloc(10), 'image/png', { width: 20000, height: 20000 }), limits),
    ).toThrow(/too large/);
    expect(() =>
      checkAttachmentMeta(bytesAttachment('pic.png', Buffer.alloc(10), 'image/png', { contentType: undefined, name: 'x.webp' }), limits),
    ).not.toThrow();
  });

  it('decodes for real after download: corrupt files and pixel bombs are UserErrors', async () => {
    const good = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    expect(await checkImageBytes('ok.png', good, limits)).toEqual({ width: 32, height: 24, format: 'png' });
    const truncated = good.subarray(0, good.byteLength - 20);
    await expect(checkImageBytes('cut.png', truncated, limits)).rejects.toThrow(/could not be read/);
    await expect(checkImageBytes('junk.png', Buffer.from('not an image at all'), limits)).rejects.toBeInstanceOf(UserError);
    // a small file that claims many pixels: 6000×6000 of one colour compresses to a few KB
    const bomb = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(bomb.byteLength).toBeLessThan(limits.maxAttachmentBytes);
    await expect(checkImageBytes('bomb.png', bomb, { ...limits, maxInputPixels: 1_000_000 })).rejects.toThrow(
      '"bomb.png" claims 6000×6000 pixels; the limit is 1 megapixels.',
    );
  });

  it('fetchPicture does not download what the metadata already refuses', async () => {
    const good = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0f0' } })
      .jpeg()
      .toBuffer();
    const bad = bytesAttachment('pic.png', good, 'image/png', { contentType: 'text/html', name: 'x.html' });
    await expect(fetchPicture(bad, limits)).rejects.toBeInstanceOf(UserError);
    expect(bad.downloads).toBe(0);
    const ok = bytesAttachment('pic.png', good, 'image/png', { contentType: 'image/jpeg', name: 'x.jpg' });
    expect((await fetchPicture(ok, limits)).equals(good)).toBe(true);
    expect(ok.downloads).toBe(1);
  });
});
