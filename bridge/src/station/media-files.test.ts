// Media uploads: only plain audio file names, the size limit enforced while the body streams (and at
// once from a declared length), nothing kept that the fallback loader cannot play, an existing name
// kept unless replaced, durations listed once per file version.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { loadAudioFile } from '../mounts/file-feed.ts';
import { MEDIA_MAX_BYTES, MediaFiles, checkUploadName, uploadNameProblem, writeLimited } from './media-files.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-media-files-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => {
  const dir = join(root, `media-${++dirCount}`);
  mkdirSync(dir);
  return dir;
};

/** A body of `chunks` chunks of `chunkBytes` (endless when chunks is Infinity), counting what was pulled. */
function body(chunkBytes: number, chunks: number, fill = 0x41): { stream: Readable; pulled: () => number } {
  let n = 0;
  const stream = Readable.from((function* () {
    while (n < chunks) {
      n++;
      yield Buffer.alloc(chunkBytes, fill);
    }
  })());
  return { stream, pulled: () => n };
}

/** A probe that plays files starting with "AUDIO" (one second each KiB), like the loader would refuse the rest. */
function fakeProbe() {
  const calls: string[] = [];
  const probe = (file: string) => {
    calls.push(file);
    const bytes = readFileSync(file);
    if (bytes.subarray(0, 5).toString() !== 'AUDIO') throw new Error(`fallback file ${file} is neither MP3 nor Ogg: use an MP3, Ogg Opus or Ogg Vorbis file`);
    return { format: 'mp3', durationMs: Math.round(bytes.length / 1024) * 1000 };
  };
  return { probe, calls };
}
const audio = (kib: number) => Readable.from([Buffer.concat([Buffer.from('AUDIO'), Buffer.alloc(kib * 1024 - 5)])]);

describe('upload names', () => {
  it('a plain file name of letters, digits, ".", "_", "-" and spaces with an audio extension is accepted', () => {
    for (const name of ['loop.mp3', 'Night Loop-2.opus', 'jingle_1.ogg', 'été 2026.oga', 'A.MP3']) assert.equal(uploadNameProblem(name), null, name);
  });

  it('paths, hidden files, other characters, other extensions and the reserved words are refused', () => {
    const refused: Record<string, RegExp> = {
      '': /empty/,
      '../up.mp3': /path/,
      'sub/loop.mp3': /path/,
      'sub\\loop.mp3': /path/,
      '.hidden.mp3': /hidden/,
      'loop..mp3': /"\.\."/,
      'notes.txt': /audio extension/,
      'loop': /audio extension/,
      'a;rm -rf.mp3': /only letters, digits/,
      'quote".mp3': /only letters, digits/,
      'tab\t.mp3': /only letters, digits/,
      'rtl\u202Eevil.mp3': /only letters, digits/,
      ' lead.mp3': /only letters, digits/,
      'none': /audio extension|reserved/,
      [`${'x'.repeat(125)}.mp3`]: /longer than 128/,
    };
    for (const [name, why] of Object.entries(refused)) assert.match(uploadNameProblem(name) ?? 'accepted', why, JSON.stringify(name));
  });

  it('a refused name is answered 400 naming the field, the value and the fix', () => {
    assert.throws(() => checkUploadName('../up.mp3'), (e) => isAircheckError(e, 'API_BAD_REQUEST') && e.message.includes('path field "name" is "../up.mp3"') && /name the file like "night-loop\.mp3"/.test(e.message));
  });
});

describe('writeLimited', () => {
  it('writes a body under the limit and says how many bytes it wrote', async () => {
    const file = join(freshDir(), 'ok.part');
    assert.equal(await writeLimited(body(1000, 5).stream, file, 5000), 5000);
    assert.equal(readFileSync(file).length, 5000);
  });

  it('stops an endless body as soon as it passes the limit, and removes what it wrote', async () => {
    const dir = freshDir();
    const file = join(dir, 'big.part');
    const { stream, pulled } = body(64 * 1024, Infinity);
    await assert.rejects(writeLimited(stream, file, 1024 * 1024), (e) => isAircheckError(e, 'MEDIA_TOO_LARGE') && /at most 1048576 bytes/.test(e.message));
    assert.ok(pulled() <= 1024 * 1024 / (64 * 1024) + 4, `stopped reading after ${pulled()} chunks`);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('never overwrites an existing file', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'taken.part'), 'keep');
    await assert.rejects(writeLimited(body(10, 1).stream, join(dir, 'taken.part'), 100), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
  });
});

