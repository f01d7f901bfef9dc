// A fallback audio file looped in real time on a hidden mount, so listeners of a mount whose source
// dropped keep hearing something on the same connection. Fed by a file read once at start (framed
// by the same framers as sources); feeds its hidden Mount through the bridge tick.
import { readFileSync, statSync } from 'node:fs';
import { AircheckError, isAircheckError } from '../../../shared/src/errors.ts';
import type { AudioUnit, StreamFormat } from '../../../shared/src/audio-unit.ts';
import { createFramer, sniffFormat } from '../sources/formats/create-framer.ts';
import { Pacer } from '../sources/pacer.ts';
import { rewriteOggSerial } from '../../../shared/src/ogg/ogg-eos.ts';
import { MountSchema } from '../../../config/src/config-schema.ts';
import { Mount, emptyInfo } from './mount.ts';

const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** How much of the loop is queued ahead of the clock. */
const LEAD_US = 1_000_000;

export class FileFeed {
  readonly file: string;
  readonly mount: Mount;
  readonly format: StreamFormat;
  private readonly units: AudioUnit[];
  private readonly loopDurationUs: number;
  private readonly pacer = new Pacer();
  private next = 0;
  private loop = 0;
  private readonly baseSerial = (Math.random() * 0x7fffffff) | 0;
  private readonly released: AudioUnit[] = [];
  private started = false;

  constructor(file: string, hiddenPath: string, displayName: string) {
    this.file = file;
    const { format, units, durationUs } = loadLoop(file);
    this.format = format;
    this.units = units;
    this.loopDurationUs = durationUs;
    // Hidden paths start with '#', which no configured mount can (see MOUNT_PATH_RE).
    this.mount = new Mount({ ...MountSchema.parse({ path: '/fallback', burst_seconds: 0, hidden: true }), path: hiddenPath }, true);
    this.mount.startStream(format, { ...emptyInfo(), name: displayName, description: 'fallback audio', userAgent: 'aircheck-file-feed' });
  }

  get durationUs(): number {
    return this.loopDurationUs;
  }

  /** Queues the next units of the loop, then releases what is due. */
  tick(nowMs: number): void {
    const now = nowMs * 1000;
    if (!this.started) {
      this.started = true;
      this.pacer.enqueue(this.take(), now);
    }
    while (this.pacer.leadUs(now) < LEAD_US) this.pacer.enqueue(this.take(), now);
    this.released.length = 0;
    this.pacer.releaseDue(now, this.released);
    for (const u of this.released) this.mount.append(u);
  }

  /** The next stretch of the file (up to the end of the loop); each loop is a new Ogg chain. */
  private take(): AudioUnit[] {
    const out: AudioUnit[] = [];
    let acc = 0;
    while (acc < 500_000) {
      const unit = this.units[this.next]!;
      out.push(this.format === 'mp3' ? unit : { ...unit, data: rewriteOggSerial(unit.data, (this.baseSerial + this.loop) >>> 0) });
      acc += unit.durationUs;
      this.next++;
      if (this.next === this.units.length) {
        this.next = 0;
        this.loop++;
      }
    }
    return out;
  }
}

/** Reads and frames a whole audio file; throws FALLBACK_FILE_INVALID with the reason. */
export function loadAudioFile(file: string): { format: StreamFormat; units: AudioUnit[] } {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      throw new AircheckError('FALLBACK_FILE_INVALID', `fallback file ${file} is ${size} bytes: use a file under ${MAX_FILE_BYTES} bytes (a loop of a few minutes at most)`);
    }
    bytes = readFileSync(file);
  } catch (err) {
    if (isAircheckError(err)) throw err;
    throw new AircheckError('FALLBACK_FILE_INVALID', `fallback file ${file} cannot be read (${(err as NodeJS.ErrnoException).code}): check fallback_file`, { cause: err });
  }
  const family = sniffFormat(bytes);
  if (!family) {
    throw new AircheckError('FALLBACK_FILE_INVALID', `fallback file ${file} is neither MP3 nor Ogg: use an MP3, Ogg Opus or Ogg Vorbis file`);
  }
  try {
    const framer = createFramer(family === 'ogg' ? 'application/ogg' : 'audio/mpeg');
    const units = framer.push(bytes);
    if (!framer.format || units.length === 0) throw new Error('no audio frames found');
    // Units carry views into `bytes`; the file stays in memory for as long as the feed loops.
    return { format: framer.format, units };
  } catch (err) {
    throw new AircheckError('FALLBACK_FILE_INVALID', `fallback file ${file} could not be read as audio (${(err as Error).message}): re-encode it as MP3, Ogg Opus or Ogg Vorbis`, { cause: err });
  }
}

/**
 * The file as a fallback loop: its format, audio units and length, or FALLBACK_FILE_INVALID (not
 * audio we play, or under 100 ms). What a FileFeed plays; also how an upload is checked before it is
 * kept (station/media-files.ts), without making a feed.
 */
export function loadLoop(file: string): { format: StreamFormat; units: AudioUnit[]; durationUs: number } {
  const { format, units } = loadAudioFile(file);
  const durationUs = units.reduce((a, u) => a + u.durationUs, 0);
  if (durationUs < 100_000) {
    throw new AircheckError('FALLBACK_FILE_INVALID', `fallback file ${file} holds ${Math.round(durationUs / 1000)} ms of audio: use a file of at least a second`);
  }
  return { format, units, durationUs };
}
