import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAircheckError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import {
  MAX_METADATA_CHARS, MAX_TEXT_MESSAGE_BYTES, base64ToBytes, bytesToBase64, parseClientMessage,
  parseServerMessage, serializeMessage,
} from './messages.ts';
import type { ClientMessage, HelloMessage, ServerMessage } from './messages.ts';

const TOKEN = 'tok_9f8e7d6c5b4a39281706';
/** A stereo OpusHead: pre-skip 312, 48 kHz input, mapping family 0 (RFC 7845 §5.1). */
const OPUS_HEAD = 'T3B1c0hlYWQBAjgBgLsAAAAAAA==';

// Golden texts: exactly what PROTOCOL.md §4 shows.
const HELLO = `{"type":"hello","protocol":1,"token":"${TOKEN}","resume":{"sessionId":"k3J9xQ2mP0aZ","oldestUnackedSeq":1180},"codec":{"name":"opus","sampleRateHz":48000,"channels":2,"bitrateKbps":128,"frameDurationUs":20000,"opusHead":"${OPUS_HEAD}"}}`;
const CLIENT_GOLDEN: readonly string[] = [
  HELLO,
  '{"type":"control","action":"live","requestId":"c-7"}',
  '{"type":"metadata","artist":"Nina Simone","title":"Sinnerman","requestId":"m-12"}',
  '{"type":"ping","clientTimeMs":81234.5}',
];
const SERVER_GOLDEN: readonly string[] = [
  '{"type":"welcome","protocol":1,"sessionId":"k3J9xQ2mP0aZ","resumed":true,"nextSeq":1187,"ackEveryMs":100,"ackEveryFrames":10}',
  '{"type":"ack","seq":1196}',
  '{"type":"state","target":"live","onAir":true,"mounts":["/live","/live.mp3"],"requestId":"c-7"}',
  '{"type":"metadata-ack","requestId":"m-12"}',
  '{"type":"pong","clientTimeMs":81234.5,"serverTimeMs":1719400000123}',
  '{"type":"error","code":"MOUNT_IN_USE","message":"mount /live already has a source","requestId":"c-7"}',
];

const hello = (): HelloMessage => JSON.parse(HELLO) as HelloMessage;
const withHello = (change: (h: Record<string, any>) => void): string => {
  const h = hello() as unknown as Record<string, any>;
  change(h);
  return JSON.stringify(h);
};

