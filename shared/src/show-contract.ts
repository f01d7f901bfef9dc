// The contract between a studio show and what consumes its frames (the live push, the recorder):
// one ShowInfo, one FrameConsumer, one show name/description, one recording-health report — read by
// bridge/src/shows/ (the session hands frames out) and recordings/ (the recorder takes them), which
// never import each other for it. Types only.
import type { ErrorCode } from './errors.ts';
import type { NowPlaying } from './ogg/opus-muxer.ts';
import type { AudioFrame } from './protocol/audio-frame.ts';

/** The show's name and description as the DJ set them (PROTOCOL.md §4.13; one line each, ≤ 256 / 1024 characters). */
export interface ShowInfoText {
  name: string;
  description: string;
}

/** What the DJ's studio is told about the recording (PROTOCOL.md §4.11 `recording`). */
export interface RecordingHealth {
  status: 'failing' | 'ok';
  code: ErrorCode | null;
  message: string;
  /** Frames received but not recorded in this show so far, and their length. */
  lostFrames: number;
  lostMs: number;
}

/** What a show's consumers learn when it starts: the DJ and the encoder's OpusHead. */
export interface ShowInfo {
  dj: string;
  opusHead: Uint8Array;
  channels: number;
  preSkipSamples: number;
  /** The recorder reports the recording failing or recording again: the session tells the studio (§4.11). */
  onHealth?: (health: RecordingHealth) => void;
}

/** What a session hands every frame to: the live push, the recorder. */
export interface FrameConsumer {
  onFrame(frame: AudioFrame): void;
  /** The show ended (or the session expired): flush and let go. reason: why, for the recording. */
  onEnd(reason?: string): void;
  /** Frames this consumer received but dropped (the recorder on a full disk): counted in the session's lostFrames. */
  readonly lostFrames?: number;
  /** A recording's show id (the recorder's consumer): a session persisted for a restart continues it. */
  readonly showId?: string;
  /**
   * Optional, for a consumer that must not lose what the studio stops holding (the recorder): every
   * frame up to this seq is safe from a crash of the bridge; the session's acks never pass it.
   */
  safeSeq?(): number;
  /** The studio set the now-playing title (the recorder keeps it in the show's tracklist). */
  onMetadata?(nowPlaying: NowPlaying): void;
  /** The DJ named or described the show (the recorder keeps it in the show's manifest). */
  onShow?(show: ShowInfoText): void;
  /**
   * The studio said why the frames it skips next were never sent (PROTOCOL.md §7.6: its tab was
   * reloaded or crashed): the recorder gives the gap before the next frame this cause.
   */
  onStudioGap?(cause: ErrorCode, reason: string): void;
  /** The show reached /live (the first time makes it a show, not a soundcheck; the recorder keeps when). */
  onWentLive?(): void;
  /** Make everything received safe now (an ack waits for it). */
  flush?(): void;
  /** Set by the session: safeSeq moved. */
  onSafe?: (() => void) | null;
}
