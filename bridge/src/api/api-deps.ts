// What REST API v1 needs of the station state (bridge/src/station/) and the recordings catalog
// (recordings/src/catalog/), as small structural interfaces: bridge.ts passes the real objects, unit
// tests pass fakes. Mirrors the contracts of the issue 12 brief (only what the API calls).
import type { z } from 'zod';
import type { ScheduleEntry } from '../../../config/src/alerts-schema.ts';
import type { RecordingItemSchema, ScheduledShowSchema } from './api-schemas.ts';

export type Role = 'admin' | 'operator' | 'dj';

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  origin: 'console' | 'config' | 'djs.json' | 'credentials';
}

export interface UsersPort {
  list(): UserView[];
  get(name: string): UserView | null;
  create(input: { name: string; role: Role; password: string }): Promise<UserView>;
  update(name: string, change: { password?: string; disabled?: boolean; role?: Role }): Promise<UserView>;
  remove(name: string): void;
  verify(name: string, password: string, remote?: string): Promise<UserView | null>;
}

export interface WebSession {
  user: UserView;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  remote: string;
}

export interface WebSessionsPort {
  create(user: UserView, remote: string, userAgent: string): { sessionId: string; session: WebSession };
  check(sessionId: string): WebSession | null;
  revoke(sessionId: string): void;
  revokeAllOf(name: string): void;
}

export interface ApiTokenView {
  id: string;
  name: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface ApiTokensPort {
  create(owner: string, label: string): { token: string; view: ApiTokenView };
  check(token: string): UserView | null;
  list(owner?: string): ApiTokenView[];
  revoke(id: string, owner?: string): void;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: Role | 'system';
  action: string;
  target: string;
  remote: string;
  detail: Record<string, unknown>;
}

export interface AuditLogPort {
  add(e: Omit<AuditEntry, 'id' | 'at'>): unknown;
  list(opts: { limit: number; beforeId?: number }): AuditEntry[];
}

export interface StationSettingsPort {
  get(): { name: string | null; description: string | null };
  set(change: { name?: string; description?: string }): void;
}

export type ScheduledShow = Omit<z.infer<typeof ScheduledShowSchema>, 'conflicts'>;
type ScheduleInput = Omit<ScheduledShow, 'id' | 'origin'>;

export interface ScheduleStorePort {
  list(): ScheduledShow[];
  create(e: ScheduleInput): ScheduledShow;
  update(id: string, e: Partial<ScheduleInput>): ScheduledShow;
  remove(id: string): void;
  entries(): ScheduleEntry[];
  conflicts(): [string, string][];
}

export interface ListenerHistoryPort {
  sample(atMs: number, counts: Record<string, number>): void;
  series(mount: string, sinceMs: number): { at: string; listeners: number }[];
}

export type RecordingItem = z.infer<typeof RecordingItemSchema>;

export interface RecordingFilter {
  dj?: string;
  from?: string;
  to?: string;
  status?: RecordingItem['status'];
  includeSoundchecks?: boolean;
}

export interface RecordingCatalogPort {
  list(filter?: RecordingFilter): Promise<RecordingItem[]>;
  get(showId: string): Promise<RecordingItem | null>;
  open(showId: string, which: 'original' | 'rendition', range?: { start: number; end: number }): Promise<{ size: number; contentType: string; body: NodeJS.ReadableStream; fileName: string }>;
  waveform(showId: string): Promise<{ peaksPerSecond: number; peaks: number[] } | null>;
  reverify(showId: string): Promise<{ verified: boolean; reason: string | null; checkedAt: string }>;
  remove(showId: string): Promise<void>;
  slots(
    schedule: ScheduleEntry[],
    fromMs: number,
    toMs: number,
    graceMs: number,
  ): Promise<{ show: string; dj: string | null; startAt: string; endAt: string; showId: string | null; state: 'upcoming' | 'on-air' | 'pending' | 'recorded' | 'missed'; reason: string | null }[]>;
}

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
