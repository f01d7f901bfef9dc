// The shapes of the REST API v1 the console reads (docs: GET /api/v1/openapi.json; the table in
// the issue brief). Kept here, not imported from the bridge: the console is a browser bundle and
// talks to the bridge only over HTTP. Extend by adding fields, as the API does.

export type Role = 'admin' | 'operator' | 'dj';

export interface SessionUser { name: string; role: Role }
export interface Me { user: SessionUser; csrfToken: string | null }

export interface UserView {
  name: string; role: Role; disabled: boolean; createdAt: string; lastLoginAt: string | null;
  origin: 'console' | 'config' | 'djs.json' | 'credentials';
}

export interface ApiTokenView { id: string; name?: string; label: string; createdAt: string; lastUsedAt: string | null }
export interface CreatedToken { id: string; label: string; createdAt: string; token: string }

export interface AuditEntry {
  id: number; at: string; actor: string; role: Role | 'system'; action: string; target: string; remote: string;
  detail: Record<string, unknown>;
}

export type RecordingStatus = 'recording' | 'finalizing' | 'uploaded' | 'verified' | 'verified_with_gaps' | 'failed';
export const RECORDING_STATUSES: readonly RecordingStatus[] = ['recording', 'finalizing', 'uploaded', 'verified', 'verified_with_gaps', 'failed'];

export interface RecordingItem {
  showId: string; dj: string; showName: string; description: string;
  startedAt: string; endedAt: string | null; durationMs: number;
  sizeBytes: number | null; format: 'ogg-opus' | 'mp3' | 'ogg-vorbis' | 'aac'; contentType: string;
  sha256: string | null; crc32c: string | null;
  source: { kind: 'studio' | 'client'; mount?: string; address?: string; userAgent?: string; iceName?: string };
  status: RecordingStatus;
  reason: string | null; errorCode: string | null;
  gaps: { offsetMs: number; durationMs: number; cause: string | null; reason: string | null }[];
  tracklist: { offsetMs: number; at: string; artist: string; title: string }[];
  soundcheck: boolean;
  groupId: string;
  storeLocation: string | null;
  rendition: { bitrateKbps: number; sizeBytes: number } | null;
  waveform: boolean;
  /** The newest re-verification on demand (kept with the show); null: never re-checked. */
  lastCheck: { at: string; verified: boolean; reason: string | null; rendition: RenditionCheck | null } | null;
}

export interface Waveform { peaksPerSecond: number; peaks: number[] }
export interface RenditionCheck { verified: boolean; reason: string | null }
export interface VerifyResult { verified: boolean; reason: string | null; checkedAt: string; rendition: RenditionCheck | null }

export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export interface ScheduledShow {
  id: string; name: string; dj: string | null; days?: Weekday[]; start?: string; timezone?: string; at?: string;
  duration_minutes: number; origin: 'config' | 'console'; conflicts?: string[];
}
export type ScheduledShowInput = Omit<ScheduledShow, 'id' | 'origin' | 'conflicts'>;

export interface ScheduleSlot {
  show: string; dj: string | null; startAt: string; endAt: string; showId: string | null;
  state: 'upcoming' | 'on-air' | 'recorded' | 'missed';
}

export interface LiveSource {
  kind: string; dj?: string; address?: string; userAgent?: string; since: string; format: string | null; bitrateKbps: number | null;
}
export interface LiveMount {
  path: string; name: string; public: boolean; state: 'live' | 'off-air-music' | 'off';
  source: LiveSource | null; listeners: number; title: string; parent: string | null; rungs: string[];
  pushes: unknown[]; relay: unknown;
}
export interface ListenerView { id: number; mount: string; address: string; userAgent: string; connectedAt: string; bytesSent: number }
export interface HistoryPoint { at: string; listeners: number }

export interface StationSettingsView { name: string | null; description: string | null }

export type MountField = 'name' | 'description' | 'genre' | 'url' | 'hidden' | 'fallback_file' | 'fallback_mount';
export interface MountFields {
  name: string | null; description: string | null; genre: string | null; url: string | null;
  hidden: boolean; fallback_file: string | null; fallback_mount: string | null;
}
/** GET /api/v1/mounts: what a mount runs with, what the config says, and which fields the console set. */
export interface MountSettingsView { path: string; effective: MountFields; config: MountFields; overridden: MountField[] }
export type MountPatch = { [K in MountField]?: MountFields[K] | null };
/** GET /api/v1/media: "bundled" and the files of <data_dir>/media/; durationMs null when the fallback loader cannot play it. */
export interface MediaFile { name: string; sizeBytes: number | null; durationMs: number | null; bundled: boolean }
/** PUT /api/v1/media/{name}: the stored file, and whether it replaced one. */
export interface MediaUploaded extends MediaFile { replaced: boolean }
