// test-load: heavy ~20s
// Real Icecast source clients (ffmpeg PUT and legacy SOURCE, Liquidsoap, libshout's shout, ezstream)
// push a tone through one Aircheck, each on its own mount, concurrently. For each, a listener present
// from the start and one joining mid-stream must decode to that tone; Ogg late joiners must start
// with the stream's header pages; titles sent by Liquidsoap and ezstream must reach ICY listeners.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startBridge, waitForMount, type RunningBridge } from '../helpers/bridge.ts';
import { connectListener, type ListenerHandle } from '../helpers/listener.ts';
import { ezstreamSource, ffmpegSource, liquidsoapSource, shoutSource, type PeerProcess } from '../helpers/peers.ts';
import { stopAllTracked } from '../helpers/processes.ts';
import { toneFile } from '../helpers/tones.ts';
import { decodeAudio, dominantFrequencyHz, durationSeconds } from '../helpers/audio-analysis.ts';
import { splitOggChains } from '../helpers/ogg-chains.ts';
import { OggPacketAssembler, parseOggPage } from '../../shared/src/ogg/ogg-page.ts';

const EXTRA_MOUNTS = ['/ff-opus', '/ff-vorbis', '/ff-legacy', '/liq', '/shout', '/ez'];
const mountPassword = (mount: string): string => `pw${mount.replace('/', '-')}-secret`;

/** MP3 streams here are 128 kbps CBR: 16,000 bytes per second of audio. */
const MP3_BYTES_PER_S = 16_000;
type Kind = 'mp3' | 'opus' | 'vorbis';

