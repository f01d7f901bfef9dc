// The composition root of the bridge: creates every stage from the config and wires them together
// (stages do not import each other's instances). Used by main.ts and by tests.
import http from 'node:http';
import type net from 'node:net';
import type tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/src/config.ts';
import type { Credentials } from './secrets/credentials.ts';
import { AuthThrottle } from './http/auth-throttle.ts';
import { createStreamServer, guardSocket } from './http/stream-server.ts';
import { answerClientError } from './http/responses.ts';
import { loopbackFor, servedUrls, urlHost } from './http/urls.ts';
import { TrustedProxies } from './http/trusted-proxies.ts';
import { clientProto, markClient } from './http/client-address.ts';
import { TlsReloader, type TlsFiles } from './http/tls-files.ts';
import { MountRegistry } from './mounts/mount-registry.ts';
import { FileFeed, loadLoop } from './mounts/file-feed.ts';
import type { StreamFormat } from '../../shared/src/audio-unit.ts';
import { AircheckError, isAircheckError, type ErrorCode } from '../../shared/src/errors.ts';
import { handleSourceRequest } from './sources/source-request.ts';
import { handleListenerRequest } from './listeners/listener-request.ts';
import { sendBufferCapUnavailable } from './listeners/send-buffer.ts';
import { Metrics } from './admin/metrics.ts';
import { PushManager, planPushes } from './outputs/push-manager.ts';
import { LadderManager, planLadders } from './ladder/ladder-manager.ts';
import { RelayManager, planRelays } from './sources/relay/relay-manager.ts';
import { createHttpApp } from './admin/http-app.ts';
import type { ServerFacts } from './admin/status.ts';
import { DjAccounts, configuredDjs, readLegacyDjs } from './accounts/dj-accounts.ts';
import { StationDb } from './station/station-db.ts';
import { Users } from './station/users.ts';
import { SESSION_LIFETIME_MS, WebSessions } from './station/web-sessions.ts';
import { ApiTokens } from './station/api-tokens.ts';
import { AuditLog } from './station/audit-log.ts';
import { StationSettings } from './station/station-settings.ts';
import { BUNDLED_FALLBACK, MountSettings, NO_FALLBACK, describeMounts, mediaDirOf, mediaNameProblem, withMountSettings, type MountSettingsChange } from './station/mount-settings.ts';
import { MediaFiles } from './station/media-files.ts';
import { ScheduleStore } from './station/schedule-store.ts';
import { PushTargets, describePushes, labelOf, withConsolePushes } from './station/push-targets.ts';
import { LISTENER_SAMPLE_INTERVAL_MS, ListenerHistory } from './station/listener-history.ts';
import { RecordingCatalog } from '../../recordings/src/catalog/console-recordings.ts';
import { createApiRouter } from './api/api-router.ts';
import { LiveView } from './api/live.ts';
import { EventHub } from './api/events.ts';
import { createWebRoutes } from './api/web-routes.ts';
import type { MountSettingsPort, PushTargetsPort, StationPorts } from './api/api-deps.ts';
import { DjSessions, SESSIONS_FILE } from './shows/dj-session.ts';
import { LivePush } from './sources/studio/live-push.ts';
import type { FrameConsumer } from '../../shared/src/show-contract.ts';
import { createStudioApi } from './studio/studio-api.ts';
import { createStaticHandler } from './web/static-files.ts';
import { LOGINS_FILE, StudioLogins } from './accounts/studio-logins.ts';
import { createStudioWs } from './studio/studio-ws.ts';
import { Recorder } from '../../recordings/src/recorder.ts';
import { SourceRecorders } from './outputs/source-recorder.ts';
import { HEALTH_LEVELS, HealthMonitor, nodeProbes, type HealthThresholds } from './admin/health.ts';
import { limitedSpaceFs } from '../../recordings/src/spool/limited-space-fs.ts';
import type { Mp3BitrateKbps } from '../../shared/src/mp3/opus-to-mp3.ts';
import type { RecordingStore } from '../../recordings/src/store-contract.ts';
import { createRecordingStore } from '../../recordings/src/store/create-recording-store.ts';
import { DeadMansSwitch } from '../../recordings/src/alerts/dead-mans-switch.ts';
import { createAlertSender } from '../../recordings/src/alerts/alert-sender.ts';

export const VERSION = '0.1.0';

const BUNDLED_DIR = fileURLToPath(new URL('../assets/fallback/', import.meta.url));
/** The studio, built by Vite (`npm run build:studio`, run by `npm start` first). */
const STUDIO_DIR = fileURLToPath(new URL('../../dist/studio/', import.meta.url));
/** The admin console and the station page (`npm run build:web`). */
const CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));
const STATION_DIR = fileURLToPath(new URL('../../dist/station/', import.meta.url));
const BUNDLED_FILES: Record<StreamFormat, string> = {
  mp3: resolvePath(BUNDLED_DIR, 'fallback.mp3'),
  'ogg-opus': resolvePath(BUNDLED_DIR, 'fallback.opus'),
  'ogg-vorbis': resolvePath(BUNDLED_DIR, 'fallback.ogg'),
  // No AAC loop is bundled: an AAC mount (a ladder rung) that names the bundled fallback gets the MP3 one.
  aac: resolvePath(BUNDLED_DIR, 'fallback.mp3'),
};