describe('MediaFiles', () => {
  it('keeps an upload the probe plays, lists it with size and duration, and probes each version once', async () => {
    const dir = freshDir();
    const { probe, calls } = fakeProbe();
    const media = new MediaFiles({ dir, probe });
    const up = await media.upload('loop.mp3', audio(3), { declaredBytes: 3072, replace: false });
    assert.deepEqual(up, { name: 'loop.mp3', sizeBytes: 3072, durationMs: 3000, bundled: false, replaced: false });
    assert.deepEqual(readdirSync(dir), ['loop.mp3'], 'the temporary file is gone');
    const listed = media.list();
    assert.deepEqual(listed.map((f) => [f.name, f.sizeBytes, f.durationMs]), [['bundled', null, null], ['loop.mp3', 3072, 3000]]);
    media.list();
    assert.equal(calls.length, 1, 'the duration of an unchanged file is not read again');
  });

  it('garbage is refused as "not audio we can play", naming the upload and not the temporary file, and nothing is left', async () => {
    const dir = freshDir();
    const media = new MediaFiles({ dir, probe: fakeProbe().probe });
    await assert.rejects(
      media.upload('junk.mp3', Readable.from([Buffer.from('this is not audio')]), { declaredBytes: null, replace: false }),
      (e) => isAircheckError(e, 'API_BAD_REQUEST') && /"junk\.mp3" is not audio we can play: fallback file junk\.mp3 is neither MP3 nor Ogg: use an MP3/.test(e.message) && !e.message.includes('.part'),
    );
    await assert.rejects(media.upload('empty.mp3', Readable.from([]), { declaredBytes: 0, replace: false }), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /empty/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a declared length over the limit is refused before a byte is read; a streamed one as it passes the limit', async () => {
    const dir = freshDir();
    const media = new MediaFiles({ dir, probe: fakeProbe().probe, maxBytes: 10_000 });
    const declared = body(1000, 20);
    await assert.rejects(media.upload('big.mp3', declared.stream, { declaredBytes: 20_000, replace: false }), (e) => isAircheckError(e, 'MEDIA_TOO_LARGE') && /20000 bytes or more, at most 10000/.test(e.message));
    assert.equal(declared.pulled(), 0);
    const chunked = body(1000, Infinity);
    await assert.rejects(media.upload('big.mp3', chunked.stream, { declaredBytes: null, replace: false }), (e) => isAircheckError(e, 'MEDIA_TOO_LARGE'));
    assert.deepEqual(readdirSync(dir), []);
  });

  it('an existing name is kept unless replace is asked for; replacing reports it and lists the new duration', async () => {
    const dir = freshDir();
    const media = new MediaFiles({ dir, probe: fakeProbe().probe });
    await media.upload('loop.mp3', audio(2), { declaredBytes: null, replace: false });
    const untouched = body(10, 1);
    await assert.rejects(media.upload('loop.mp3', untouched.stream, { declaredBytes: null, replace: false }), (e) => isAircheckError(e, 'MEDIA_EXISTS') && /replace=1/.test(e.message));
    assert.equal(untouched.pulled(), 0);
    // A failed replacement leaves the old file as it was.
    await assert.rejects(media.upload('loop.mp3', Readable.from([Buffer.from('junk')]), { declaredBytes: null, replace: true }));
    assert.equal(readFileSync(join(dir, 'loop.mp3')).length, 2048);
    const replaced = await media.upload('loop.mp3', audio(5), { declaredBytes: null, replace: true });
    assert.equal(replaced.replaced, true);
    assert.equal(media.list().find((f) => f.name === 'loop.mp3')?.durationMs, 5000);
    media.remove('loop.mp3');
    assert.deepEqual(readdirSync(dir), []);
    assert.throws(() => media.remove('loop.mp3'), (e) => isAircheckError(e, 'MEDIA_NOT_FOUND'));
  });

  it('the upload limit is the fallback loader\'s own: a file one byte larger is one it refuses for its size', () => {
    const file = join(freshDir(), 'sparse.mp3');
    writeFileSync(file, '');
    truncateSync(file, MEDIA_MAX_BYTES + 1); // sparse: no disk used
    assert.throws(() => loadAudioFile(file), (e) => isAircheckError(e, 'FALLBACK_FILE_INVALID') && e.message.includes(`under ${MEDIA_MAX_BYTES} bytes`));
  });
});
