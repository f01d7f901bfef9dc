// The studio WebSocket's text messages (shared/PROTOCOL.md §4), as zod schemas both ends share: the
// studio builds client messages and parses server messages, the bridge the other way round. Size is
// checked before JSON.parse; a parse error is an AircheckError naming the field, the value (never a
// token) and the fix, which the bridge's edge turns into a close code (close-codes.ts).

import { z } from 'zod';
import { AircheckError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { parseOpusHead } from '../ogg/codec-headers.ts';

/** PROTOCOL.md §1. */
export const PROTOCOL_VERSION = 1;
export const STUDIO_WS_PATH = '/api/studio/ws';
/** PROTOCOL.md §6: the largest text message, in UTF-8 bytes. */
export const MAX_TEXT_MESSAGE_BYTES = 8192;
/** PROTOCOL.md §4.3: artist and title, in UTF-16 code units (JavaScript string length). */
export const MAX_METADATA_CHARS = 256;
/** PROTOCOL.md §4.13: the show's name and description, in UTF-16 code units (Icecast's ice-name / ice-description limits). */
export const MAX_SHOW_NAME_CHARS = 256;
export const MAX_SHOW_DESCRIPTION_CHARS = 1024;
/** PROTOCOL.md §4.1: frame durations WebCodecs can be asked for, up to 60 ms. */
export const OPUS_FRAME_DURATIONS_US = [2500, 5000, 10000, 20000, 40000, 60000] as const;
/** PROTOCOL.md §4.1: the encoder's input rates Opus supports (it always decodes at 48 kHz). */
export const OPUS_INPUT_SAMPLE_RATES_HZ = [8000, 12000, 16000, 24000, 44100, 48000] as const;

// ---------------------------------------------------------------------------------------------
// Field types

const Seq = z.number().int('expected a whole number').min(0, 'expected 0 or more')
  .max(0xffff_ffff, 'expected at most 4294967295 (uint32)');
const RequestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/,
  'expected 1–64 characters of A–Z, a–z, 0–9, "_" or "-"');
const SessionId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/,
  'expected the 8–64 character session id the bridge sent in "welcome"');
const Token = z.string().regex(/^[\x21-\x7e]{16,1024}$/,
  'expected the 16–1024 character session token from sign-in (printable ASCII)');
const MetadataText = z.string().max(MAX_METADATA_CHARS, `expected at most ${MAX_METADATA_CHARS} characters`)
  .regex(/^[^\x00-\x1f\x7f]*$/, 'expected text without control characters (no newlines or tabs)');
// §4.13: the show's name and description become HTTP header values (ice-name, icy-name) and ICY/
// playlist/status text: nothing that ends a line or a field anywhere (C0, DEL, C1, U+2028, U+2029).
const ShowText = (max: number) => z.string().max(max, `expected at most ${max} characters`)
  .regex(/^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$/, 'expected one line of text without control characters (no newlines, tabs or line separators)');
