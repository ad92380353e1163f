// Pack validation: copies of the tiny fixture, broken one way each, must fail with a PackError naming the file.
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPack, releasePack } from '../../src/engine/loaded-pack.js';
import { PackError } from '../../src/engine/pack.js';
import { tinyPack } from '../parity/packs.js';

const temps: string[] = [];
afterAll(async () => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

async function brokenCopy(breakIt: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pack-'));
  temps.push(dir);
  await cp(tinyPack(), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}reference`) && !src.includes('styleclip_relevance'),
  });
  await breakIt(dir);
  return dir;
}

async function editManifest(dir: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const file = path.join(dir, 'pack.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  edit(m);
  await writeFile(file, JSON.stringify(m));
}

async function failure(dir: string): Promise<PackError> {
  const err = await loadPack(dir, { provider: 'cpu' }).then(
    async (p) => {
      await releasePack(p.sessions);
      return null;
    },
    (e) => e,
  );
  expect(err).toBeInstanceOf(PackError);
  return err as PackError;
}

describe('pack validation', () => {
  it('loads the intact fixture and reports the provider', async () => {
    const pack = await loadPack(tinyPack(), { provider: 'cpu' });
    expect(pack.provider).toBe('cpu');
    expect(pack.identity.length).toBe(pack.manifest.domainDim);
    await releasePack(pack.sessions);
  });

  it('names a missing file', async () => {
    const err = await failure(await brokenCopy((d) => rm(path.join(d, 'hypernet.onnx'))));
    expect(err.message).toBe('hypernet.onnx: missing');
  });

  it('names a truncated file with both sizes', async () => {
    const err = await failure(await brokenCopy((d) => truncate(path.join(d, 'synthesis.onnx'), 1000)));
    expect(err.file).toBe('synthesis.onnx');
    expect(err.message).toMatch(/^synthesis.onnx: truncated: 1000 bytes, pack.json says \d+/);
  });

  it('catches a changed byte by sha256', async () => {
    const err = await failure(
      await brokenCopy(async (d) => {
        const f = path.join(d, 'w_avg.bin');
        const buf = await readFile(f);
        buf[0] ^= 0xff;
        await writeFile(f, buf);
      }),
    );
    expect(err.message).toMatch(/^w_avg.bin: sha256 mismatch/);
  });

  it('refuses a pack.json that breaks the schema, naming the field', async () => {
    const err = await failure(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.resolution = 'big';
        }),
      ),
    );
    expect(err.message).toMatch(/pack.json: does not match contract v1: resolution/);
    const bad = await failure(await brokenCopy((d) => writeFile(path.join(d, 'pack.json'), '{ not json')));
    expect(bad.message).toMatch(/pack.json: not valid JSON/);
    const none = await failure(await brokenCopy((d) => rm(path.join(d, 'pack.json'))));
    expect(none.message).toMatch(/pack.json: missing/);
  });

  it('checks graph shapes against the contract (N, D, S, E)', async () => {
    const n = await failure(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.numWs += 1;
        }),
      ),
    );
    expect(n.message).toMatch(/^synthesis.onnx: input "ws" has shape \[.*\], the contract wants \[B,\d+,\d+\]/);
    const e = await failure(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.embedDim += 1;
        }),
      ),
    );
    expect(e.message).toMatch(/hypernet.onnx: input "target" has shape/);
  });

  it('names a wrong input name', async () => {
    const err = await failure(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.clip.textInputs = ['token_ids'];
        }),
      ),
    );
    expect(err.message).toMatch(/clip\/text.onnx: wrong input names: expected "token_ids", the graph has input_ids/);
  });

  it('refuses a file path that leaves the pack folder', async () => {
    const err = await failure(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.files.mapping.path = '../../etc/passwd';
        }),
      ),
    );
    expect(err.message).toMatch(/path leaves the pack folder/);
  });

  it('refuses malformed StyleCLIP text settings (styleclip.text), saying what is wrong', async () => {
    const good = { templates: ['a photo of {}'], neutral: 'a face', phrase: { subjects: ['a face'], before: ['smiling'] } };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { ...good, templates: ['a photo of a face'] },
        /styleclip\.text\.templates\.0: a prompt template holds exactly one "\{\}", where the text goes/,
      ],
      [{ ...good, templates: ['{} and {}'] }, /styleclip\.text\.templates\.0: a prompt template holds exactly one "\{\}"/],
      [{ ...good, templates: [] }, /styleclip\.text\.templates: at least one prompt template/],
      [{ ...good, neutral: '  ' }, /styleclip\.text\.neutral: must not be empty/],
      [{ ...good, phrase: { subjects: [] } }, /styleclip\.text\.phrase\.subjects: at least one subject phrase/],
      [{ ...good, phrase: { subjects: ['a face'], before: [] } }, /styleclip\.text\.phrase\.before: at least one word/],
      [{ ...good, template: ['a photo of {}'] }, /styleclip\.text: Unrecognized key: "template"/],
    ];
    for (const [text, reason] of cases) {
      const err = await failure(
        await brokenCopy((d) =>
          editManifest(d, (m) => {
            m.styleclip.text = text;
          }),
        ),
      );
      expect(err.message, JSON.stringify(text)).toMatch(/pack.json: does not match contract v1: styleclip\.text/);
      expect(err.message, JSON.stringify(text)).toMatch(reason);
    }
    // the same settings well formed load
    const ok = await loadPack(
      await brokenCopy((d) =>
        editManifest(d, (m) => {
          m.styleclip.text = good;
        }),
      ),
      { provider: 'cpu' },
    );
    expect(ok.manifest.styleclip?.text).toEqual(good);
    await releasePack(ok.sessions);
  });

  it('names a file that is not ONNX at all (with a matching sha256)', async () => {
    const dir = await brokenCopy(async (d) => {
      const junk = Buffer.from('this is not a protobuf model');
      await writeFile(path.join(d, 'encoder.onnx'), junk);
      const { createHash } = await import('node:crypto');
      await editManifest(d, (m) => {
        m.files.encoder.bytes = junk.length;
        m.files.encoder.sha256 = createHash('sha256').update(junk).digest('hex');
      });
    });
    const err = await failure(dir);
    expect(err.message).toMatch(/^encoder.onnx: ONNX Runtime cannot load it/);
  });
});