function rejects(parse: (text: string) => unknown, text: string, code: ErrorCode, pattern: RegExp): void {
  assert.throws(() => parse(text), (err: unknown) => {
    assert.ok(isAircheckError(err, code), `expected ${code}, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(TOKEN), 'the token never appears in an error');
    return true;
  });
}

describe('studio protocol text messages', () => {
  it('parses every golden message of PROTOCOL.md §4 and serializes it back to the same text', () => {
    for (const text of CLIENT_GOLDEN) assert.equal(serializeMessage(parseClientMessage(text)), text);
    for (const text of SERVER_GOLDEN) assert.equal(serializeMessage(parseServerMessage(text)), text);
  });

  it('the OpusHead in the example is a stereo head with pre-skip 312', () => {
    const bytes = base64ToBytes(OPUS_HEAD);
    assert.equal(bytes.length, 19);
    assert.equal(bytes[9], 2);
    assert.equal(bytesToBase64(bytes), OPUS_HEAD);
  });

  it('a hello without resume is valid; a hello with an unknown field is not', () => {
    const h = parseClientMessage(withHello((x) => delete x.resume));
    assert.equal(h.type === 'hello' && h.resume, undefined);
    rejects(parseClientMessage, withHello((x) => (x.mount = '/live')), 'STUDIO_MESSAGE_MALFORMED', /unknown field "mount"/);
    rejects(parseClientMessage, withHello((x) => (x.codec.extra = 1)), 'STUDIO_CODEC_UNSUPPORTED', /unknown field "extra" in "codec"/);
  });

  it('refuses a hello of another protocol version whatever else it holds', () => {
    rejects(parseClientMessage, '{"type":"hello","protocol":2}', 'STUDIO_PROTOCOL_UNSUPPORTED', /"protocol" is 2, this bridge speaks protocol 1/);
    rejects(parseClientMessage, withHello((x) => delete x.protocol), 'STUDIO_PROTOCOL_UNSUPPORTED', /"protocol" is missing/);
  });

  it('names the codec field that is wrong, with the value and the fix', () => {
    rejects(parseClientMessage, withHello((x) => (x.codec.channels = 6)), 'STUDIO_CODEC_UNSUPPORTED',
      /field "codec.channels" is 6, expected 1 or 2: configure the AudioEncoder/);
    rejects(parseClientMessage, withHello((x) => (x.codec.frameDurationUs = 30000)), 'STUDIO_CODEC_UNSUPPORTED', /"codec.frameDurationUs" is 30000, expected one of 2500/);
    rejects(parseClientMessage, withHello((x) => (x.codec.name = 'aac')), 'STUDIO_CODEC_UNSUPPORTED', /"codec.name" is "aac", expected "opus"/);
    rejects(parseClientMessage, withHello((x) => (x.codec.channels = 1)), 'STUDIO_CODEC_UNSUPPORTED', /"codec.opusHead" .* for 1 channel\(s\) as "channels" says, it declares 2/);
    rejects(parseClientMessage, withHello((x) => (x.codec.opusHead = 'AAAA')), 'STUDIO_CODEC_UNSUPPORTED', /"codec.opusHead" is "AAAA", expected an OpusHead/);
    rejects(parseClientMessage, withHello((x) => (x.codec.opusHead = 'no base64!')), 'STUDIO_CODEC_UNSUPPORTED', /expected base64/);
  });

  it('never shows the token, whether it is wrong or another field is', () => {
    rejects(parseClientMessage, withHello((x) => (x.token = 'short')), 'STUDIO_MESSAGE_MALFORMED', /"token" is a 5-character token \(not shown\).*sign in again/);
    rejects(parseClientMessage, withHello((x) => (x.token = `${TOKEN} `)), 'STUDIO_MESSAGE_MALFORMED', /token \(not shown\)/);
    rejects(parseClientMessage, withHello((x) => (x.token = 12345)), 'STUDIO_MESSAGE_MALFORMED', /a number \(not shown\)/);
    rejects(parseClientMessage, withHello((x) => (x.resume.oldestUnackedSeq = -1)), 'STUDIO_MESSAGE_MALFORMED', /"resume.oldestUnackedSeq" is -1, expected 0 or more/);
    fc.assert(fc.property(fc.string({ minLength: 16, maxLength: 64 }), fc.string({ minLength: 1 }), (token, title) => {
      const text = withHello((x) => {
        x.token = token;
        x.codec.bitrateKbps = title;
      });
      try {
        parseClientMessage(text);
      } catch (err) {
        assert.ok(isAircheckError(err));
        if (token.length >= 4) assert.ok(!err.message.includes(token), 'token leaked');
        return;
      }
      assert.fail('a string bitrate is refused');
    }), { numRuns: 200 });
  });

  it('checks control and metadata fields', () => {
    rejects(parseClientMessage, '{"type":"control","action":"pause","requestId":"c-1"}', 'STUDIO_MESSAGE_MALFORMED', /"action" is "pause", expected "test", "live" or "end"/);
    rejects(parseClientMessage, '{"type":"control","action":"end","requestId":"c 1"}', 'STUDIO_MESSAGE_MALFORMED', /"requestId" is "c 1", expected 1–64 characters/);
    rejects(parseClientMessage, '{"type":"control","action":"end"}', 'STUDIO_MESSAGE_MALFORMED', /"requestId" is missing, expected string/);
    const long = 'x'.repeat(MAX_METADATA_CHARS + 1);
    rejects(parseClientMessage, `{"type":"metadata","artist":"","title":"${long}","requestId":"m"}`, 'STUDIO_MESSAGE_MALFORMED',
      /"title" is "x{40}…" \(257 characters\), expected at most 256 characters: shorten the title/);
    rejects(parseClientMessage, '{"type":"metadata","artist":"A\\nB","title":"","requestId":"m"}', 'STUDIO_MESSAGE_MALFORMED', /"artist" is "A\\nB", expected text without control characters/);
    const cleared = parseClientMessage('{"type":"metadata","artist":"","title":"","requestId":"m"}');
    assert.deepEqual(cleared, { type: 'metadata', artist: '', title: '', requestId: 'm' });
    const unicode = parseClientMessage(JSON.stringify({ type: 'metadata', artist: 'Björk', title: '𝄞 Jóga', requestId: 'm' }));
    assert.equal(unicode.type === 'metadata' && unicode.title, '𝄞 Jóga');
    rejects(parseClientMessage, '{"type":"ping","clientTimeMs":-5}', 'STUDIO_MESSAGE_MALFORMED', /"clientTimeMs" is -5/);
    assert.throws(() => serializeMessage({ type: 'metadata', artist: '', title: long, requestId: 'm' }),
      (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_MALFORMED') && /"title"/.test(err.message),
      'the studio learns before sending that the bridge would refuse it');
  });

  it('refuses text that is not one JSON object with a known type', () => {
    rejects(parseClientMessage, '', 'STUDIO_MESSAGE_MALFORMED', /is not JSON/);
    rejects(parseClientMessage, '{"type":"hello"', 'STUDIO_MESSAGE_MALFORMED', /is not JSON/);
    rejects(parseClientMessage, '[]', 'STUDIO_MESSAGE_MALFORMED', /is a list of 0, expected a JSON object/);
    rejects(parseClientMessage, 'null', 'STUDIO_MESSAGE_MALFORMED', /is null, expected a JSON object/);
    rejects(parseClientMessage, '{}', 'STUDIO_MESSAGE_MALFORMED', /"type" is missing, expected one of "hello", "control", "metadata", "ping"/);
    rejects(parseClientMessage, '{"type":"welcome"}', 'STUDIO_MESSAGE_MALFORMED', /"type" is "welcome"/);
    rejects(parseClientMessage, '{"type":"toString"}', 'STUDIO_MESSAGE_MALFORMED', /"type" is "toString"/);
    rejects(parseClientMessage, '{"type":"ping","clientTimeMs":1,"__proto__":{"x":1}}', 'STUDIO_MESSAGE_MALFORMED', /unknown field "__proto__"/);
    rejects(parseServerMessage, '{"type":"hello"}', 'STUDIO_MESSAGE_MALFORMED', /bridge → studio message field "type" is "hello"/);
  });

  it('checks the size before parsing: long text is too large even when it is not JSON', () => {
    rejects(parseClientMessage, 'x'.repeat(MAX_TEXT_MESSAGE_BYTES + 1), 'STUDIO_MESSAGE_TOO_LARGE', /at least 8193 bytes, the limit is 8192/);
    // 2731 × '€' is 2731 UTF-16 units but 8193 UTF-8 bytes.
    const euros = JSON.stringify({ type: 'metadata', artist: '€'.repeat(2725), title: '', requestId: 'm' });
    assert.ok(euros.length < MAX_TEXT_MESSAGE_BYTES && new TextEncoder().encode(euros).length > MAX_TEXT_MESSAGE_BYTES);
    rejects(parseClientMessage, euros, 'STUDIO_MESSAGE_TOO_LARGE', new RegExp(`${new TextEncoder().encode(euros).length} bytes`));
    const justFits = JSON.stringify({ type: 'ping', clientTimeMs: 1, pad: '' });
    assert.ok(justFits.length < MAX_TEXT_MESSAGE_BYTES);
    assert.throws(() => serializeMessage({ type: 'metadata', artist: '😀'.repeat(2100), title: '', requestId: 'm' }), (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_TOO_LARGE'));
  });

  it('the studio ignores fields a newer bridge adds; the bridge does not', () => {
    const state = parseServerMessage('{"type":"state","target":"test","onAir":false,"mounts":["/test"],"requestId":null,"listeners":3}');
    assert.deepEqual(state, { type: 'state', target: 'test', onAir: false, mounts: ['/test'], requestId: null });
    rejects(parseClientMessage, '{"type":"ping","clientTimeMs":1,"extra":true}', 'STUDIO_MESSAGE_MALFORMED', /unknown field "extra"/);
    rejects(parseServerMessage, '{"type":"state","target":"air","onAir":true,"mounts":[],"requestId":null}', 'STUDIO_MESSAGE_MALFORMED', /"target" is "air"/);
    rejects(parseServerMessage, '{"type":"ack","seq":4294967296}', 'STUDIO_MESSAGE_MALFORMED', /"seq" is 4294967296, expected at most 4294967295/);
  });

  it('round-trips any valid message through serializeMessage and the parser (fuzz)', () => {
    const requestId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const text = fc.string({ maxLength: MAX_METADATA_CHARS, unit: 'grapheme' }).filter((s) => s.length <= MAX_METADATA_CHARS && !/[\x00-\x1f\x7f]/.test(s));
    const seq = fc.integer({ min: 0, max: 0xffff_ffff });
    const client: fc.Arbitrary<ClientMessage> = fc.oneof(
      fc.record({ type: fc.constant('control' as const), action: fc.constantFrom('test' as const, 'live' as const, 'end' as const), requestId }),
      fc.record({ type: fc.constant('metadata' as const), artist: text, title: text, requestId }),
      fc.record({ type: fc.constant('ping' as const), clientTimeMs: fc.double({ min: 0, max: 1e12, noNaN: true }) }),
      fc.option(fc.record({ sessionId: fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), oldestUnackedSeq: seq }), { nil: undefined })
        .map((resume) => {
          const { resume: _golden, ...h } = hello();
          return resume === undefined ? h : { ...h, resume: { ...resume } };
        }),
    );
    const server: fc.Arbitrary<ServerMessage> = fc.oneof(
      fc.record({ type: fc.constant('ack' as const), seq }),
      fc.record({ type: fc.constant('state' as const), target: fc.constantFrom('none' as const, 'test' as const, 'live' as const), onAir: fc.boolean(), mounts: fc.array(fc.constantFrom('/live', '/live.mp3', '/test'), { maxLength: 3 }), requestId: fc.option(requestId, { nil: null }) }),
      fc.record({ type: fc.constant('pong' as const), clientTimeMs: fc.double({ min: 0, max: 1e12, noNaN: true }), serverTimeMs: fc.integer({ min: 0 }) }),
      fc.record({ type: fc.constant('error' as const), code: fc.constantFrom('MOUNT_IN_USE', 'STUDIO_AUTH_FAILED'), message: fc.string({ maxLength: 200 }), requestId: fc.option(requestId, { nil: null }) }),
    );
    fc.assert(fc.property(client, (m) => assert.deepEqual(parseClientMessage(serializeMessage(m)), { ...m })), { numRuns: 300 });
    fc.assert(fc.property(server, (m) => assert.deepEqual(parseServerMessage(serializeMessage(m)), { ...m })), { numRuns: 300 });
  });

  it('either parses arbitrary text or throws an AircheckError, for both directions (fuzz)', () => {
    const anyText = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      // Golden messages with a field replaced by arbitrary JSON: mostly valid shapes with one odd value.
      fc.tuple(fc.constantFrom(...CLIENT_GOLDEN, ...SERVER_GOLDEN), fc.jsonValue({ maxDepth: 2 }), fc.nat()).map(([golden, value, pick]) => {
        const obj = JSON.parse(golden) as Record<string, unknown>;
        const keys = Object.keys(obj);
        obj[keys[pick % keys.length] as string] = value;
        return JSON.stringify(obj);
      }),
    );
    for (const parse of [parseClientMessage, parseServerMessage]) {
      fc.assert(fc.property(anyText, (text) => {
        try {
          const m = parse(text);
          assert.equal(typeof m.type, 'string');
        } catch (err) {
          assert.ok(isAircheckError(err), `threw ${String(err)} for ${text}`);
          assert.ok(err.message.length < 2000);
        }
      }), { numRuns: 1000 });
    }
  });
});

describe('the show message (§4.13)', () => {
  const SHOW = '{"type":"show","name":"Night Shift","description":"Deep cuts after midnight","mp3BitrateKbps":192,"requestId":"s-3"}';

  it('parses the golden show message of PROTOCOL.md §4.13 and serializes it back to the same text', () => {
    assert.equal(serializeMessage(parseClientMessage(SHOW)), SHOW);
    const noBitrate = parseClientMessage('{"type":"show","name":"","description":"","requestId":"s-4"}');
    assert.equal(noBitrate.type === 'show' && noBitrate.mp3BitrateKbps, undefined);
  });

  it('refuses anything that ends a header line or a playlist line, names the field and the fix', () => {
    const show = (change: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(SHOW), ...change });
    for (const evil of ['Night\r\nIce-Public: 1', 'Night\nShift', 'Tab\there', 'NEL\u0085', 'LS\u2028x', 'PS\u2029x', 'DEL\u007f']) {
      rejects(parseClientMessage, show({ name: evil }), 'STUDIO_MESSAGE_MALFORMED', /field "name" .*one line of text without control characters.*: shorten the show name/s);
      rejects(parseClientMessage, show({ description: evil }), 'STUDIO_MESSAGE_MALFORMED', /field "description" .*one line/s);
    }
    // Quotes, semicolons and HTML are text: escaped where they are written (ICY, XML, JSON), not refused.
    assert.equal(parseClientMessage(show({ name: `DJ's "Show"; <b>` })).type, 'show');
  });

  it('refuses a name over 256 and a description over 1024 characters, an unknown field, a bitrate off the scale', () => {
    const show = (change: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(SHOW), ...change });
    assert.equal(parseClientMessage(show({ name: 'n'.repeat(256), description: 'd'.repeat(1024) })).type, 'show');
    rejects(parseClientMessage, show({ name: 'n'.repeat(257) }), 'STUDIO_MESSAGE_MALFORMED', /"name" is "n{40}…" \(257 characters\), expected at most 256 characters/);
    rejects(parseClientMessage, show({ description: 'd'.repeat(1025) }), 'STUDIO_MESSAGE_MALFORMED', /expected at most 1024 characters/);
    rejects(parseClientMessage, show({ genre: 'jazz' }), 'STUDIO_MESSAGE_MALFORMED', /unknown field "genre"/);
    rejects(parseClientMessage, show({ mp3BitrateKbps: 1000 }), 'STUDIO_MESSAGE_MALFORMED', /"mp3BitrateKbps" is 1000, expected 8–320 kbps: pick one of the MP3 bitrates/);
    rejects(parseClientMessage, show({ mp3BitrateKbps: 128.5 }), 'STUDIO_MESSAGE_MALFORMED', /"mp3BitrateKbps" is 128\.5, expected int/);
  });
});

describe('the live-edge message (§4.14)', () => {
  it('parses the golden live-edge message of PROTOCOL.md §4.14 and serializes it back to the same text', () => {
    const LIVE_EDGE = '{"type":"live-edge","skippedMs":12400}';
    assert.equal(serializeMessage(parseServerMessage(LIVE_EDGE)), LIVE_EDGE);
    assert.throws(() => parseServerMessage('{"type":"live-edge","skippedMs":-1}'));
  });
});

describe('the audience message (§4.12)', () => {
  it('parses the golden audience message of PROTOCOL.md §4.12 and serializes it back to the same text', () => {
    const AUDIENCE = '{"type":"audience","listeners":12,"showElapsedMs":754000}';
    assert.equal(serializeMessage(parseServerMessage(AUDIENCE)), AUDIENCE);
    assert.throws(() => parseServerMessage('{"type":"audience","listeners":-1,"showElapsedMs":0}'), (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_MALFORMED'));
    assert.throws(() => parseServerMessage('{"type":"audience","listeners":1.5,"showElapsedMs":0}'), (err: unknown) => isAircheckError(err, 'STUDIO_MESSAGE_MALFORMED'));
  });
});