const Millis = z.number().min(0, 'expected 0 or more milliseconds');
const MountPath = z.string().regex(/^\/[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a mount path such as "/live"');
const ErrorCodeName = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/, 'expected an error code such as "MOUNT_IN_USE"');

export const CodecConfigSchema = z.strictObject({
  name: z.literal('opus', 'expected "opus"'),
  /** The encoder's input rate (OpusHead input_sample_rate); Opus packets always decode at 48 kHz. */
  sampleRateHz: z.literal(OPUS_INPUT_SAMPLE_RATES_HZ, `expected one of ${OPUS_INPUT_SAMPLE_RATES_HZ.join(', ')}`),
  channels: z.literal([1, 2], 'expected 1 or 2'),
  bitrateKbps: z.number().int('expected a whole number').min(6, 'expected 6–510').max(510, 'expected 6–510'),
  frameDurationUs: z.literal(OPUS_FRAME_DURATIONS_US,
    `expected one of ${OPUS_FRAME_DURATIONS_US.join(', ')} (2.5–60 ms)`),
  /** The 19-byte OpusHead (RFC 7845 §5.1), WebCodecs' decoderConfig.description, in base64. */
  opusHead: z.string().max(512, 'expected at most 512 characters').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
}).superRefine((codec, ctx) => {
  let head;
  try {
    head = parseOpusHead(base64ToBytes(codec.opusHead));
  } catch (err) {
    ctx.addIssue({ code: 'custom', path: ['opusHead'], message: `expected an OpusHead (RFC 7845 §5.1): ${(err as Error).message}` });
    return;
  }
  if (head.channels !== codec.channels) {
    ctx.addIssue({ code: 'custom', path: ['opusHead'],
      message: `expected an OpusHead for ${codec.channels} channel(s) as "channels" says, it declares ${head.channels}` });
  }
  if (head.mappingFamily !== 0) {
    ctx.addIssue({ code: 'custom', path: ['opusHead'],
      message: `expected channel mapping family 0 (mono/stereo), it declares ${head.mappingFamily}` });
  }
});

// ---------------------------------------------------------------------------------------------
// Studio → bridge (PROTOCOL.md §4.1–4.4). Strict: a field the bridge does not know is an error.

export const HelloMessageSchema = z.strictObject({
  type: z.literal('hello'),
  protocol: z.literal(PROTOCOL_VERSION),
  token: Token,
  resume: z.strictObject({ sessionId: SessionId, oldestUnackedSeq: Seq, tabLost: z.literal(true).optional() }).optional(),
  codec: CodecConfigSchema,
});

export const ControlMessageSchema = z.strictObject({
  type: z.literal('control'),
  action: z.enum(['test', 'live', 'end'], 'expected "test", "live" or "end"'),
  requestId: RequestId,
});

export const MetadataMessageSchema = z.strictObject({
  type: z.literal('metadata'),
  artist: MetadataText,
  title: MetadataText,
  requestId: RequestId,
});

/** §4.13: the show's name and description (every mount it feeds, the recording), and the MP3 companion's bitrate. */
export const ShowMessageSchema = z.strictObject({
  type: z.literal('show'),
  name: ShowText(MAX_SHOW_NAME_CHARS),
  description: ShowText(MAX_SHOW_DESCRIPTION_CHARS),
  mp3BitrateKbps: z.number().int('expected a whole number of kbps').min(8, 'expected 8–320 kbps').max(320, 'expected 8–320 kbps').optional(),
  requestId: RequestId,
});

export const PingMessageSchema = z.strictObject({
  type: z.literal('ping'),
  clientTimeMs: Millis,
});

// ---------------------------------------------------------------------------------------------
// Bridge → studio (PROTOCOL.md §4.5–4.10). Lenient about extra fields, so a newer bridge of the same
// protocol version can add some.

export const StateTargetSchema = z.enum(['none', 'test', 'live'], 'expected "none", "test" or "live"');

export const WelcomeMessageSchema = z.object({
  type: z.literal('welcome'),
  protocol: z.literal(PROTOCOL_VERSION),
  sessionId: SessionId,
  resumed: z.boolean(),
  nextSeq: Seq,
  ackEveryMs: z.number().int().min(1).max(10_000),
  ackEveryFrames: z.number().int().min(1).max(1000),
});

export const AckMessageSchema = z.object({
  type: z.literal('ack'),
  seq: Seq,
});

export const StateMessageSchema = z.object({
  type: z.literal('state'),
  target: StateTargetSchema,
  onAir: z.boolean(),
  mounts: z.array(MountPath).max(16),
  requestId: RequestId.nullable(),
});

export const MetadataAckMessageSchema = z.object({
  type: z.literal('metadata-ack'),
  requestId: RequestId,
});

export const PongMessageSchema = z.object({
  type: z.literal('pong'),
  clientTimeMs: Millis,
  serverTimeMs: Millis,
});

export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  code: ErrorCodeName,
  message: z.string().max(1024),
  requestId: RequestId.nullable(),
});

/** §4.11: the show's recording is failing (the broadcast goes on), or records again. */
export const RecordingMessageSchema = z.object({
  type: z.literal('recording'),
  status: z.enum(['failing', 'ok'], 'expected "failing" or "ok"'),
  code: ErrorCodeName.nullable(),
  message: z.string().max(1024),
  /** Frames the bridge received but could not record in this show so far, and their length. */
  lostFrames: z.number().int().min(0),
  lostMs: z.number().int().min(0),
});

/**
 * §4.12: the show's audience and age for the studio's header: listeners of the mounts the show feeds
 * now, and how long ago the show began (kept across reconnects and bridge restarts). Sent after each
 * `welcome`, then when the count changes, at most every 2 s.
 */
export const AudienceMessageSchema = z.object({
  type: z.literal('audience'),
  listeners: z.number().int().min(0),
  showElapsedMs: z.number().int().min(0),
});

/**
 * §4.14: after a cut, the backlog the studio resent was skipped on air so listeners stay live
 * (skippedMs of it); the recording has all of it. Sent once per skip, when the push is back at the edge.
 */
