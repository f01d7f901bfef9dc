// What REST API v1 needs of the station state (bridge/src/station/) and the recordings catalog
// (recordings/src/catalog/): the parts of each class the API calls, so that unit tests can pass fakes;
// the data types are the classes' own.
import type { z } from 'zod';
import type { RecordingItemSchema } from './api-schemas.ts';
import type { Role, Users } from '../station/users.ts';
import type { WebSessions } from '../station/web-sessions.ts';
import type { ApiTokens } from '../station/api-tokens.ts';
import type { AuditLog } from '../station/audit-log.ts';
import type { StationSettings } from '../station/station-settings.ts';
import type { ScheduleStore } from '../station/schedule-store.ts';
import type { ListenerHistory } from '../station/listener-history.ts';
import type { MediaFile, MountSettingsChange, MountSettingsView } from '../station/mount-settings.ts';
import type { UploadedMedia } from '../station/media-files.ts';
import type { Readable } from 'node:stream';
import type { PushChange, PushCreate, PushView } from '../station/push-targets.ts';
import type { PushTargetStatus } from '../outputs/push-target.ts';
import type { RecordingCatalog } from '../../../recordings/src/catalog/console-recordings.ts';

export type { Role, UserView } from '../station/users.ts';
export type { WebSession } from '../station/web-sessions.ts';
export type { ApiTokenView } from '../station/api-tokens.ts';
export type { AuditEntry } from '../station/audit-log.ts';
export type { ScheduledShow } from '../station/schedule-store.ts';
export type { MediaFile, MountSettingsChange, MountSettingsView } from '../station/mount-settings.ts';
export type { RecordingFilter } from '../../../recordings/src/catalog/console-recordings.ts';

// The ports: what the API calls of each class (unit tests pass fakes of these shapes).
export type UsersPort = Pick<Users, 'list' | 'get' | 'create' | 'update' | 'remove' | 'verify'>;
export type WebSessionsPort = Pick<WebSessions, 'create' | 'check' | 'revoke' | 'revokeAllOf'>;
export type ApiTokensPort = Pick<ApiTokens, 'create' | 'check' | 'list' | 'revoke'>;
export type AuditLogPort = Pick<AuditLog, 'add' | 'list'>;
export type StationSettingsPort = Pick<StationSettings, 'get' | 'set'>;
export type ScheduleStorePort = Pick<ScheduleStore, 'list' | 'create' | 'update' | 'remove' | 'entries' | 'conflicts'>;
export type ListenerHistoryPort = Pick<ListenerHistory, 'sample' | 'series'>;

/**
 * The console's mount settings over the running bridge (bridge.ts): each configured mount's effective
 * and config values, a change stored and applied at once (as a SIGHUP applies the config), the media files.
 */
export interface MountSettingsPort {
  list(): MountSettingsView[];
  /** MOUNT_NOT_FOUND for a mount the config does not have; API_BAD_REQUEST for a value it refuses. */
  update(path: string, change: MountSettingsChange): MountSettingsView;
  media(): MediaFile[];
  /**
   * Stores an uploaded media file (station/media-files.ts: limit, probe, temp file then rename); a
   * replaced file some mount plays is applied at once. MEDIA_EXISTS, MEDIA_TOO_LARGE, API_BAD_REQUEST.
   */
  uploadMedia(name: string, body: Readable, opts: { declaredBytes: number | null; replace: boolean }): Promise<UploadedMedia>;
  /** Removes a media file; MEDIA_IN_USE naming the mounts whose fallback it is, MEDIA_NOT_FOUND. */
  deleteMedia(name: string): void;
}

/**
 * Pushes to external Icecast servers over the running bridge (bridge.ts): the config's (read-only) and
 * the console's with their live status; a console change stored, then applied at once through the
 * same path as a SIGHUP (refused with API_BAD_REQUEST, and not kept, when it cannot be applied).
 */
export interface PushTargetsPort {
  list(): PushView<PushTargetStatus>[];
  create(input: PushCreate, actor: string): PushView<PushTargetStatus>;
  /** HTTP_NOT_FOUND for an id that is not a console push's. */
  update(id: string, change: PushChange, actor: string): PushView<PushTargetStatus>;
  /** Says which push was removed (HTTP_NOT_FOUND for an unknown id). */
  remove(id: string): { path: string; label: string };
}

/** A recording as the API answers it: the schema's shape (the catalog's items satisfy it). */
export type RecordingItem = z.infer<typeof RecordingItemSchema>;
export type RecordingCatalogPort = Pick<RecordingCatalog, 'list' | 'get' | 'open' | 'waveform' | 'reverify' | 'remove' | 'slots'>;

/** The station's state in one place (bridge.ts opens it from <data_dir>/station.sqlite). */
export interface StationPorts {
  users: UsersPort;
  sessions: WebSessionsPort;
  tokens: ApiTokensPort;
  audit: AuditLogPort;
  settings: StationSettingsPort;
  schedule: ScheduleStorePort;
  history: ListenerHistoryPort;
}

export const ROLE_RANK: Record<Role, number> = { dj: 1, operator: 2, admin: 3 };
