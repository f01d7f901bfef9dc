// Push targets added in the console: external Icecast servers a configured mount is pushed to, beside
// the config's [[mounts.push]] (which stay as configured, read-only here). Fed by /api/v1/pushes;
// bridge.ts lays the enabled ones over the file config (withConsolePushes) at start, at every reload and
// after each change, so the push manager (../outputs/push-manager.ts) runs them like the config's.
import { randomBytes } from 'node:crypto';
import { AircheckError } from '../../../shared/src/errors.ts';
import { PushSchema, type MountConfig, type PushConfig } from '../../../config/src/config-schema.ts';
import type { Config } from '../../../config/src/config.ts';
import type { StationDb } from './station-db.ts';

export type PushFormat = NonNullable<PushConfig['format']>;

/** [[mounts.push]]'s own limit (MountSchema), for the config's and the console's pushes of a mount together. */
export const MAX_PUSHES_PER_MOUNT = 16;

/** A push added in the console, as stored: with its password (sent to the server, never shown). */
export interface ConsolePush {
  id: string;
  /** The configured mount this push belongs to (a [[mounts]] path). */
  path: string;
  /** null: the push is named HOST:PORT/MOUNT. */
  name: string | null;
  host: string;
  port: number;
  /** The mount on the target server. */
  mount: string;
  user: string;
  password: string;
  tls: boolean;
  format: PushFormat | null;
  /** Push what listeners of this mount (or ladder rung) hear instead; null: `path` itself. */
  from: string | null;
  public: boolean;
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** A new push: the config's push fields (PushSchema) with a password, the mount it belongs to, enabled. */
export interface PushCreate {
  path: string;
  name?: string | null;
  host: string;
  port?: number;
  mount: string;
  user?: string;
  password: string;
  tls?: boolean;
  format?: PushFormat | null;
  from?: string | null;
  public?: boolean;
  enabled?: boolean;
}
/** A change: absent fields (the password too) keep their value; null clears name, format and from. */
export type PushChange = Partial<Omit<PushCreate, 'path'>>;

/** A push as the API shows it, config or console: never the password. */
export interface PushView<S> {
  /** null for the config's pushes (changed in the config file only). */
  id: string | null;
  origin: 'config' | 'console';
  path: string;
  name: string | null;
  /** What names the push in status, logs and metrics: its name, else HOST:PORT/MOUNT. */
  label: string;
  host: string;
  port: number;
  mount: string;
  user: string;
  passwordSet: boolean;
  tls: boolean;
  format: PushFormat | null;
  from: string | null;
  public: boolean;
  enabled: boolean;
  createdAt: string | null;
  createdBy: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
  /** Why an enabled console push does not run (its mount is gone, the config took its name or target), or null. */
  problem: string | null;
  /** The running push's status (the admin status.json's), null while it does not run. */
  status: S | null;
}

/** A console push that withConsolePushes left out, and why (bridge.ts logs it). */
export interface IgnoredPush {
  id: string;
  path: string;
  label: string;
  reason: string;
}

interface Row {
  id: string;
  mount: string;
  name: string | null;
  host: string;
  port: number;
  target_mount: string;
  user: string;
  password: string;
  tls: number;
  format: string | null;
  from_mount: string | null;
  public: number;
  enabled: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

const fromRow = (r: Row): ConsolePush => ({
  id: r.id,
  path: r.mount,
  name: r.name,
  host: r.host,
  port: r.port,
  mount: r.target_mount,
  user: r.user,
  password: r.password,
  tls: r.tls === 1,
  format: r.format as PushFormat | null,
  from: r.from_mount,
  public: r.public === 1,
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

type PushFields = { name?: string | null; host: string; port: number; mount: string };
/** As the push manager names a push (planPushes): its name, else HOST:PORT/MOUNT. */
export const labelOf = (p: PushFields): string => p.name ?? `${p.host}:${p.port}${p.mount}`;
/** The target server's mount: it takes one source, whichever mount of ours feeds it. */
const targetOf = (p: PushFields): string => `${p.host.toLowerCase()}:${p.port}${p.mount}`;

type Field = 'path' | 'name' | 'host' | 'port' | 'mount' | 'user' | 'password' | 'tls' | 'format' | 'from' | 'public' | 'enabled';
const FIX: Record<Field, string> = {
  path: 'name a configured mount (GET /api/v1/mounts lists them)',
  name: "use 1–64 of a–z, A–Z, 0–9, '.', '_', '-', or null to name it HOST:PORT/MOUNT",
  host: "give the server's name or address (1–253 characters)",
  port: "give the server's source port, a whole number 1–65535",
  mount: 'give the mount on that server, e.g. "/live"',
  user: 'give the source user of that server (1–64 characters), usually "source"',
  password: 'give the source password of that server (1–256 characters)',
  tls: 'send true or false',
  format: 'use mp3, ogg-opus, ogg-vorbis or aac, or null for whatever the mount plays',
  from: 'name a configured mount or ladder rung, or null to push the mount itself',
  public: 'send true or false',
  enabled: 'send true or false',
};

/** `fix` null: the problem says the fix itself (the config's regex messages do). */
const bad = (field: Field, value: unknown, problem: string, fix: string | null = FIX[field], code: 'API_BAD_REQUEST' | 'PUSH_CONFLICT' = 'API_BAD_REQUEST') => {
  const shown = field === 'password' ? '(not shown)' : JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value);
  return new AircheckError(code, `push field "${field}" is ${shown}: ${problem}${fix === null ? '' : `; ${fix}`}`);
};

interface Problem {
  field: Field;
  value: unknown;
  problem: string;
  fix: string | null;
  /** A valid push that clashes with the station's others (a name or target taken, a full mount): 409. */
  conflict?: true;
}

/** The push in the config's own shape, checked with the config's own schema (PushSchema). */
function checkedConfig(p: ConsolePush): { ok: true; push: PushConfig } | ({ ok: false } & Problem) {
  const input: Record<string, unknown> = { host: p.host, port: p.port, mount: p.mount, user: p.user, password: p.password, tls: p.tls, public: p.public };
  if (p.name !== null) input.name = p.name;
  if (p.format !== null) input.format = p.format;
  if (p.from !== null) input.from = p.from;
  const parsed = PushSchema.safeParse(input);
  if (parsed.success) return { ok: true, push: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'host') as Field;
  // The config's regex messages carry their own fix; the others get the field's.
  return { ok: false, field, value: (p as unknown as Record<string, unknown>)[field], problem: issue.message, fix: issue.code === 'invalid_format' ? null : FIX[field] };
}

/** Paths a push may carry (`from`): configured mounts and their ladder rungs. */
function carriablePaths(mounts: readonly MountConfig[]): Set<string> {
  const paths = new Set<string>();
  for (const m of mounts) {
    paths.add(m.path);
    for (const r of m.ladder ?? []) paths.add(r.path);
  }
  return paths;
}

/**
 * Why console push `p` cannot run beside the config's pushes and `others` (console pushes), or null:
 * the field at fault, the problem and the fix. The config's pushes win: a console push never takes
 * their name (on the same mount) or their target (on any mount).
 */
function problemOf(p: ConsolePush, mounts: readonly MountConfig[], others: readonly ConsolePush[]): Problem | null {
  const mount = mounts.find((m) => m.path === p.path);
  if (!mount) return { field: 'path', value: p.path, problem: 'there is no such configured mount', fix: FIX.path };
  const checked = checkedConfig(p);
  if (!checked.ok) return checked;
  if (p.from !== null && !carriablePaths(mounts).has(p.from)) {
    return { field: 'from', value: p.from, problem: 'there is no such configured mount or ladder rung', fix: FIX.from };
  }
  const label = labelOf(p);
  const keyField: Field = p.name === null ? 'mount' : 'name';
  const keyValue = p.name ?? p.mount;
  for (const c of mount.push) {
    if (labelOf(c) === label) {
      return { field: keyField, value: keyValue, problem: `the config's push "${labelOf(c)}" of ${p.path} has this ${p.name === null ? 'target' : 'name'}`, fix: 'pick another name (the config\'s pushes are changed in the config file)', conflict: true };
    }
  }
  const target = targetOf(p);
  for (const m of mounts) {
    for (const c of m.push) {
      if (targetOf(c) === target) {
        return { field: 'mount', value: p.mount, problem: `the config's push "${labelOf(c)}" of ${m.path} already sends to ${p.host}:${p.port}${p.mount}, and an Icecast mount takes one source`, fix: 'pick another mount on that server', conflict: true };
      }
    }
  }
  for (const o of others) {
    if (o.id === p.id) continue;
    if (o.path === p.path && labelOf(o) === label) {
      return { field: keyField, value: keyValue, problem: `the console's push "${labelOf(o)}" of ${p.path} has this ${p.name === null ? 'target' : 'name'}`, fix: 'pick another name, or change that push', conflict: true };
    }
    if (targetOf(o) === target) {
      return { field: 'mount', value: p.mount, problem: `the console's push "${labelOf(o)}" of ${o.path} already sends to ${p.host}:${p.port}${p.mount}, and an Icecast mount takes one source`, fix: 'pick another mount on that server, or change that push', conflict: true };
    }
  }
  const count = mount.push.length + others.filter((o) => o.id !== p.id && o.path === p.path).length + 1;
  if (count > MAX_PUSHES_PER_MOUNT) {
    return { field: 'path', value: p.path, problem: `it would have ${count} pushes, and a mount has at most ${MAX_PUSHES_PER_MOUNT}`, fix: 'remove a push of this mount first', conflict: true };
  }
  return null;
}

export class PushTargets {
  readonly #store: StationDb;

  constructor(db: StationDb) {
    this.#store = db;
  }

  /** Every console push, oldest first (also of mounts the config no longer has). */
  list(): ConsolePush[] {
    // In creation order: pushes created within one millisecond by their insertion (rowid), not their random ids.
    return (this.#store.db.prepare('SELECT * FROM push_targets ORDER BY created_at, rowid').all() as unknown as Row[]).map(fromRow);
  }

  get(id: string): ConsolePush | null {
    const row = this.#store.db.prepare('SELECT * FROM push_targets WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * Adds a push of a configured mount (`mounts`: the file config's). API_BAD_REQUEST naming the field,
   * the value and the fix for a value the config's PushSchema refuses, a mount that is not configured
   * or a `from` that is no mount or rung; PUSH_CONFLICT (409) for a name or target another push (the
   * config's or the console's) has, or a mount with MAX_PUSHES_PER_MOUNT pushes already.
   */
  create(input: PushCreate, actor: string, mounts: readonly MountConfig[]): ConsolePush {
    const now = new Date().toISOString();
    const push: ConsolePush = {
      id: `p_${randomBytes(9).toString('base64url')}`,
      path: input.path,
      name: input.name ?? null,
      host: input.host,
      port: input.port ?? 8000,
      mount: input.mount,
      user: input.user ?? 'source',
      password: input.password,
      tls: input.tls ?? false,
      format: input.format ?? null,
      from: input.from ?? null,
      public: input.public ?? false,
      enabled: input.enabled ?? true,
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      updatedBy: actor,
    };
    this.#check(push, mounts);
    this.restore(push);
    return push;
  }

  /** Changes a console push (HTTP_NOT_FOUND for an unknown id); checked as create() checks. */
  update(id: string, change: PushChange, actor: string, mounts: readonly MountConfig[]): ConsolePush {
    const current = this.#existing(id);
    const next: ConsolePush = { ...current, updatedAt: new Date().toISOString(), updatedBy: actor };
    for (const [field, value] of Object.entries(change) as [keyof PushChange, unknown][]) {
      if (value === undefined) continue;
      if (value === null && !(field === 'name' || field === 'format' || field === 'from')) throw bad(field, value, 'it cannot be cleared', FIX[field]);
      (next as unknown as Record<string, unknown>)[field] = value;
    }
    this.#check(next, mounts);
    this.restore(next);
    return next;
  }

  /** Removes a console push (HTTP_NOT_FOUND for an unknown id) and returns it as it was. */
  remove(id: string): ConsolePush {
    const current = this.#existing(id);
    this.#store.db.prepare('DELETE FROM push_targets WHERE id = ?').run(id);
    return current;
  }

  /** Puts a push back exactly as given (undoing a change that could not be applied). */
  restore(p: ConsolePush): void {
    // An upsert: a push that exists keeps its row (and so its place in the list).
    this.#store.db
      .prepare(`INSERT INTO push_targets (id, mount, push_key, name, host, port, target_mount, user, password, tls, format, from_mount, public, enabled, created_at, created_by, updated_at, updated_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET mount = excluded.mount, push_key = excluded.push_key, name = excluded.name, host = excluded.host,
          port = excluded.port, target_mount = excluded.target_mount, user = excluded.user, password = excluded.password, tls = excluded.tls,
          format = excluded.format, from_mount = excluded.from_mount, public = excluded.public, enabled = excluded.enabled,
          created_at = excluded.created_at, created_by = excluded.created_by, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
      .run(p.id, p.path, labelOf(p), p.name, p.host, p.port, p.mount, p.user, p.password, p.tls ? 1 : 0, p.format, p.from, p.public ? 1 : 0, p.enabled ? 1 : 0, p.createdAt, p.createdBy, p.updatedAt, p.updatedBy);
  }

  /** Undoes a create. */
  discard(id: string): void {
    this.#store.db.prepare('DELETE FROM push_targets WHERE id = ?').run(id);
  }

  #existing(id: string): ConsolePush {
    const found = this.get(id);
    if (!found) throw new AircheckError('HTTP_NOT_FOUND', `no console push with id "${id.slice(0, 64)}": list them with GET /api/v1/pushes (the config's pushes have no id: they are changed in the config file)`);
    return found;
  }

  #check(p: ConsolePush, mounts: readonly MountConfig[]): void {
    const problem = problemOf(p, mounts, this.list());
    if (problem) throw bad(problem.field, problem.value, problem.problem, problem.fix, problem.conflict ? 'PUSH_CONFLICT' : 'API_BAD_REQUEST');
  }
}

/**
 * The console pushes that run with `config` and why the others do not: in order (oldest first), each
 * enabled push is added to its mount's pushes when it still fits (its mount is configured, its `from`
 * exists, the config's schema takes it, no config push or earlier console push has its name or target,
 * the mount has room). Disabled pushes get their problem too (for the console) but never run. Pure.
 */
export function planConsolePushes(config: Config, pushes: readonly ConsolePush[]): { config: Config; ignored: Map<string, string> } {
  const accepted: ConsolePush[] = [];
  const added = new Map<string, PushConfig[]>();
  const ignored = new Map<string, string>();
  for (const p of pushes) {
    const problem = problemOf(p, config.mounts, accepted);
    if (problem) {
      ignored.set(p.id, `field "${problem.field}": ${problem.problem}`);
      continue;
    }
    if (!p.enabled) continue;
    const checked = checkedConfig(p);
    if (!checked.ok) continue; // problemOf checked it
    accepted.push(p);
    added.set(p.path, [...(added.get(p.path) ?? []), checked.push]);
  }
  if (added.size === 0) return { config, ignored };
  const mounts = config.mounts.map((m) => {
    const extra = added.get(m.path);
    return extra ? Object.freeze({ ...m, push: Object.freeze([...m.push, ...extra]) as PushConfig[] }) : m;
  });
  return { config: Object.freeze({ ...config, mounts: Object.freeze(mounts) }), ignored };
}

/** The effective config: the enabled console pushes that fit added to their mounts; the others reported to `onIgnored`. Pure. */
export function withConsolePushes(config: Config, pushes: readonly ConsolePush[], onIgnored: (ignored: IgnoredPush) => void = () => {}): Config {
  const plan = planConsolePushes(config, pushes);
  for (const p of pushes) {
    const reason = plan.ignored.get(p.id);
    if (reason !== undefined && p.enabled) onIgnored({ id: p.id, path: p.path, label: labelOf(p), reason });
  }
  return plan.config;
}

/**
 * Every push as the console lists it: per configured mount (config order) the config's pushes, then
 * the console's (oldest first); last the console pushes of mounts the config no longer has.
 * `statusOf(path, label)`: the running push's status, or null.
 */
export function describePushes<S>(config: Config, pushes: readonly ConsolePush[], statusOf: (path: string, label: string) => S | null): PushView<S>[] {
  const { ignored } = planConsolePushes(config, pushes);
  const consoleView = (p: ConsolePush): PushView<S> => {
    const problem = ignored.get(p.id) ?? null;
    return {
      id: p.id,
      origin: 'console',
      path: p.path,
      name: p.name,
      label: labelOf(p),
      host: p.host,
      port: p.port,
      mount: p.mount,
      user: p.user,
      passwordSet: p.password !== '',
      tls: p.tls,
      format: p.format,
      from: p.from,
      public: p.public,
      enabled: p.enabled,
      createdAt: p.createdAt,
      createdBy: p.createdBy,
      updatedAt: p.updatedAt,
      updatedBy: p.updatedBy,
      problem,
      status: p.enabled && problem === null ? statusOf(p.path, labelOf(p)) : null,
    };
  };
  const out: PushView<S>[] = [];
  for (const m of config.mounts) {
    for (const c of m.push) {
      out.push({
        id: null,
        origin: 'config',
        path: m.path,
        name: c.name ?? null,
        label: labelOf(c),
        host: c.host,
        port: c.port,
        mount: c.mount,
        user: c.user,
        passwordSet: true,
        tls: c.tls,
        format: c.format ?? null,
        from: c.from ?? null,
        public: c.public,
        enabled: true,
        createdAt: null,
        createdBy: null,
        updatedAt: null,
        updatedBy: null,
        problem: null,
        status: statusOf(m.path, labelOf(c)),
      });
    }
    for (const p of pushes) if (p.path === m.path) out.push(consoleView(p));
  }
  const paths = new Set(config.mounts.map((m) => m.path));
  for (const p of pushes) if (!paths.has(p.path)) out.push(consoleView(p));
  return out;
}