export const LiveEdgeMessageSchema = z.object({
  type: z.literal('live-edge'),
  skippedMs: z.number().int().min(0),
});

export type CodecConfig = z.infer<typeof CodecConfigSchema>;
export type HelloMessage = z.infer<typeof HelloMessageSchema>;
export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type ControlAction = ControlMessage['action'];
export type MetadataMessage = z.infer<typeof MetadataMessageSchema>;
export type PingMessage = z.infer<typeof PingMessageSchema>;
export type ShowMessage = z.infer<typeof ShowMessageSchema>;
export type ClientMessage = HelloMessage | ControlMessage | MetadataMessage | PingMessage | ShowMessage;

export type WelcomeMessage = z.infer<typeof WelcomeMessageSchema>;
export type AckMessage = z.infer<typeof AckMessageSchema>;
export type StateTarget = z.infer<typeof StateTargetSchema>;
export type StateMessage = z.infer<typeof StateMessageSchema>;
export type MetadataAckMessage = z.infer<typeof MetadataAckMessageSchema>;
export type PongMessage = z.infer<typeof PongMessageSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
export type RecordingMessage = z.infer<typeof RecordingMessageSchema>;
export type LiveEdgeMessage = z.infer<typeof LiveEdgeMessageSchema>;
export type AudienceMessage = z.infer<typeof AudienceMessageSchema>;
export type ServerMessage =
  | WelcomeMessage | AckMessage | StateMessage | MetadataAckMessage | PongMessage | ErrorMessage | RecordingMessage
  | AudienceMessage | LiveEdgeMessage;

const CLIENT_SCHEMAS: Readonly<Record<ClientMessage['type'], z.ZodType>> = {
  hello: HelloMessageSchema,
  control: ControlMessageSchema,
  metadata: MetadataMessageSchema,
  ping: PingMessageSchema,
  show: ShowMessageSchema,
};

const SERVER_SCHEMAS: Readonly<Record<ServerMessage['type'], z.ZodType>> = {
  welcome: WelcomeMessageSchema,
  ack: AckMessageSchema,
  state: StateMessageSchema,
  'metadata-ack': MetadataAckMessageSchema,
  pong: PongMessageSchema,
  error: ErrorMessageSchema,
  recording: RecordingMessageSchema,
  audience: AudienceMessageSchema,
  'live-edge': LiveEdgeMessageSchema,
};

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * A studio → bridge text message (bridge side). Throws STUDIO_MESSAGE_TOO_LARGE, STUDIO_MESSAGE_MALFORMED,
 * STUDIO_PROTOCOL_UNSUPPORTED (a hello of another protocol version) or STUDIO_CODEC_UNSUPPORTED (a
 * hello whose codec config is wrong).
 */
export function parseClientMessage(text: string): ClientMessage {
  const value = parseJsonObject(text, 'studio → bridge');
  const type = messageType(value, CLIENT_SCHEMAS, 'studio → bridge');
  // §7 step 2: a hello of another version is refused as such, whatever its other fields look like.
  if (type === 'hello' && value.protocol !== PROTOCOL_VERSION) {
    throw new AircheckError('STUDIO_PROTOCOL_UNSUPPORTED',
      `hello field "protocol" is ${describe(value.protocol, ['protocol'])}, this bridge speaks protocol ${PROTOCOL_VERSION}: reload the studio page so it matches the bridge, or update the bridge`);
  }
  return validate(CLIENT_SCHEMAS[type as ClientMessage['type']], value, type, 'studio → bridge') as ClientMessage;
}

/** A bridge → studio text message (studio side). Throws STUDIO_MESSAGE_TOO_LARGE or STUDIO_MESSAGE_MALFORMED. */
export function parseServerMessage(text: string): ServerMessage {
  const value = parseJsonObject(text, 'bridge → studio');
  const type = messageType(value, SERVER_SCHEMAS, 'bridge → studio');
  return validate(SERVER_SCHEMAS[type as ServerMessage['type']], value, type, 'bridge → studio') as ServerMessage;
}

/**
 * JSON text for a message, checked by the same parser the other end runs, so a message that would be
 * refused (a title too long, a bad requestId) fails here, with the same error, before it is sent.
 */
export function serializeMessage(message: ClientMessage | ServerMessage): string {
  const text = JSON.stringify(message);
  if (Object.hasOwn(CLIENT_SCHEMAS, message.type)) parseClientMessage(text);
  else parseServerMessage(text);
  return text;
}

