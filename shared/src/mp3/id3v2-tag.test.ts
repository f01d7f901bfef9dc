import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { id3v2Size } from './mp3-framer.ts';
import { writeId3v2Tag } from './id3v2-tag.ts';

describe('writeId3v2Tag', () => {
  it('writes an ID3v2.3 header with a syncsafe size and UTF-16 TIT2/TPE1 frames', () => {
    const tag = writeId3v2Tag({ title: 'Morning ✓', artist: 'nïna' });
    assert.deepEqual([...tag.subarray(0, 6)], [0x49, 0x44, 0x33, 3, 0, 0]);
    assert.equal(id3v2Size(tag, 0), tag.length, 'the framer skips exactly the tag');
    const title = 'Morning ✓';
    const titleFrameBytes = 10 + 3 + 2 * title.length;
    assert.equal(Buffer.from(tag.subarray(10, 14)).toString('latin1'), 'TIT2');
    assert.equal(new DataView(tag.buffer).getUint32(14), 3 + 2 * title.length);
    assert.deepEqual([...tag.subarray(20, 23)], [0x01, 0xff, 0xfe], 'UTF-16 with a little-endian BOM');
    assert.equal(Buffer.from(tag.subarray(23, 10 + titleFrameBytes)).toString('utf16le'), title);
    assert.equal(Buffer.from(tag.subarray(10 + titleFrameBytes, 14 + titleFrameBytes)).toString('latin1'), 'TPE1');
    assert.equal(Buffer.from(tag.subarray(23 + titleFrameBytes)).toString('utf16le'), 'nïna');
  });

  it('encodes a size above 127 bytes in 7-bit groups, and writes nothing without text', () => {
    const tag = writeId3v2Tag({ title: 'x'.repeat(200) });
    const body = tag.length - 10;
    assert.ok(body > 127);
    assert.deepEqual([...tag.subarray(6, 10)], [0, 0, body >> 7, body & 0x7f]);
    assert.equal(writeId3v2Tag({}).length, 0);
    assert.equal(writeId3v2Tag({ title: '' }).length, 0);
  });
});
