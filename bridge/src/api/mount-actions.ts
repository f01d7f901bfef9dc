// What an operator can do to a running mount: kick a listener, kill the source, move listeners, set
// the title. Shared by the Icecast admin endpoints (admin/http-app.ts) and REST API v1 (live.ts), so
// both behave the same; fed by the MountRegistry, throws AircheckError with the code.
import { AircheckError } from '../../../shared/src/errors.ts';
import type { MountRegistry } from '../mounts/mount-registry.ts';
import type { Mount } from '../mounts/mount.ts';

/** The mount at `path`; MOUNT_NOT_FOUND names only the path asked for. */
export function requireMount(registry: MountRegistry, path: string): Mount {
  const mount = registry.get(path);
  if (!mount || mount.isFileFeed) throw new AircheckError('MOUNT_NOT_FOUND', `mount "${path.slice(0, 80)}" does not exist: use a configured mount path such as /live`);
  return mount;
}

export function kickListener(registry: MountRegistry, path: string, id: number, idText = String(id)): void {
  requireMount(registry, path);
  const listener = Number.isSafeInteger(id) ? registry.findListener(path, id) : undefined;
  if (!listener) throw new AircheckError('ADMIN_CLIENT_NOT_FOUND', `no listener with id "${idText.slice(0, 20)}" on ${path}: list them with GET /api/v1/listeners?mount=${path} or /admin/listclients?mount=${path}`);
  listener.close('killed');
}

export function killSource(registry: MountRegistry, path: string, reason: string): void {
  requireMount(registry, path);
  const source = registry.sourceOf(path);
  if (!source) throw new AircheckError('MOUNT_OFFLINE', `mount ${path} has no source to kill`);
  source.kill(reason);
}

export function moveListeners(registry: MountRegistry, from: string, to: string): number {
  requireMount(registry, from);
  requireMount(registry, to);
  if (from === to) throw new AircheckError('ADMIN_BAD_REQUEST', 'mount and destination are the same: give another destination');
  return registry.moveListeners(from, to);
}

export function setMountTitle(registry: MountRegistry, path: string, title: string): void {
  const mount = requireMount(registry, path);
  if (!mount.hasSource) throw new AircheckError('MOUNT_OFFLINE', `mount ${path} has no source: send metadata while a source is connected`);
  mount.setTitle(title);
}