function parseJsonObject(text: string, direction: string): Record<string, unknown> {
  checkSize(text, direction);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `${direction} text message is not JSON (${(err as Error).message}): send one JSON object per text message, see shared/PROTOCOL.md §4`,
      { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `${direction} text message is ${describe(value, [])}, expected a JSON object with a "type" field, see shared/PROTOCOL.md §4`);
  }
  return value as Record<string, unknown>;
}

function messageType(value: Record<string, unknown>, schemas: Record<string, unknown>, direction: string): string {
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED',
      `${direction} message field "type" is ${describe(type, ['type'])}, expected one of ${Object.keys(schemas).map((t) => `"${t}"`).join(', ')}, see shared/PROTOCOL.md §4`);
  }
  return type;
}

function checkSize(text: string, direction: string): void {
  // UTF-8 takes at least one byte per UTF-16 code unit, so a long string is refused without counting.
  const bytes = text.length > MAX_TEXT_MESSAGE_BYTES ? text.length : text.length * 3 <= MAX_TEXT_MESSAGE_BYTES ? 0 : utf8Length(text);
  if (bytes > MAX_TEXT_MESSAGE_BYTES) {
    throw new AircheckError('STUDIO_MESSAGE_TOO_LARGE',
      `${direction} text message is ${text.length > MAX_TEXT_MESSAGE_BYTES ? 'at least ' : ''}${bytes} bytes, the limit is ${MAX_TEXT_MESSAGE_BYTES}: shorten the artist and title, see shared/PROTOCOL.md §6`);
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** What to do about a bad field, by message type and the field's first path segment. */
const FIXES: Readonly<Record<string, string>> = {
  'hello.token': 'sign in again and send the token it gives',
  'hello.codec': 'configure the AudioEncoder for Opus, 1–2 channels, 2.5–60 ms frames, 6–510 kbps, and send its decoderConfig.description as codec.opusHead',
  'hello.resume': 'send the session id from the last "welcome" and the oldest unacknowledged seq, or leave "resume" out',
  'metadata.artist': `shorten the artist to ${MAX_METADATA_CHARS} characters and remove control characters`,
  'metadata.title': `shorten the title to ${MAX_METADATA_CHARS} characters and remove control characters`,
  'show.name': `shorten the show name to ${MAX_SHOW_NAME_CHARS} characters on one line`,
  'show.description': `shorten the show description to ${MAX_SHOW_DESCRIPTION_CHARS} characters on one line`,
  'show.mp3BitrateKbps': 'pick one of the MP3 bitrates the session API lists (mp3BitratesKbps)',
};

function validate(schema: z.ZodType, value: Record<string, unknown>, type: string, direction: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const problems = issues.slice(0, 3).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      const at = issue.path.length > 0 ? ` in "${issue.path.join('.')}"` : '';
      return `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}${at}, expected none besides those in the protocol`;
    }
    const path = issue.path.map(String);
    const expected = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
    return `field "${path.join('.')}" is ${describe(valueAt(value, path), path)}, ${expected}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  const first = issues[0]?.path.map(String) ?? [];
  const fix = FIXES[`${type}.${first[0] ?? ''}`] ?? `send "${type}" as shared/PROTOCOL.md §4 describes`;
  const code: ErrorCode = type === 'hello' && first[0] === 'codec' ? 'STUDIO_CODEC_UNSUPPORTED' : 'STUDIO_MESSAGE_MALFORMED';
  throw new AircheckError(code, `${direction} "${type}" message: ${problems.join('; ')}${more}: ${fix}`, { cause: result.error });
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A short description of a value for an error message; tokens are never shown. */
function describe(value: unknown, path: readonly string[]): string {
  if (value === undefined) return 'missing';
  if (path.some((p) => /token/i.test(p))) {
    return typeof value === 'string' ? `a ${value.length}-character token (not shown)` : `a ${kind(value)} (not shown)`;
  }
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `${JSON.stringify(shown)}${value.length > 40 ? ` (${value.length} characters)` : ''}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `a ${kind(value)}`;
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

// ---------------------------------------------------------------------------------------------
// Base64 for codec.opusHead, without node:* (atob/btoa exist in browsers and Node ≥ 16).

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
}

/** Throws STUDIO_MESSAGE_MALFORMED for text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (err) {
    throw new AircheckError('STUDIO_MESSAGE_MALFORMED', `${describe(text, [])} is not base64: encode the bytes with btoa`, { cause: err });
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
