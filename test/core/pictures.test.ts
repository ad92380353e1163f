// The one picture boundary (src/core/pictures.ts): every platform's download is bounded in size and in time by
// the shared policy, and none of them fetches on its own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { megabytes, PICTURE_POLICY } from '../../src/core/pictures.js';
import { MAX_INPUT_PIXELS } from '../../src/engine/images.js';
import { slackAttachment } from '../../src/platforms/slack/files.js';
import { defaultAttachmentPolicy, downloadAttachment } from '../../src/platforms/discord/attachments.js';
import type { Attachment } from '../../src/core/platform.js';

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    // /stall: headers, then nothing; /flood: more bytes than it declared
    if (req.url?.startsWith('/stall')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(Buffer.alloc(10));
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(Buffer.alloc(64 * 1024));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function discordPicture(path: string): Attachment {
  return { name: 'p.png', contentType: 'image/png', size: 100, url: `${origin}${path}`, download: async () => Buffer.alloc(0) };
}

describe('the picture boundary', () => {
  it('one pixel cap from the chat edge to the engine decoder, one way of writing sizes', () => {
    expect(PICTURE_POLICY.maxPixels).toBe(MAX_INPUT_PIXELS);
    expect(megabytes(8 * 1024 * 1024)).toBe('8.0 MB');
    expect(megabytes(64 * 1024)).toBe('64 KB');
  });

  it('a stalled file server is given up on, on Discord and on Slack alike', async () => {
    const discord = downloadAttachment(discordPicture('/stall'), 1024 * 1024, {
      ...defaultAttachmentPolicy,
      cdnHosts: [origin],
      timeoutMs: 300,
    });
    await expect(discord).rejects.toThrow(/took longer than 0\.3 s/);
    const slack = slackAttachment(
      { name: 's.png', mimetype: 'image/png', size: 100, url_private: `${origin}/stall` },
      { botToken: 'xoxb-test', fileHosts: [origin], timeoutMs: 300 },
    );
    await expect(slack.download(1024 * 1024)).rejects.toThrow(/took longer than 0\.3 s/);
  });

  it('a download past its size cap is stopped, whatever size was declared', async () => {
    const discord = downloadAttachment(discordPicture('/flood'), 1024, { ...defaultAttachmentPolicy, cdnHosts: [origin] });
    await expect(discord).rejects.toThrow(/larger than 1 KB; I stopped the download/);
    const slack = slackAttachment(
      { name: 's.png', mimetype: 'image/png', size: 100, url_private: `${origin}/flood` },
      { botToken: 'xoxb-test', fileHosts: [origin] },
    );
    await expect(slack.download(1024)).rejects.toThrow(/larger than 1 KB; I stopped the download/);
  });

  it('no platform adapter calls fetch() itself: downloads go through fetchWithin', () => {
    const root = resolve(import.meta.dirname, '../../src/platforms');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) =>
        statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : [],
      );
    const direct = files(root).filter((f) => /(^|[^.\w])fetch\(/m.test(readFileSync(f, 'utf8')));
    expect(direct).toEqual([]);
  });
});