let bridge: RunningBridge;

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${bridge.streamUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

function listenerUrl(mount: string): string {
  return mount === '/test' ? `${bridge.url('/test')}?token=${encodeURIComponent(bridge.testToken)}` : bridge.url(mount);
}

/** Waits until the mount plays its own source; on failure the source's output explains why. */
async function waitLive(mount: string, source: PeerProcess, timeoutMs = 20_000): Promise<void> {
  try {
    await waitForMount(bridge, mount, (m) => m.playing === 'source', timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${source.name} output:\n${source.tail(3000)}`, { cause: err });
  }
}

interface HeaderInfo {
  /** The leading pages with granule position 0 (the codec headers), as bytes. */
  headerBytes: Uint8Array;
  /** The packets in those pages. */
  headerPackets: Uint8Array[];
  /** Granule position of the first page after the headers. */
  firstAudioGranule: bigint;
}

/** Splits an Ogg capture into its header pages and the first audio page's position. */
function oggHeaders(capture: Uint8Array): HeaderInfo {
  const assembler = new OggPacketAssembler();
  const headerPackets: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const parsed = parseOggPage(capture, offset);
    assert.ok(parsed, `the capture ends inside the header pages (${capture.length} bytes)`);
    if (parsed.page.granulePosition !== 0n) {
      return { headerBytes: capture.subarray(0, offset), headerPackets, firstAudioGranule: parsed.page.granulePosition };
    }
    if (offset === 0) assert.ok(parsed.page.bos, 'the first page is a beginning-of-stream page');
    for (const p of assembler.push(parsed.page)) headerPackets.push(p.data.slice());
    offset = parsed.nextOffset;
  }
}

const startsWith = (bytes: Uint8Array | undefined, prefix: string): boolean =>
  bytes !== undefined && Buffer.from(bytes.subarray(0, prefix.length)).toString('latin1') === prefix;

/** Granule position of the last page in an Ogg capture that has one, in seconds; 0 before any. */
function oggPositionS(capture: Uint8Array): number {
  let offset = 0;
  let granule = 0n;
  let rateHz = 48_000;
  for (;;) {
    const parsed = parseOggPage(capture, offset);
    if (!parsed) break;
    const first = parsed.page.packets[0];
    // Vorbis identification header: the sample rate is the u32 at byte 12 (Vorbis I spec §4.2.2).
    if (parsed.page.bos && startsWith(first, '\x01vorbis') && first!.length >= 16) rateHz = Buffer.from(first!).readUInt32LE(12);
    if (parsed.page.granulePosition > 0n) granule = parsed.page.granulePosition;
    offset = parsed.nextOffset;
  }
  return Number(granule) / rateHz;
}

/** How far into the stream a listener has got: MP3 by bytes received, Ogg by granule position. */
function positionS(listener: ListenerHandle, kind: Kind): number {
  return kind === 'mp3' ? listener.audioByteCount / MP3_BYTES_PER_S : oggPositionS(listener.audio);
}

/** Waits, as bytes arrive, until the listener's position reaches `seconds`. */
async function waitForPosition(listener: ListenerHandle, kind: Kind, seconds: number, label: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (positionS(listener, kind) < seconds) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${label}: stream position ${positionS(listener, kind).toFixed(2)} s < ${seconds} s after ${timeoutMs} ms (${listener.audioByteCount} bytes)`);
    await listener.waitForAudioBytes(listener.audioByteCount + 1, left);
  }
}

async function assertTone(listener: ListenerHandle, toneHz: number, kind: Kind, label: string): Promise<void> {
  const ogg = kind !== 'mp3';
  if (ogg) {
    const chains = splitOggChains(listener.audio);
    assert.equal(chains.length, 1, `${label}: one Ogg chain (no re-start) in ${listener.audio.length} bytes`);
  }
  const { samples, sampleRateHz } = await decodeAudio(listener.audio, { inputFormat: ogg ? 'ogg' : 'mp3' });
  const hz = dominantFrequencyHz(samples, sampleRateHz);
  const seconds = durationSeconds(samples, sampleRateHz);
  assert.ok(hz !== null && Math.abs(hz - toneHz) <= 5, `${label}: expected ${toneHz} Hz, decoded ${hz} Hz from ${listener.audio.length} bytes`);
  assert.ok(seconds >= 1.5, `${label}: only ${seconds.toFixed(2)} s decoded from ${listener.audio.length} bytes`);
}

interface CheckOptions {
  mount: string;
  source: PeerProcess;
  toneHz: number;
  kind: Kind;
  /** Listeners send Icy-MetaData: 1 (MP3 only). */
  icy?: boolean;
  /** Runs once the early listener is connected, before the late one joins. */
  whileEarlyOnly?: (early: ListenerHandle) => Promise<void>;
}

/**
 * A listener that connects as soon as the mount plays the source, then one that joins once the
 * stream is 4 s old (past the 2 s burst, so mid-stream); both then get 2 s more and must decode to
 * the tone.
 */
async function checkListeners(o: CheckOptions): Promise<{ early: ListenerHandle; late: ListenerHandle }> {
  // Passed through from the source, as Icecast does: libshout announces application/ogg.
  const contentType = o.kind === 'mp3' ? /^audio\/mpeg$/ : /^(audio|application)\/ogg$/;
  await waitLive(o.mount, o.source);
  const early = await connectListener(listenerUrl(o.mount), { icyMetadata: o.icy ?? false });
  try {
    assert.equal(early.statusCode, 200, `early listener: ${early.rawHead}`);
    assert.match(early.headers['content-type'] ?? '', contentType);
    if (o.icy) assert.equal(early.metaint, 16000, `icy-metaint in ${early.rawHead}`);
    await waitForPosition(early, o.kind, 4, `${o.mount} early listener`);
    if (o.whileEarlyOnly) await o.whileEarlyOnly(early);

    const late = await connectListener(listenerUrl(o.mount), { icyMetadata: o.icy ?? false });
    try {
      assert.equal(late.statusCode, 200, `late listener: ${late.rawHead}`);
      await waitForPosition(early, o.kind, positionS(early, o.kind) + 2, `${o.mount} early listener after the late one joined`);
      await late.waitForAudioBytes(1, 1000);
    } finally {
      late.close();
    }
    early.close();

    if (o.kind !== 'mp3') {
      const e = oggHeaders(early.audio);
      const l = oggHeaders(late.audio);
      const ids = o.kind === 'opus' ? ['OpusHead', 'OpusTags'] : ['\x01vorbis', '\x03vorbis', '\x05vorbis'];
      assert.equal(l.headerPackets.length, ids.length, `late listener: ${ids.length} header packets before the first audio page`);
      ids.forEach((id, i) => assert.ok(startsWith(l.headerPackets[i], id), `late listener's header packet ${i} is ${JSON.stringify(id)}`));
      assert.ok(Buffer.from(l.headerBytes).equals(Buffer.from(e.headerBytes)), "the late listener's first bytes are the stream's header pages, byte for byte");
      assert.ok(l.firstAudioGranule > e.firstAudioGranule, `the late listener joined mid-stream (first audio granule ${l.firstAudioGranule} > ${e.firstAudioGranule})`);
    } else {
      const [b0, b1] = [late.audio[0] ?? 0, late.audio[1] ?? 0];
      assert.ok(b0 === 0xff && (b1 & 0xe0) === 0xe0, `the late listener starts on an MP3 frame header, got ${b0.toString(16)} ${b1.toString(16)}`);
    }
    await assertTone(early, o.toneHz, o.kind, `${o.mount} listener from the start`);
    await assertTone(late, o.toneHz, o.kind, `${o.mount} listener joining mid-stream`);
    return { early, late };
  } finally {
    early.close();
  }
}

describe('real source clients reach real listeners through Aircheck', { concurrency: true }, () => {
  before(async () => {
    bridge = await startBridge({
      configToml: EXTRA_MOUNTS.map((m) => `[[mounts]]\npath = "${m}"\nsource_password = "${mountPassword(m)}"\n`).join('\n'),
    });
  });

  after(async () => {
    await stopAllTracked();
    await bridge?.stop();
  });

  test('ffmpeg, MP3 over PUT (Expect: 100-continue), on /live', async () => {
    const source = ffmpegSource({ url: bridge.streamUrl, mount: '/live', password: bridge.livePassword, format: 'mp3', toneHz: 440, iceName: 'ffmpeg mp3' });
    try {
      await checkListeners({ mount: '/live', source, toneHz: 440, kind: 'mp3' });
    } finally {
      await source.stop();
    }
  });

  test('ffmpeg, Ogg Opus over PUT', async () => {
    const source = ffmpegSource({ url: bridge.streamUrl, mount: '/ff-opus', password: mountPassword('/ff-opus'), format: 'ogg-opus', toneHz: 523 });
    try {
      await checkListeners({ mount: '/ff-opus', source, toneHz: 523, kind: 'opus' });
    } finally {
      await source.stop();
    }
  });

  test('ffmpeg, Ogg Vorbis over PUT', async () => {
    const source = ffmpegSource({ url: bridge.streamUrl, mount: '/ff-vorbis', password: mountPassword('/ff-vorbis'), format: 'ogg-vorbis', toneHz: 587 });
    try {
      await checkListeners({ mount: '/ff-vorbis', source, toneHz: 587, kind: 'vorbis' });
    } finally {
      await source.stop();
    }
  });

  test('ffmpeg, MP3 over legacy SOURCE (no Expect), and to the private /test with a token', async () => {
    const legacy = ffmpegSource({ url: bridge.streamUrl, mount: '/ff-legacy', password: mountPassword('/ff-legacy'), format: 'mp3', toneHz: 622, legacySource: true });
    const priv = ffmpegSource({ url: bridge.streamUrl, mount: '/test', password: bridge.testPassword, format: 'mp3', toneHz: 932, legacySource: true });
    try {
      await Promise.all([
        checkListeners({ mount: '/ff-legacy', source: legacy, toneHz: 622, kind: 'mp3' }),
        checkListeners({ mount: '/test', source: priv, toneHz: 932, kind: 'mp3' }),
      ]);
    } finally {
      await Promise.all([legacy.stop(), priv.stop()]);
    }
  });

  test('Liquidsoap 2.1 output.icecast (SOURCE, HTTP/1.0) with a metadata update seen by ICY listeners and the status', async () => {
    const title = "Liquidsoap's title – ü";
    // ICY has no escape: a quote in StreamTitle reaches listeners as ’ so it can never close the field
    // (bridge/src/listeners/icy-metadata.ts); the status JSON keeps the title as sent.
    const icyTitle = title.replace(/'/g, '’');
    const source = liquidsoapSource({ host: bridge.host, port: bridge.port, mount: '/liq', password: mountPassword('/liq'), toneHz: 659, title, titleAfterS: 6 });
    try {
      const { early, late } = await checkListeners({
        mount: '/liq',
        source,
        toneHz: 659,
        kind: 'mp3',
        icy: true,
        whileEarlyOnly: async (l) => {
          try {
            await l.waitForTitle(icyTitle, 20_000);
          } catch (err) {
            throw new Error(`${(err as Error).message}\nliquidsoap output:\n${source.tail(3000)}\naircheck output:\n${bridge.proc.tail(3000)}`, { cause: err });
          }
          const status = await waitForMount(bridge, '/liq', (m) => m.title === title, 5000);
          assert.equal(status.title, title);
        },
      });
      assert.equal(early.titles.at(-1), icyTitle, `early listener titles: ${JSON.stringify(early.titles)}`);
      // A listener joining after the update gets the current title in its first metadata block.
      assert.equal(late.titles[0], icyTitle, `late listener titles: ${JSON.stringify(late.titles)}`);
      assert.equal(late.metadata[0]?.audioOffset, 16000, 'the first metadata block comes after icy-metaint audio bytes');
      const pub = await getJson(`${bridge.streamUrl}/status-json.xsl`);
      const sources = [pub.icestats.source].flat();
      assert.equal(sources.find((s: any) => s.listenurl.endsWith('/liq'))?.title, title, 'status-json.xsl shows the title');
    } finally {
      await source.stop();
    }
  });

  test('libshout `shout --format ogg` (after its unauthenticated 401 probe)', async () => {
    const file = await toneFile('ogg-vorbis', 698, 15);
    const rejectedBefore = await metric('aircheck_source_connections_total', 'mount="/shout",result="rejected"');
    const source = shoutSource({ host: bridge.host, port: bridge.port, mount: '/shout', password: mountPassword('/shout'), file });
    try {
      await checkListeners({ mount: '/shout', source, toneHz: 698, kind: 'vorbis' });
      const rejected = (await metric('aircheck_source_connections_total', 'mount="/shout",result="rejected"')) - rejectedBefore;
      const accepted = await metric('aircheck_source_connections_total', 'mount="/shout",result="accepted"');
      assert.equal(rejected, 1, 'the unauthenticated probe was refused once');
      assert.equal(accepted, 1, 'then the authenticated SOURCE was accepted');
      assert.equal(source.hasExited, false, `shout is still streaming:\n${source.tail()}`);
    } finally {
      await source.stop();
    }
  });

  test('ezstream, MP3 from a file, with its title over /admin/metadata', async () => {
    const title = 'ezstream title';
    const file = await toneFile('mp3', 784, 20);
    const source = ezstreamSource({ host: bridge.host, port: bridge.port, mount: '/ez', password: mountPassword('/ez'), file, format: 'mp3', title });
    // ezstream sends its title once per pass of the file, right after it connects: it must stick.
    let titleProblem: Error | undefined;
    try {
      const { early, late } = await checkListeners({
        mount: '/ez',
        source,
        toneHz: 784,
        kind: 'mp3',
        icy: true,
        whileEarlyOnly: async (l) => {
          try {
            await l.waitForTitle(title, 3000);
            await waitForMount(bridge, '/ez', (m) => m.title === title, 1000);
          } catch (err) {
            const status = await waitForMount(bridge, '/ez', () => true);
            titleProblem = new Error(
              `ezstream's title, sent right after it connected, was not kept: status title ${JSON.stringify(status.title)}; ` +
                `${(err as Error).message}\naircheck output:\n${bridge.proc.tail(2000)}`,
            );
          }
        },
      });
      if (titleProblem) throw titleProblem;
      assert.deepEqual([...new Set(early.titles)], [title]);
      assert.equal(late.titles[0], title);
    } finally {
      await source.stop();
    }
  });
});
