// Request bodies with a size cap, and the check that an upload really is a picture: the bytes' own
// signature decides (a .txt renamed .png is caught), then sharp reads the header for width and height.
import type { IncomingMessage } from 'node:http';
import { megabytes as mb, readPictureHeader } from '../../core/pictures.js';
import { UserError } from '../../core/platform.js';

export class BodyTooLarge extends UserError {}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume(); // drain, so the answer still reaches the browser
    return Promise.reject(new BodyTooLarge(`That is ${mb(declared)}; the limit is ${mb(maxBytes)}.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new BodyTooLarge(`That is more than ${mb(maxBytes)}, the limit.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (e) => failed || reject(e));
  });
}

const signatures: Array<{ type: string; test(b: Buffer): boolean }> = [
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

export const acceptedTypes = signatures.map((s) => s.type);

export interface CheckedPicture {
  contentType: string;
  width: number;
  height: number;
}

/** The picture's real type and size, or a UserError that names the file and says what is accepted. */
export async function checkPicture(name: string, data: Buffer, declaredType?: string): Promise<CheckedPicture> {
  if (declaredType && declaredType !== 'application/octet-stream' && !acceptedTypes.includes(declaredType)) {
    throw new UserError(`${name} is ${declaredType}; only PNG, JPEG, WebP and GIF pictures can be used.`);
  }
  const sig = signatures.find((s) => s.test(data));
  if (!sig) {
    throw new UserError(`${name} is not a picture (its content is not PNG, JPEG, WebP or GIF), so it was not posted.`);
  }
  // the shared header check: a pixel bomb is named as one, and the size is the upright one (after EXIF rotation)
  const header = await readPictureHeader(name, data);
  return { contentType: sig.type, width: header.width, height: header.height };
}
