// Text chunks in a PNG (iTXt: UTF-8 keyword/value pairs), so that a result file carries how it was made
// (prompt, seed, strength, pack, domain id) wherever it is saved or forwarded. Readers: exiftool, Pillow's
// `Image.info`, most image viewers' "properties". sharp cannot write arbitrary text chunks, so they are
// spliced in after the IHDR chunk by hand, with Node's own CRC-32.
import { crc32 } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** an uncompressed iTXt chunk: keyword, 0, compression flag 0, method 0, no language, no translated keyword, UTF-8 text */
function itxt(keyword: string, text: string): Buffer {
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(keyword.slice(0, 79), 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]),
  );
}

/** The PNG with one iTXt chunk per entry after its header; not a PNG: returned unchanged. */
export function withTextChunks(png: Buffer, entries: Record<string, string>): Buffer {
  if (!png.subarray(0, 8).equals(SIGNATURE)) return png;
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const added = Object.entries(entries).map(([k, v]) => itxt(k, v));
  return Buffer.concat([png.subarray(0, ihdrEnd), ...added, png.subarray(ihdrEnd)]);
}

/** The tEXt and iTXt entries of a PNG (uncompressed ones). */
export function readTextChunks(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  if (!png.subarray(0, 8).equals(SIGNATURE)) return out;
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const nul = data.indexOf(0);
    if (type === 'tEXt' && nul > 0) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    if (type === 'iTXt' && nul > 0 && data[nul + 1] === 0) {
      const lang = data.indexOf(0, nul + 3);
      const translated = data.indexOf(0, lang + 1);
      out[data.toString('latin1', 0, nul)] = data.toString('utf8', translated + 1);
    }
    at += 12 + length;
  }
  return out;
}
