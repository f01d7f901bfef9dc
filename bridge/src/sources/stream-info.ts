// Normalises the text that sources and updaters send about a stream (ice-*/icy-* headers, updinfo
// titles, Ogg comment titles) where it enters: well-formed Unicode, one line, no control characters,
// bounded length, URLs only when absolute http(s). Pure. Fed by source-request.ts, admin/http-app.ts
// (/admin/metadata) and mounts/mount.ts (Ogg comments); feeds StreamInfo and Mount.title.
//
// Output escaping for each destination lives here too (HTTP header values, .m3u and .pls lines), so
// every writer uses the same rules; the ICY block escapes its own quotes (listeners/icy-metadata.ts),
// XML/HTML use admin/status.ts's xmlEscape and JSON uses JSON.stringify.
import type { StreamInfo } from '../mounts/mount.ts';

/** Longest value kept for each field, in characters (code points). */
export const FIELD_MAX_CHARS = {
  name: 256,
  description: 1024,
  genre: 256,
  url: 1024,
  audioInfo: 512,
  userAgent: 256,
  title: 1024,
} as const;

// A lone surrogate (what invalid input decodes to in a JS string that did not go through TextDecoder).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 controls (CR, LF, TAB, NUL…), DEL, C1 controls (NEL…), LINE SEPARATOR, PARAGRAPH SEPARATOR:
// each ends a line or a field somewhere (HTTP, .m3u, .pls, ICY padding, JavaScript string literals).
 
const BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Text from outside made safe to store: invalid UTF-16 (lone surrogates) becomes U+FFFD, every run of
 * control or line-breaking characters becomes one space, the ends are trimmed and the result is cut
 * to maxChars code points (never inside a surrogate pair). Invalid UTF-8 bytes were already replaced
 * by U+FFFD when the request head or the URL was decoded.
 */
export function cleanText(value: string | null | undefined, maxChars: number): string {
  if (!value) return '';
  const text = value.replace(LONE_SURROGATE, '\uFFFD').replace(BREAKING, ' ').trim();
  if (text.length <= maxChars) return text;
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count++ === maxChars) break;
    out += ch;
  }
  return out.trimEnd();
}

/**
 * An absolute http: or https: URL with a host, in its serialised form (WHATWG URL: ASCII, spaces,
 * quotes and angle brackets percent-encoded), or null for anything else (javascript:, data:, relative).
 */
export function httpUrlOrNull(value: string): string | null {
  const text = cleanText(value, FIELD_MAX_CHARS.url);
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  // WHATWG leaves `'` as is in paths and fragments; encoded, the URL is safe in any quoted context.
  const href = url.href.replaceAll("'", '%27');
  return href.length <= FIELD_MAX_CHARS.url ? href : null;
}

/** A field a source sent that was left out because it was not acceptable. */
export interface DroppedField {
  /** The header as sent, e.g. `ice-url`. */
  field: string;
  /** The value as sent, cleaned and cut to 80 characters (for the log). */
  value: string;
  reason: string;
}

/**
 * ice-* (Icecast) and icy-* (SHOUTcast) request headers, as sent by ffmpeg, Liquidsoap, libshout, BUTT,
 * normalised: `headers` maps lowercase names to values (RequestHead.headers).
 */
export function streamInfoFromHeaders(headers: ReadonlyMap<string, string>): { info: StreamInfo; dropped: DroppedField[] } {
  const pick = (ice: string, icy?: string): { field: string; value: string } | null => {
    const a = headers.get(`ice-${ice}`);
    if (a !== undefined) return { field: `ice-${ice}`, value: a };
    const b = icy === undefined ? undefined : headers.get(`icy-${icy}`);
    return b === undefined ? null : { field: `icy-${icy}`, value: b };
  };
  const text = (ice: string, icy: string | undefined, max: number) => cleanText(pick(ice, icy)?.value, max);
  const dropped: DroppedField[] = [];

  const audioInfo = text('audio-info', undefined, FIELD_MAX_CHARS.audioInfo);
  const params = new Map<string, string>();
  for (const part of decodeURIComponentSafe(audioInfo).split(';')) {
    const [k, v] = part.split('=');
    if (k && v) params.set(k.trim().replace(/^ice-/, ''), v.trim());
  }
  const num = (v: string | undefined) => (v && /^\d{1,9}$/.test(v.trim()) ? Number(v.trim()) : null);

  let url = '';
  const rawUrl = pick('url', 'url');
  if (rawUrl !== null && cleanText(rawUrl.value, FIELD_MAX_CHARS.url) !== '') {
    const ok = httpUrlOrNull(rawUrl.value);
    if (ok === null) {
      dropped.push({
        field: rawUrl.field,
        value: cleanText(rawUrl.value, 80),
        reason: `${rawUrl.field} is not an absolute http(s) URL and was left out: send e.g. https://radio.example/`,
      });
    }
    else url = ok;
  }
  const publicFlag = pick('public', 'pub')?.value.trim();
  return {
    info: {
      name: text('name', 'name', FIELD_MAX_CHARS.name),
      description: text('description', 'description', FIELD_MAX_CHARS.description),
      genre: text('genre', 'genre', FIELD_MAX_CHARS.genre),
      url,
      public: publicFlag === '1' || publicFlag?.toLowerCase() === 'true',
      bitrateKbps: num(pick('bitrate', 'br')?.value) ?? num(params.get('bitrate')),
      sampleRateHz: num(params.get('samplerate')),
      channels: num(params.get('channels')),
      audioInfo,
      userAgent: cleanText(headers.get('user-agent'), FIELD_MAX_CHARS.userAgent),
    },
    dropped,
  };
}

/** A now-playing title (updinfo `song`/`artist`+`title`, Ogg TITLE/ARTIST comments), normalised. */
export function cleanTitle(value: string | null | undefined): string {
  return cleanText(value, FIELD_MAX_CHARS.title);
}

/**
 * An HTTP field value (RFC 9110 §5.5: VCHAR, SP, HTAB, obs-text): control characters become spaces.
 * The raw response writer sends the string as UTF-8, whose bytes ≥ 0x80 are obs-text, as Icecast does
 * with the bytes its sources send; players (ffmpeg, VLC, mpv) read icy-name as UTF-8.
 */
export function headerValue(value: string): string {
  return cleanText(value, 4096);
}

/** One line of an .m3u or a .pls value: no line breaks, no control characters. */
export function playlistLine(value: string): string {
  return cleanText(value, 4096);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
