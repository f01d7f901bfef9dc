import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRecordings, recordingPipeline } from './recording-pipeline.ts';
import type { RecordingItem } from './api/api-types.ts';

const states = (item: Parameters<typeof recordingPipeline>[0]) => recordingPipeline(item).map((s) => `${s.name}:${s.state}`).join(' ');

test('a verified recording has all three steps done', () => {
  assert.equal(states({ status: 'verified', storeLocation: 's3://b/k', sha256: 'ab', sizeBytes: 1 }), 'recorded:done stored:done verified:done');
});

test('a failed recording is red at the step where it stopped', () => {
  assert.equal(states({ status: 'failed', storeLocation: null, sha256: null, sizeBytes: null }), 'recorded:failed stored:pending verified:pending');
  assert.equal(states({ status: 'failed', storeLocation: null, sha256: 'ab', sizeBytes: 10 }), 'recorded:done stored:failed verified:pending');
  assert.equal(states({ status: 'failed', storeLocation: 's3://b/k', sha256: 'ab', sizeBytes: 10 }), 'recorded:done stored:done verified:failed');
});

test('a show still being recorded or finalized shows the step in progress', () => {
  assert.equal(states({ status: 'recording', storeLocation: null, sha256: null, sizeBytes: null }), 'recorded:active stored:pending verified:pending');
  assert.equal(states({ status: 'finalizing', storeLocation: null, sha256: null, sizeBytes: null }), 'recorded:done stored:active verified:pending');
});

test('fragments of one show are grouped in list order', () => {
  const item = (showId: string, groupId: string) => ({ showId, groupId }) as RecordingItem;
  const groups = groupRecordings([item('c', 'b'), item('b', 'b'), item('a', 'a')]);
  assert.deepEqual(groups.map((g) => g.map((i) => i.showId)), [['c', 'b'], ['a']]);
});