export interface Bridge {
  /** Listens; the first URL of each list is the loopback one, the others every address served. */
  start(): Promise<{ streamUrl: string; webUrl: string; streamUrls: string[]; webUrls: string[]; host: string }>;
  /**
   * Applies a new file config and credentials (mounts, limits, …); the console's mount settings stay
   * on top of the new config. Nobody connected is dropped.
   */
  reload(config: Config, credentials: Credentials): void;
  /** Stops accepting, ends sources and listeners after their queued audio, closes the servers. */
  stop(graceMs?: number): Promise<void>;
  readonly registry: MountRegistry;
  readonly metrics: Metrics;
  readonly recorder: Recorder;
}

export interface BridgeOptions {
  /**
   * Where finalized recordings go. Default: the embedded local store (`<data_dir>/recordings/…`);
   * null keeps them finalized in the spool (status finalizing).
   */
  recordingStore?: RecordingStore | null;
}

export function createBridge(initialConfig: Config, initialCredentials: Credentials, log: Logger, options: BridgeOptions = {}): Bridge {
  // The station's own state (<data_dir>/station.sqlite): accounts, console sessions, API tokens, the
  // audit log, station and mount settings, the schedule and the listener history. Opened first: the
  // console's mount settings are part of the config every stage is created with.
  const stationDb = StationDb.open(StationDb.fileIn(initialConfig.data_dir));
  // Console-chosen fallback files come from <data_dir>/media/ only (created here, so admins find it).
  const mediaDir = mediaDirOf(initialConfig.data_dir);
  try {
    mkdirSync(mediaDir, { recursive: true, mode: 0o755 });
  } catch (err) {
    log.warn({ mediaDir, err: (err as Error).message }, 'media folder cannot be created; the console offers only the bundled fallback');
  }
  const mountSettings = new MountSettings(stationDb, { mediaDir });
  // Pushes added in the console run beside the config's [[mounts.push]] (the config's win a name or target).
  const pushTargets = new PushTargets(stationDb);
  /** The file config (main.ts's, then each SIGHUP's) with the console's mount settings and pushes on top: what every stage runs with. */
  const effectiveConfig = (file: Config): Config =>
    withConsolePushes(
      withMountSettings(file, mountSettings.all(), mediaDir, (ignored) => log.warn(ignored, 'console mount setting ignored; the config file\'s value applies')),
      pushTargets.list(),
      (ignored) => log.warn(ignored, 'console push not run; it runs again once it fits the config'),
    );
  /** What the config file says (kept to re-apply the console's mount settings on top of it). */
  let fileConfig = initialConfig;
  let config = effectiveConfig(fileConfig);
  let credentials = initialCredentials;
  const metrics = new Metrics();
  const throttle = new AuthThrottle(config.limits.auth_failures_per_minute);
  const facts: ServerFacts = {
    name: config.server.name,
    location: config.server.location,
    adminContact: config.server.admin_contact,
    startedAtMs: Date.now(),
    version: VERSION,
  };

  // Fallback files: loaded when first needed, kept while the server runs (a replaced or deleted media
  // file's loop: until nothing plays it, see staleFeeds); a bad file fails loudly.
  const fileFeeds = new Map<string, FileFeed | null>();
  /** Why a fallback file is unusable (its FALLBACK_FILE_INVALID message), for the console's answer. */
  const fileFeedProblems = new Map<string, string>();
  let feedCounter = 0;
  /**
   * A media file uploaded or deleted after it was loaded gets a new generation: the next use loads it
   * again under a new key, listeners on the old loop move to the new one (registry.refeed), and the
   * old loop is released once nothing plays it (staleFeeds, swept with the health sample).
   */
  const feedGenerations = new Map<string, number>();
  const staleFeeds = new Set<string>();
  const releaseStaleFeeds = () => {
    for (const key of staleFeeds) {
      if (!registry.releaseFileFeed(key)) continue;
      staleFeeds.delete(key);
      fileFeeds.delete(key);
      log.info({ file: key }, 'fallback file released (replaced or deleted)');
    }
  };
  const feedKey = (file: string) => (feedGenerations.has(file) ? `${file}#${feedGenerations.get(file)}` : file);
  const fileFeedFor = (setting: string, format: StreamFormat): FileFeed | null => {
    const file = setting === 'bundled' ? BUNDLED_FILES[format] : resolvePath(config.configFile ? resolvePath(config.configFile, '..') : process.cwd(), setting);
    const key = feedKey(file);
    if (fileFeeds.has(key)) return fileFeeds.get(key)!;
    let feed: FileFeed | null = null;
    try {
      feed = new FileFeed(file, `#fallback-${++feedCounter}`, setting === 'bundled' ? 'Aircheck fallback' : file);
      registry.registerFileFeed(key, feed);
      log.info({ file, format: feed.format, durationMs: Math.round(feed.durationUs / 1000) }, 'fallback file loaded');
    } catch (err) {
      log.error({ file, err }, 'fallback file unusable');
      fileFeedProblems.set(file, (err as Error).message);
    }
    fileFeeds.set(key, feed);
    return feed;
  };
  // Uploads are checked with the fallback's own loader before they are kept (station/media-files.ts).
  const mediaFiles = new MediaFiles({
    dir: mediaDir,
    probe: (file) => {
      const loop = loadLoop(file);
      return { format: loop.format, durationMs: Math.round(loop.durationUs / 1000) };
    },
  });
  /** The file changed on disk: a loop loaded from it before is not reused. */
  const mediaChanged = (name: string) => {
    const file = resolvePath(mediaDir, name);
    const key = feedKey(file);
    if (!fileFeeds.has(key)) return;
    feedGenerations.set(file, (feedGenerations.get(file) ?? 0) + 1);
    staleFeeds.add(key);
  };

  // Metric series per mount, all dynamic mounts under one label: a source inventing paths cannot grow the series.
  const mountLabel = (path: string) => (registry.isDynamic(path) ? '(dynamic)' : path);
  const registry: MountRegistry = new MountRegistry({
    mounts: config.mounts,
    limits: registryLimits(config),
    fileFeedFor,
    observer: {
      sourceStarted: (m) => {
        if (registry.isDynamic(m.path)) metrics.sources.inc({ mount: '(dynamic)' });
        else metrics.sources.set({ mount: m.path }, 1);
      },
      sourceEnded: (m, _reason, error) => {
        if (registry.isDynamic(m.path)) metrics.sources.dec({ mount: '(dynamic)' });
        else metrics.sources.set({ mount: m.path }, 0);
        if (error) metrics.sourceErrors.inc({ mount: mountLabel(m.path), code: error.code });
        // A relay preempted by this source takes its mount back.
        relays.sourceEnded(m.path);
      },
      listenerJoined: (m) => {
        metrics.listeners.inc({ mount: mountLabel(m.path) });
        metrics.listenerConnections.inc({ mount: mountLabel(m.path) });
      },
      listenerLeft: (path, reason) => metrics.listenerLeft(mountLabel(path), reason),
      listenerMoved: (from, to) => {
        metrics.listeners.dec({ mount: mountLabel(from) });
        metrics.listeners.inc({ mount: mountLabel(to) });
      },
      bytesSent: (m, bytes) => metrics.bytesSent.inc({ mount: m.isFileFeed ? 'fallback-file' : mountLabel(m.path) }, bytes),
      bytesReceived: (path, bytes) => metrics.bytesReceived.inc({ mount: mountLabel(path) }, bytes),
    },
  });
  // Pushes to external Icecast servers ([[mounts.push]]): 'heard' outputs of their mounts.
  const configDir = (c: Config) => (c.configFile ? resolvePath(c.configFile, '..') : process.cwd());
  const pushes = new PushManager({
    attachHeardOutput: (path, output, format) => registry.attachHeardOutput(path, output, format),
    log,
    metrics: {
      connected: (mount, target, up) => metrics.pushConnected.set({ mount, target }, up ? 1 : 0),
      bytes: (mount, target, bytes) => metrics.pushBytes.inc({ mount, target }, bytes),
      reconnect: (mount, target) => metrics.pushReconnects.inc({ mount, target }),
      error: (mount, target, code) => metrics.pushErrors.inc({ mount, target, code }),
      dropped: (mount, target, bytes) => metrics.pushDroppedBytes.inc({ mount, target }, bytes),
      removed: (mount, target) => metrics.pushConnected.remove({ mount, target }),
    },
  });
  // Transcoded ladders ([[mounts.ladder]]): 'heard' outputs of their mounts feeding rung mounts; an
  // encoder no engine has fails the start here (LADDER_CODEC_UNAVAILABLE).
  const ladders = new LadderManager(registry, log);
  ladders.apply(planLadders(config.mounts));
  // Pull relays ([mounts.relay]): in-process sources of their mounts fed from an upstream stream;
  // started once the ticker runs (start()), refused new connections while the server is critical.
  const relays = new RelayManager({
    registry,
    log,
    stallMs: () => config.limits.source_timeout_ms,
    userAgent: `Aircheck/${VERSION} (relay)`,
    refuseNewWork: (what) => health.refuseNewWork(what),
    metrics: {
      connected: (mount, up) => metrics.relayConnected.set({ mount }, up ? 1 : 0),
      bytes: (mount, bytes) => metrics.relayBytes.inc({ mount }, bytes),
      reconnect: (mount) => metrics.relayReconnects.inc({ mount }),
      error: (mount, code) => metrics.relayErrors.inc({ mount, code }),
      removed: (mount) => metrics.relayConnected.remove({ mount }),
    },
  });
  // Validate configured fallback files at start, not when the first source drops.
  const preloadFallbacks = () => {
    for (const m of config.mounts) if (m.fallback_file && m.fallback_file !== 'bundled') fileFeedFor(m.fallback_file, 'mp3');
  };
  preloadFallbacks();

  const baseUrlFor = (port: number) => (req: http.IncomingMessage) => {
    // An https page cannot play http audio: over TLS (the web port serves the mounts too) or behind a
    // TLS-terminating trusted proxy (which forwards the mounts, README), links stay on the page's origin.
    if (clientProto(req) === 'https' && req.headers.host) return `https://${req.headers.host}`;
    // The Host the client used (without its port), else the loopback of the configured address.
    const host = req.headers.host?.replace(/:\d+$/, '') || urlHost(loopbackFor(config.server.host));
    return `http://${host}:${port}`;
  };

  // Reverse proxies whose X-Forwarded-For / -Proto / Forwarded headers are believed ([web] trusted_proxies).
  let proxies = new TrustedProxies(config.web.trusted_proxies);
  const headerOf = (req: http.IncomingMessage) => (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  /** Every web request is marked with its real client before any stage sees it. */
  const markRequest = (req: http.IncomingMessage) => markClient(req, proxies.clientOf(req.socket.remoteAddress ?? 'unknown', headerOf(req)));

  let streamPort = 0;

  // Where verified recordings go: the bucket when one is configured, else <data_dir>/recordings/.
  const storeHandle = createRecordingStore(config.storage, config.data_dir, log);
  // The recorder: every show spooled from its first frame, finalized when it ends, handed to the store.
  const recorder = new Recorder({
    spoolDir: config.recordings.spool_dir,
    segmentSeconds: config.recordings.segment_seconds,
    retentionMs: config.recordings.retention_hours * 3600 * 1000,
    store: options.recordingStore !== undefined ? options.recordingStore : storeHandle.store,
    // The embedded store lives on the spool's own disk: a copy there would not survive what it guards against.
    uploadSegments: config.recordings.upload_segments && (options.recordingStore !== undefined || !!config.storage.bucket),
    // A studio show is a soundcheck until it first reaches /live (dj-session.ts calls onWentLive).
    tracksGoingLive: true,
    mp3BitrateKbps: config.recordings.mp3_kbps === 0 ? null : (config.recordings.mp3_kbps as Mp3BitrateKbps),
    log,
    onError: (code) => metrics.recordingErrors.inc({ code }),
    // A disk error mid-show fires its alert at once (once per recording), not when the show ends.
    onRecordingFailed: (failure) => void deadMansSwitch.recordingFailed(failure),
    spoolFs: config.testFaults?.spoolFreeBytes != null
      ? limitedSpaceFs({ freeBytes: config.testFaults.spoolFreeBytes, fullForMs: config.testFaults.spoolFullForMs })
      : undefined,
    onSettled: (status) => metrics.recordingsSettled.inc({ status }),
    onSegmentUpload: (result) => metrics.segmentUploads.inc({ result }),
  });

  // Health from CPU, memory and event-loop delay: /health, metrics; from critical on, new load is refused.
  const health = new HealthMonitor(nodeProbes(), healthThresholds(config));
  const sampleHealth = () => {
    const h = health.sample();
    metrics.healthLevel.set(HEALTH_LEVELS.indexOf(h.level));
    metrics.eventLoopDelayP99.set(h.eventLoopP99Ms / 1000);
    if (h.level !== 'healthy') log.warn({ level: h.level, reasons: h.reasons }, 'server health');
  };
  let healthTimer: NodeJS.Timeout | null = null;

  // Every show recorded, whatever its source: source clients on mounts marked `record` (/live by default).
  const sourceRecorders = new SourceRecorders({
    createRecording: (show) => recorder.createSourceRecording(show),
    sourceOf: (path) => registry.sourceOf(path),
    graceMs: () => config.recordings.source_grace_seconds * 1000,
    log,
  });
  sourceRecorders.sync(registry.all());

  // The station's state (opened above). Config accounts and the config's schedule are bootstrapped
  // into it at start and on every reload.
  const users = new Users(stationDb);
  const schedule = new ScheduleStore(stationDb);
  const stationSettings = new StationSettings(stationDb);
  const station: StationPorts = {
    users,
    sessions: new WebSessions(stationDb),
    tokens: new ApiTokens(stationDb),
    audit: new AuditLog(stationDb),
    settings: stationSettings,
    schedule,
    history: new ListenerHistory(stationDb),
  };
  /** Reads what can fail (a corrupt djs.json) first; the returned function applies it. */
  const planStationBootstrap = (c: Config, creds: Credentials) => {
    const accounts = {
      admin: creds.admin.passwordHash ? { name: creds.admin.user, passwordHash: creds.admin.passwordHash } : null,
      djs: configuredDjs(c.djs),
      legacyDjs: readLegacyDjs(c.data_dir),
    };
    return () => {
      users.bootstrap(accounts);
      schedule.bootstrap(c.schedule);
    };
  };
  planStationBootstrap(config, credentials)();

  // The dead-man's switch: one alert per scheduled show without a verified recording, per failed recording.
  const { alerts } = config;
  const deadMansSwitch = new DeadMansSwitch({
    schedule: schedule.entries(),
    graceMs: alerts.grace_minutes * 60_000,
    spoolDir: config.recordings.spool_dir,
    stateFile: resolvePath(config.data_dir, 'alerts-state.json'),
    station: config.server.name,
    sender: createAlertSender({
      webhookUrl: alerts.webhook_url,
      telegram: alerts.telegram_bot_token && alerts.telegram_chat_id ? { botToken: alerts.telegram_bot_token, chatId: alerts.telegram_chat_id } : undefined,
      log,
      onDeliveryFailed: (target) => metrics.alertDeliveryFailures.inc({ target }),
    }),
    log,
    countAlert: (kind) => metrics.alerts.inc({ kind }),
    countCheck: () => metrics.alertChecks.inc(),
  });

  // The studio: DJ sign-in, the WebSocket ingest and each show's frame consumers.
  // Any enabled account (DJ, operator, admin) may sign in to the studio (station/users.ts).
  const djAccounts = new DjAccounts(users);
  // Sign-in tokens (hashed) and resumable sessions persist in the data dir: a studio resumes its show
  // across a restart or crash of the bridge.
  const logins = new StudioLogins(undefined, { file: resolvePath(config.data_dir, LOGINS_FILE), log });
  const djSessions = new DjSessions({ file: resolvePath(config.data_dir, SESSIONS_FILE), log, resumableMs: config.limits.studio_resumable_seconds * 1000 });
  const studioApi = createStudioApi({
    accounts: () => djAccounts,
    logins,
    throttle,
    log,
    urls: (req) => {
      const base = baseUrlFor(streamPort)(req);
      const token = credentials.mounts.get('/test')?.listenerToken;
      return {
        previewUrl: `${base}/test${token ? `?token=${encodeURIComponent(token)}` : ''}`,
        liveUrl: `${base}/live`,
        liveMp3Url: `${base}/live.mp3`,
      };
    },
    mp3Bitrates: () => ({ mp3BitrateKbps: config.studio.mp3_bitrate_kbps, mp3BitratesKbps: [...config.studio.mp3_bitrates_kbps] }),
  });
  const studioWs = createStudioWs({
    sessions: djSessions,
    checkToken: (token) => logins.check(token)?.name ?? null,
    createPush: (opusHead, onAirChanged) =>
      LivePush.create(opusHead, {
        // In process: the push claims /test or /live in the registry (no connection, no credential); their
        // MP3 companions are ladder rungs (config.ts), at the bitrate the DJ picks.
        sources: registry,
        mounts: { test: { opus: '/test', mp3: '/test.mp3' }, live: { opus: '/live', mp3: '/live.mp3' } },
        log,
        streamName: config.server.name,
        mp3BitrateKbps: config.studio.mp3_bitrate_kbps,
        mp3BitratesKbps: config.studio.mp3_bitrates_kbps,
        onAirChanged,
      }),
    // Every frame of a show goes to the live push and to the recorder, from the first frame,
    // whatever the target: /test → /live and reconnects never interrupt the recording.
    extraConsumers: (show): FrameConsumer[] => [recorder.createConsumer(show)],
    // After a restart, a resumable session's recording continues in the same spool.
    resumeConsumers: async (show, showId) => {
      if (showId === null) return { consumers: [recorder.createConsumer(show)], nextSeq: null };
      const continued = await recorder.resumeConsumer(showId, show);
      return continued && { consumers: [continued.consumer], nextSeq: continued.nextSeq };
    },
    onConsumerFailed: (code) => metrics.ingestConsumerErrors.inc({ code }),
    // The studio's header shows the listeners of the mounts its show feeds (PROTOCOL.md §4.12).
    listenerCount: (mounts) => mounts.reduce((n, path) => n + registry.countListenersOf(path), 0),
    log,
  });
  // The admin status shows each show being recorded with its recording status (failed + reason at once).
  const studioStatus = () => ({ sessions: djSessions.all().map((s) => s.status()), ended: djSessions.recentlyEnded(), recordings: recorder.activeShows() });
  const serveStudio = createStaticHandler(STUDIO_DIR, '/studio');

  // REST API v1 (/api/v1/*): the console and the station page; the live view and events read the registry.
  const liveView = new LiveView({
    registry,
    ladderParentOf: (path) => ladders.ladderOfRung(path)?.parentPath ?? null,
    rungsOf: (path) => (ladders.get(path)?.status.rungs ?? []).map((r) => ({ path: r.path, codec: r.codec as 'mp3' | 'aac' | 'vorbis' | 'opus', bitrateKbps: r.bitrateKbps })),
    pushesOf: (path) => pushes.statusOf(path),
    relayOf: (path) => relays.statusOf(path),
    studioDjOf: (path) => djSessions.all().find((s) => !s.ended && s.status().mounts.includes(path))?.dj ?? null,
    station: () => stationSettings.resolve({ name: config.server.name, description: config.server.description }),
    schedule: () => schedule.entries(),
  });
  const events = new EventHub({
    sources: {
      live: () => liveView.snapshot(),
      station: (base) => liveView.publicStation(base),
      recordings: () => recorder.activeShows().map((s) => ({ showId: s.showId, status: s.status })),
    },
    log,
  });
  const catalog = new RecordingCatalog({
    spoolDir: config.recordings.spool_dir,
    store: options.recordingStore !== undefined ? options.recordingStore : storeHandle.store,
    log: log.child({ component: 'recording-catalog' }),
    activeShowIds: () => recorder.activeShows().map((s) => s.showId),
  });
  // The console's mount settings (REST API): stored, then applied through the same path as a SIGHUP.
  const mountsPort: MountSettingsPort = {
    list: () => describeMounts(fileConfig, mountSettings.all(), mediaDir),
    update: (path: string, change: MountSettingsChange) => {
      const before = mountSettings.get(path);
      mountSettings.set(path, change, fileConfig.mounts);
      // A media file chosen again after it failed (replaced since, perhaps) is loaded again.
      const chosenFile = change.fallback_file && change.fallback_file !== BUNDLED_FALLBACK && change.fallback_file !== NO_FALLBACK ? resolvePath(mediaDir, change.fallback_file) : null;
      if (chosenFile && fileFeeds.get(feedKey(chosenFile)) === null) fileFeeds.delete(feedKey(chosenFile));
      try {
        applyConfig(fileConfig, credentials, 'console');
        // Loaded by the apply (preloadFallbacks): a file that cannot be played is refused, not kept.
        if (chosenFile && fileFeeds.get(feedKey(chosenFile)) === null) {
          throw new AircheckError('API_BAD_REQUEST', `mount ${path} field "fallback_file" is ${JSON.stringify(change.fallback_file)}: it cannot be played (${fileFeedProblems.get(chosenFile) ?? 'see the server log'}); choose another file`);
        }
      } catch (err) {
        mountSettings.replace(path, before); // not applied: not kept either
        if (isAircheckError(err, 'API_BAD_REQUEST')) applyConfig(fileConfig, credentials, 'console');
        throw err;
      }
      return describeMounts(fileConfig, mountSettings.all(), mediaDir).find((v) => v.path === path)!;
    },
    media: () => mediaFiles.list(),
    async uploadMedia(name, body, opts) {
      const uploaded = await mediaFiles.upload(name, body, opts);
      mediaChanged(name);
      // A replaced file that a mount falls back to: the mounts take the new audio now (listeners on
      // the old loop move to the new one on their connections; ladders and pushes follow).
      if (uploaded.replaced && mediaUsers(name).length > 0) applyConfig(fileConfig, credentials, 'console');
      return uploaded;
    },
    deleteMedia(name) {
      const problem = mediaNameProblem(name);
      if (problem) throw new AircheckError('API_BAD_REQUEST', `path field "name" is ${JSON.stringify(name.slice(0, 80))}: ${problem}; name a file listed by GET /api/v1/media`);
      const users = mediaUsers(name);
      if (users.length > 0) {
        throw new AircheckError('MEDIA_IN_USE', `media file ${JSON.stringify(name)} is the fallback of ${users.join(', ')}: choose another fallback for ${users.length > 1 ? 'them' : 'it'} first (Station → Mounts)`);
      }
      mediaFiles.remove(name);
      mediaChanged(name);
    },
  };
  /** Configured mounts whose fallback is the media file `name` (the console's setting or the config's). */
  const mediaUsers = (name: string): string[] => {
    const file = resolvePath(mediaDir, name);
    const users = new Set<string>();
    for (const [path, o] of mountSettings.all()) if (o.fallback_file === name && fileConfig.mounts.some((m) => m.path === path)) users.add(path);
    for (const m of config.mounts) {
      if (m.fallback_file && m.fallback_file !== BUNDLED_FALLBACK && resolvePath(configDir(config), m.fallback_file) === file) users.add(m.path);
    }
    return [...users].sort();
  };
  // The console's pushes (REST API): stored, then applied through the same path as a SIGHUP; a change
  // that cannot be applied (a config push's password_file gone unreadable since) is undone and refused.
  const pushStatus = (path: string, label: string) => pushes.statusOf(path).find((s) => s.name === label) ?? null;
  const pushView = (id: string) => describePushes(fileConfig, pushTargets.list(), pushStatus).find((v) => v.id === id)!;
  const applyPushChange = (undo: () => void) => {
    try {
      applyConfig(fileConfig, credentials, 'console');
    } catch (err) {
      undo(); // not applied: not kept either (applyConfig changes nothing when its plan fails)
      if (isAircheckError(err, 'API_BAD_REQUEST')) throw err;
      throw new AircheckError('API_BAD_REQUEST', `the push change cannot be applied, so it was not kept: ${(err as Error).message}`, { cause: err });
    }
  };
  const pushesPort: PushTargetsPort = {
    list: () => describePushes(fileConfig, pushTargets.list(), pushStatus),
    create(input, actor) {
      const created = pushTargets.create(input, actor, fileConfig.mounts);
      applyPushChange(() => pushTargets.discard(created.id));
      return pushView(created.id);
    },
    update(id, change, actor) {
      const before = pushTargets.get(id);
      pushTargets.update(id, change, actor, fileConfig.mounts); // HTTP_NOT_FOUND when there is no before
      applyPushChange(() => pushTargets.restore(before!));
      return pushView(id);
    },
    remove(id) {
      const gone = pushTargets.remove(id);
      applyPushChange(() => pushTargets.restore(gone));
      return { path: gone.path, label: labelOf(gone) };
    },
  };
  const apiV1 = createApiRouter({
    station,
    mounts: mountsPort,
    pushes: pushesPort,
    catalog,
    live: liveView,
    registry,
    events,
    throttle,
    log,
    version: VERSION,
    streamBaseUrl: (req) => baseUrlFor(streamPort)(req),
    stationDefaults: () => ({ name: config.server.name, description: config.server.description }),
    onScheduleChanged: () => deadMansSwitch.setSchedule(schedule.entries()),
    graceMs: () => config.alerts.grace_minutes * 60_000,
    sessionLifetimeMs: SESSION_LIFETIME_MS,
    studioLogins: logins,
  });
  const webRoutes = createWebRoutes({ stationDir: STATION_DIR, consoleDir: CONSOLE_DIR });
  let historyTimer: NodeJS.Timeout | null = null;
  let titleTimer: NodeJS.Timeout | null = null;

  const routeApi = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (apiV1(req, res)) return true;
    if (serveStudio(req, res)) return true;
    if (webRoutes(req, res)) return true;
    if (!(req.url ?? '').startsWith('/api/')) return false;
    void studioApi(req, res);
    return true;
  };
  const onUpgrade = (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    markRequest(req);
    socket.on('error', () => socket.destroy());
    if (!studioWs.handleUpgrade(req, socket, head)) socket.destroy();
  };

  const app = createHttpApp({
    registry,
    credentials: () => credentials,
    // /admin/* Basic auth: enabled admins and operators of the station's accounts (the console's).
    users,
    audit: (entry) => station.audit.add(entry),
    throttle,
    metrics,
    facts,
    log,
    streamBaseUrl: (req) => baseUrlFor(streamPort)(req),
    studioStatus,
    mountParts: {
      pushesOf: (path) => pushes.statusOf(path),
      relayOf: (path) => relays.statusOf(path),
      ladderOf: (path) => ladders.get(path)?.status ?? null,
    },
    health: () => health.report,
    metricsAccess: () => ({ token: config.metrics.token, allow: config.metrics.allow }),
  });
  const streamHttp = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: config.limits.max_head_bytes }, (req, res) => {
    res.shouldKeepAlive = false;
    markRequest(req);
    if (!routeApi(req, res)) void app(req, res);
  });
  const webHttp = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000, maxHeaderSize: config.limits.max_head_bytes }, (req, res) => {
    // Over TLS the web port routes each connection by its first request (stream-server.ts), as the
    // stream port does: a kept-alive connection would take a later mount GET to node:http (404).
    if (tlsReloader) res.shouldKeepAlive = false;
    markRequest(req);
    if (!routeApi(req, res)) void app(req, res);
  });
  // The web port's sockets get the same life-long error guard as the stream port's.
  webHttp.on('connection', guardSocket);
  for (const s of [streamHttp, webHttp]) {
    s.on('clientError', answerClientError);
    s.on('upgrade', onUpgrade);
  }

  const streamServerDeps: Parameters<typeof createStreamServer>[0] = {
    maxPendingConnections: () => config.limits.max_pending_connections,
    maxPendingPerAddress: () => config.limits.max_pending_per_address,
    maxHeadBytes: () => config.limits.max_head_bytes,
    headTimeoutMs: () => config.limits.head_timeout_ms,
    isMount: (path) => registry.get(path) !== undefined,
    onSource: (socket, head, rest) => {
      handleSourceRequest(socket, head, rest, {
        refuseNewWork: (what) => health.refuseNewWork(what),
        registry,
        credentials: () => credentials,
        throttle,
        limits: () => ({ sourceTimeoutMs: config.limits.source_timeout_ms, sourceLeadMs: config.limits.source_lead_ms }),
        log,
        onSourceEvent: (result, mount, code) => {
          metrics.sourceConnections.inc({ mount: mountLabel(mount), result });
          if (code) metrics.requestRejections.inc({ code });
        },
        onBytes: (mount, bytes) => metrics.bytesReceived.inc({ mount: mountLabel(mount) }, bytes),
      }).catch((err) => {
        log.error({ err }, 'source request failed');
        socket.destroy();
      });
    },
    onListener: (socket, head) => {
      handleListenerRequest(socket, head, {
        registry,
        credentials: () => credentials,
        throttle,
        log,
        onRejected: (mount, code) => metrics.listenerRejections.inc({ mount, code }),
        sendBufferBytes: () => config.limits.listener_send_buffer_bytes,
      });
    },
    http: streamHttp,
    onRejected: (code) => metrics.requestRejections.inc({ code }),
    log,
    clientOf: (peer, header) => proxies.clientOf(peer, header),
    isTrustedProxy: (peer) => proxies.trusts(peer),
  };
  const streamServer: net.Server = createStreamServer(streamServerDeps);

  // HTTPS/WSS on the web port ([web] tls_cert_file / tls_key_file): the same request routing as the
  // stream port over TLS (so an https studio page can also play the mounts from its own origin), with
  // the certificate reloaded on SIGHUP and when its files change, for new handshakes only.
  const tlsFilesOf = (c: Config): TlsFiles | null =>
    c.web.tls_cert_file && c.web.tls_key_file ? { certFile: c.web.tls_cert_file, keyFile: c.web.tls_key_file } : null;
  let tlsReloader: TlsReloader | null = null;
  let webServer: net.Server = webHttp;

  // One timer releases paced audio and writes it to listeners. Its interval grows with the audience
  // so that writes per second stay within budget: each write coalesces more audio instead.
  let ticker: NodeJS.Timeout | null = null;
  const tickIntervalMs = () => {
    const l = config.limits;
    const wanted = (registry.listenerCount * 1000) / l.listener_writes_per_second;
    return Math.round(Math.min(Math.max(wanted, l.flush_interval_ms), Math.max(l.flush_interval_max_ms, l.flush_interval_ms)));
  };
  const startTicker = () => {
    if (ticker) clearTimeout(ticker);
    const loop = () => {
      registry.tick(Date.now());
      ticker = setTimeout(loop, tickIntervalMs());
    };
    ticker = setTimeout(loop, tickIntervalMs());
  };

  const listen = (server: net.Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: a burst of listeners is admitted, not refused (the kernel caps it at somaxconn).
      server.listen({ host: config.server.host, port, backlog: 65535 }, () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });

  const sameWebPort = () => config.server.web_port === config.server.stream_port && config.server.web_port !== 0;

  const capProblem = config.limits.listener_send_buffer_bytes > 0 ? sendBufferCapUnavailable() : null;
  if (capProblem) log.warn({ reason: capProblem }, 'listener send buffers cannot be capped; stuck listeners are found later');

  /**
   * The one way a running bridge takes new settings: a SIGHUP's file config, or the file config again
   * after the console changed a mount's settings. The console's mount settings go on top of the file
   * config; what can fail (a push's password_file, a corrupt djs.json) is read first, so a failed
   * apply changes nothing. Nobody connected is dropped (registry.applyMounts keeps every listener).
   */
  const applyConfig = (newFileConfig: Config, newCredentials: Credentials, reason: 'SIGHUP' | 'console') => {
    const newConfig = effectiveConfig(newFileConfig);
    const pushPlan = planPushes(newConfig.mounts, configDir(newConfig));
    const ladderPlan = planLadders(newConfig.mounts);
    // From critical health on, a reload that would start a ladder is refused (SERVER_OVERLOADED), changing nothing.
    for (const path of ladders.newIn(ladderPlan)) health.refuseNewWork(`a new ladder on ${path}`);
    const relayPlan = planRelays(newConfig.mounts, configDir(newConfig));
    const stationBootstrap = planStationBootstrap(newConfig, newCredentials);
    fileConfig = newFileConfig;
    config = newConfig;
    credentials = newCredentials;
    throttle.maxPerMinute = config.limits.auth_failures_per_minute;
    proxies = new TrustedProxies(config.web.trusted_proxies);
    const tlsFiles = tlsFilesOf(config);
    if (tlsReloader && tlsFiles) tlsReloader.reload('SIGHUP', tlsFiles);
    else if (!!tlsReloader !== !!tlsFiles) log.warn({}, 'turning HTTPS on or off on the web port needs a restart; the web port keeps its current scheme');
    registry.limits = registryLimits(config);
    registry.applyMounts(config.mounts);
    // Listeners on a fallback hear the one chosen now (a changed file, a replaced upload).
    registry.refeed();
    sourceRecorders.sync(registry.all());
    pushes.apply(pushPlan);
    ladders.apply(ladderPlan);
    relays.apply(relayPlan);
    stationBootstrap();
    preloadFallbacks();
    deadMansSwitch.setSchedule(schedule.entries());
    health.thresholds = healthThresholds(config);
    log.info({ mounts: config.mounts.map((m) => m.path), reason }, 'configuration reloaded');
  };

  return {
    registry,
    metrics,
    recorder,
    async start() {
      // Before anyone can connect: sessions a previous run left resumable come back (their shows are
      // continued, so the recovery below leaves them alone), so a studio's resume finds them.
      await studioWs.restoreSessions();
      // A push's password_file that cannot be read stops the start here (CONFIG_INVALID names it).
      pushes.apply(planPushes(config.mounts, configDir(config)));
      // A relay's password_file that cannot be read, or an on-demand relay without fallback, stops the start here.
      const relayPlan = planRelays(config.mounts, configDir(config));
      streamPort = await listen(streamServer, config.server.stream_port);
      let webPort = streamPort;
      const tlsFiles = tlsFilesOf(config);
      if (tlsFiles) {
        const secure = new TlsReloader({ files: tlsFiles, apply: (pair) => (webServer as tls.Server).setSecureContext({ cert: pair.cert, key: pair.key }), log });
        const pair = secure.load(); // a bad pair stops the start here (TLS_FILES_INVALID names the file)
        tlsReloader = secure;
        webServer = createStreamServer({ ...streamServerDeps, http: webHttp, tls: { cert: pair.cert, key: pair.key } });
      }
      if (!sameWebPort()) webPort = await listen(webServer, config.server.web_port);
      tlsReloader?.watch();
      startTicker();
      sampleHealth(); // memory now; the event-loop histogram starts here and its first window is measured 2 s later
      healthTimer = setInterval(() => {
        sampleHealth();
        releaseStaleFeeds();
      }, 2000);
      healthTimer.unref();
      relays.apply(relayPlan);
      // Listeners per mount, one sample a minute for the console's 24 h graph; titles for recent tracks.
      // (AIRCHECK_TEST_HISTORY_SAMPLE_MS, only with NODE_ENV=test: more often, so an integration test sees a sample.)
      const historySampleMs = Math.max(100, config.testFaults?.historySampleMs ?? LISTENER_SAMPLE_INTERVAL_MS);
      historyTimer = setInterval(() => station.history.sample(Date.now(), liveView.counts()), historySampleMs);
      historyTimer.unref();
      titleTimer = setInterval(() => liveView.watchTitles(), 1000);
      titleTimer.unref();
      deadMansSwitch.start(config.alerts.check_interval_seconds * 1000);
      log.info({ store: storeHandle.describe }, 'recordings are stored and verified here');
      // Stale multipart uploads are aborted, then shows a crash left in the spool are finalized, in the
      // background; the server is up meanwhile.
      storeHandle
        .start()
        .then(() => recorder.recover()).catch((err: unknown) => {
          const code: ErrorCode = isAircheckError(err) ? err.code : 'REC_FINALIZE_FAILED';
          log.error({ code, err: (err as Error).message }, 'recording recovery failed; it runs again at the next start');
          metrics.recordingErrors.inc({ code });
        });
      const streamUrls = servedUrls(config.server.host, streamPort);
      const webUrls = servedUrls(config.server.host, webPort).map((u) => (tlsReloader ? u.replace(/^http:/, 'https:') : u));
      return { streamUrl: streamUrls[0]!, webUrl: webUrls[0]!, streamUrls, webUrls, host: config.server.host };
    },
    reload(newConfig, newCredentials) {
      applyConfig(newConfig, newCredentials, 'SIGHUP');
    },
    async stop(graceMs = 5000) {
      const closed = Promise.all([
        new Promise<void>((r) => streamServer.close(() => r())),
        sameWebPort() ? Promise.resolve() : new Promise<void>((r) => webServer.close(() => r())),
      ]);
      tlsReloader?.close();
      // Studio shows are suspended, not ended: the restarted bridge resumes them (PROTOCOL.md §7.5).
      const suspended = studioWs.closeAll();
      // Source clients' shows end here and are finalized (a restart starts a new show for them).
      sourceRecorders.closeAll('the bridge stopped');
      recorder.close();
      deadMansSwitch.close();
      if (healthTimer) clearInterval(healthTimer);
      if (historyTimer) clearInterval(historyTimer);
      if (titleTimer) clearInterval(titleTimer);
      events.close();
      pushes.close();
      ladders.close();
      relays.close();
      // Play out what was already released, then end every connection.
      registry.tick(Date.now());
      registry.closeAll();
      if (ticker) clearTimeout(ticker);
      streamHttp.closeAllConnections();
      webHttp.closeAllConnections();
      // Work under way finishes before the process exits (recovery finishes the rest).
      await Promise.race([Promise.all([closed, suspended, recorder.idle()]), new Promise((r) => setTimeout(r, graceMs).unref())]);
      storeHandle.close();
      stationDb.close();
    },
  };
}

function healthThresholds(config: Config): HealthThresholds {
  return { cpuPercent: config.health.cpu_percent, memoryPercent: config.health.memory_percent, eventLoopP99Ms: config.health.event_loop_p99_ms };
}

function registryLimits(config: Config) {
  return {
    maxListeners: config.limits.max_listeners,
    maxSources: config.limits.max_sources,
    listenerQueueSeconds: config.limits.listener_queue_seconds,
    maxDynamicMounts: config.dynamic_mounts.max,
  };
}
