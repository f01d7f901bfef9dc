// Sources get the code of what really went wrong (issue 9): a source over limits.max_sources is
// refused with SOURCE_LIMIT_REACHED (not the listeners' LISTENER_LIMIT_REACHED), and a source whose
// connection is reset is counted as SOURCE_CONNECTION_LOST (not SOURCE_BAD_AUDIO: its audio was fine).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawSource } from '../helpers/raw-http.ts';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { ffmpegSource } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';

let bridge: RunningBridge;

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The server's source count (admin status); no event says a source was attached or let go. */
async function waitForSources(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = -1;
  while (Date.now() < deadline) {
    last = (await getJson(`${bridge.streamUrl}/admin/status.json`, { authorization: bridge.adminAuth })).server.sources;
    if (last === count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected ${count} sources, the server has ${last}`);
}

describe('source error codes', { timeout: 60_000 }, () => {
  before(async () => {
    bridge = await startBridge({ env: { AIRCHECK_LIMITS_MAX_SOURCES: '1' } });
  });
  after(async () => {
    await bridge?.stop();
    await stopAllTracked();
  });

  test('a source over limits.max_sources is refused with 503 SOURCE_LIMIT_REACHED, counted under that code', async () => {
    const ffmpeg = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 440 });
    await waitForMount(bridge, '/live', (m) => m.playing === 'source');
    const { socket, answer: head } = await rawSource(bridge.host, bridge.port, '/test', bridge.testPassword);
    socket.destroy();
    assert.match(head, /^HTTP\/1\.0 503 /);
    assert.match(head, /\r\n\r\nSOURCE_LIMIT_REACHED: the server already has 1 sources \(limits\.max_sources\)/);
    assert.equal(await metric('aircheck_request_rejections_total', 'code="SOURCE_LIMIT_REACHED"'), 1);
    assert.equal(await metric('aircheck_request_rejections_total', 'code="LISTENER_LIMIT_REACHED"'), 0);
    await ffmpeg.stop('SIGTERM', 5000);
    await waitForSources(0);
  });

  test('a source whose connection is reset is counted as SOURCE_CONNECTION_LOST, not SOURCE_BAD_AUDIO', async () => {
    const { socket, answer: head } = await rawSource(bridge.host, bridge.port, '/test', bridge.testPassword);
    assert.match(head, /^HTTP\/1\.0 200 /);
    await waitForSources(1);
    socket.resetAndDestroy();
    const deadline = Date.now() + 5000;
    while ((await metric('aircheck_source_errors_total', 'code="SOURCE_CONNECTION_LOST"')) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50)); // no event tells the test that the server counted it
    }
    assert.equal(await metric('aircheck_source_errors_total', 'mount="/test",code="SOURCE_CONNECTION_LOST"'), 1);
    assert.equal(await metric('aircheck_source_errors_total', 'code="SOURCE_BAD_AUDIO"'), 0);
  });
});
