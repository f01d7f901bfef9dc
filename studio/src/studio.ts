// The studio's composition root: creates the session client, the audio engine, the encoder and the
// uplink, wires them (engine.masterOutput → encoder → uplink), and holds what the elements render.
// Elements call its methods and re-render on subscribe(); they own no timers, nodes or sockets.

import { ignoreCleanupError } from '../../shared/src/errors.ts';
import { STUDIO_WS_PATH } from '../../shared/src/protocol/messages.ts';
import type { CodecConfig, ControlAction, RecordingMessage } from '../../shared/src/protocol/messages.ts';
import { AudioEngine, type CartPlayback } from './audio/audio-engine.ts';
import { CartStore, type StoredCart } from './carts/cart-store.ts';
import { cartKeyAction, remainingS, type KeyTarget } from './carts/cart-keys.ts';
import { DEFAULT_TALKOVER_DEPTH_DB, clampFaderDb } from './audio/mixer-model.ts';
import type { ChannelSettings, InputMode, MasterSettings } from './audio/mixer-model.ts';
import type { MeterReading } from './audio/meter-math.ts';
import { DEFAULT_BITRATE_KBPS, EncoderService } from './encode/encoder-service.ts';
import { SessionClient, SessionError } from './session/session-client.ts';
import type { SessionInfo } from './session/session-client.ts';
import { UplinkClient, UplinkRequestError } from './uplink/uplink-client.ts';
import { StudioStore, seqAfterAbsence, type SavedShow } from './persist/studio-store.ts';
import { AirMonitor, type MonitorSource } from './monitor/air-monitor.ts';
import { airState, type AirState } from './elements/air-state.ts';
import { insecurePageSentence } from './insecure-context.ts';
import type { UplinkHealth, UplinkState } from './uplink/uplink-client.ts';

const SHOW_SETTINGS_KEY = 'aircheck.studio.show-settings';

/** The show settings kept in this browser (a name survives a reload and the next show). */
function loadShowSettings(): { name: string; description: string; mp3BitrateKbps: number | null } {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(SHOW_SETTINGS_KEY) ?? 'null') as Record<string, unknown> | null;
    if (saved && typeof saved.name === 'string' && typeof saved.description === 'string') {
      return { name: saved.name, description: saved.description, mp3BitrateKbps: typeof saved.mp3BitrateKbps === 'number' ? saved.mp3BitrateKbps : null };
    }
  } catch {
    // unreadable: start empty
  }
  return { name: '', description: '', mp3BitrateKbps: null };
}

/** What the on-air panel shows: a transition is pending until the bridge confirms it. */
export type ShowPhase = 'off' | 'connecting' | 'test' | 'live' | 'ending';

export interface Cart {
  id: string;
  name: string;
  durationS: number;
  playing: boolean;
  /** Plays again from the start at its end until stopped. */
  loop: boolean;
}

export interface InputDevice {
  deviceId: string;
  label: string;
}

/** The one sentence shown when the bridge no longer accepts the DJ's sign-in (4001), with one button. */
export const SESSION_GONE_SENTENCE = 'You have been signed out, so your show is waiting on the bridge: sign in again to continue the same show.';
/** How often the show's numbering is saved for a reload (a crash loses at most this much of the count). */
const SHOW_SAVE_EVERY_MS = 500;
/** After a reload the AudioContext may wait for a gesture (PROTOCOL.md §7.6); this long, then the DJ is asked to click. */
const AUDIO_START_WAIT_MS = 1500;
export const AUDIO_BLOCKED_SENTENCE = 'Click anywhere on the page to restart the studio\'s audio: the browser holds it after a reload until you do.';

export class Studio {
  readonly sessionClient: SessionClient;
  user: { name: string; token: string } | null = null;
  sessionInfo: SessionInfo | null = null;
  signInError = '';
  busy = '';
  /** Errors and notices for the DJ (role=alert / status in the UI). */
  message = '';
  engine: AudioEngine | null = null;
  channels: ChannelSettings[] = [];
  master: MasterSettings = { gainDb: 0, talkover: false, talkoverDepthDb: DEFAULT_TALKOVER_DEPTH_DB, cueGainDb: 0 };
  devices: InputDevice[] = [];
  carts: Cart[] = [];
  bitrateKbps = DEFAULT_BITRATE_KBPS;
  /** The transition waiting for the bridge's confirmation, if any. */
  pending: ControlAction | 'connect' | null = null;
  nowPlaying = { artist: '', title: '', confirmed: false };
  uplink: UplinkClient | null = null;
  encoder: EncoderService | null = null;
  /** The one sentence for a DJ whose sign-in the bridge no longer accepts (the show waits); '' when none. */
  sessionGone = '';
  /** The browser holds the audio until a click (no gesture after a reload): the DJ is asked to click. */
  audioBlocked = false;
  readonly store: StudioStore;
  #showSavedAtMs = 0;
  #codec: CodecConfig | null = null;
  #unloadGuard: ((e: BeforeUnloadEvent) => void) | null = null;
  /** The off-air monitor (/live, or /test while previewing): one request per play. */
  readonly monitor: AirMonitor;
  /** When Connect was pressed and when the show ended (performance.now()), for the show timer. */
  #connectedAtMs: number | null = null;
  #endedAtMs: number | null = null;
  #listeners = new Set<() => void>();
  #cartBuffers = new Map<string, AudioBuffer>();
  #cartPlaybacks = new Map<string, CartPlayback>();
  /** Cart files kept in IndexedDB (studio/src/carts/cart-store.ts); null where the browser has none. */
  readonly #cartStore = CartStore.available ? new CartStore() : null;
  #cartKeysInstalled = false;
  /** Talkover as it was before the talkover key was pressed (restored at keyup). */
  #talkoverBeforeKey: boolean | null = null;
  /** The show's name, description and MP3 bitrate (null: the station's default); confirmed by the bridge. */
  showSettings: { name: string; description: string; mp3BitrateKbps: number | null; confirmed: boolean } = { ...loadShowSettings(), confirmed: false };
  /** Why the bridge refused the last show settings (e.g. a bitrate change while on air). */
  showError = '';
  /** The last cart that could not be loaded or kept ("Could not load …"); cleared by the next load that works, or dismissed. */
  cartError = '';
  #nextId = 1;
  #notifyQueued = false;

  constructor(sessionClient = new SessionClient(), store = new StudioStore(localStorage)) {
    this.sessionClient = sessionClient;
    this.store = store;
    // A reload or a closed tab: the numbering as it stands now (the periodic save may be 0.5 s old).
    addEventListener('pagehide', () => this.#saveShow(true));
    this.monitor = new AirMonitor({ media: document.createElement('audio'), onChange: () => this.#changed() });
    // The monitor follows the show (/test → /live on Go live); the same source is a no-op.
    this.subscribe(() => this.monitor.follow(this.monitorSource));
    // An http:// page that is not localhost gets no microphone: say why and what to do, from the start.
    this.message = this.#insecurePage() ?? this.message;
  }

  #insecurePage(): string | null {
    return insecurePageSentence({ isSecureContext: window.isSecureContext, hasMediaDevices: navigator.mediaDevices !== undefined, href: location.href });
  }

  // ---- on-air feedback (the sticky header) ----------------------------------------------------

  get airState(): AirState {
    const u = this.uplink;
    return airState({ signedIn: this.user !== null, uplinkStatus: u?.status ?? null, target: u?.state.target ?? 'none', onAir: u?.state.onAir ?? false, connecting: this.pending === 'connect' });
  }

  /** The show timer: since the bridge says the show began (kept across reconnects), else since Connect. */
  get showElapsedMs(): number | null {
    const state = this.airState;
    if (state === 'signed-out' || state === 'off-air' || state === 'failed') return null;
    const startedAtMs = this.uplink?.audience?.showStartedAtMs ?? this.#connectedAtMs;
    if (startedAtMs === null) return null;
    return (state === 'ended' && this.#endedAtMs !== null ? this.#endedAtMs : performance.now()) - startedAtMs;
  }

  /** Listeners of the show's mounts now (PROTOCOL.md §4.12), or null when unknown. */
  get listenerCount(): number | null {
    // Only while connected: a count from before a cut is not "now".
    if (this.uplink?.status !== 'connected') return null;
    return this.uplink.audience?.listeners ?? null;
  }

  /** What the monitor plays: /test while previewing, else /live (re-opened once when the show goes live). */
  get monitorSource(): MonitorSource | null {
    const info = this.sessionInfo;
    if (!info || !this.user) return null;
    if (this.phase === 'test') return { key: '/test', url: info.previewUrl, mount: '/test', label: 'Preview of /test' };
    return { key: this.phase === 'live' ? '/live:show' : '/live', url: info.liveUrl, mount: '/live', label: 'Air monitor of /live' };
  }

  dismissMessage(): void {
    this.message = '';
    this.#changed();
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  // ---- sign-in -------------------------------------------------------------------------------

  /**
   * A reload, a crashed tab or a reopened browser: signs the DJ in again with the kept token and
   * resumes the kept show (PROTOCOL.md §7.6). A token the bridge no longer accepts: the one sentence
   * and the sign-in form; the show resumes after signing in.
   */
  async restore(): Promise<void> {
    const saved = this.store.login();
    const show = this.store.show();
    if (!saved) {
      if (show) this.sessionGone = SESSION_GONE_SENTENCE;
      this.#changed();
      return;
    }
    try {
      // A bridge that is restarting as the page reloads: tried again every 2 s for the resumable time.
      for (let attempt = 1; ; attempt++) {
        try {
          this.sessionInfo = await this.sessionClient.session(saved.token);
          break;
        } catch (err) {
          if (!(err instanceof SessionError && err.code === 'STUDIO_BRIDGE_UNREACHABLE') || attempt >= 90) throw err;
          this.signInError = `${err.message} (trying again)`;
          this.#changed();
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      this.signInError = '';
    } catch (err) {
      if (err instanceof SessionError && err.code === 'DJ_LOGIN_FAILED') {
        this.store.clearLogin();
        if (show) this.sessionGone = SESSION_GONE_SENTENCE;
      } else {
        this.signInError = this.#explain(err);
      }
      this.user = null;
      this.#changed();
      return;
    }
    this.user = { name: saved.name, token: saved.token };
    this.#changed();
    await this.#startAudio();
    if (show) await this.connect(show);
    this.#changed();
  }

  async signIn(name: string, password: string): Promise<void> {
    this.signInError = '';
    this.busy = 'Signing in…';
    this.#changed();
    try {
      const signed = await this.sessionClient.login(name, password);
      this.user = { name: signed.name, token: signed.token };
      this.store.saveLogin(this.user);
      this.sessionInfo = await this.sessionClient.session(signed.token);
      this.sessionGone = '';
      await this.#startAudio();
      // Signed in again after the bridge refused the old token: the same show continues.
      if (this.uplink?.status === 'failed' && this.#codec) {
        this.uplink.connect(this.#codec);
      } else if (!this.uplink) {
        const show = this.store.show();
        if (show) void this.connect(show);
      }
    } catch (err) {
      this.signInError = err instanceof SessionError ? err.message : `sign-in failed: ${(err as Error).message}`;
    } finally {
      this.busy = '';
      this.#changed();
    }
  }

  async signOut(): Promise<void> {
    const token = this.user?.token;
    this.monitor.stop();
    this.uplink?.stop();
    await this.encoder?.stop();
    this.uplink = null;
    this.encoder = null;
    await this.engine?.close();
    this.engine = null;
    this.channels = [];
    this.carts = [];
    this.user = null;
    this.sessionInfo = null;
    this.pending = null;
    this.sessionGone = '';
    this.store.clearLogin();
    this.store.clearShow();
    this.#syncUnloadGuard();
    if (token) await this.sessionClient.logout(token).catch(ignoreCleanupError); // signed out here already; the token expires anyway
    this.#changed();
  }

  // ---- mixer -------------------------------------------------------------------------------

  async #startAudio(): Promise<void> {
    if (this.engine) return;
    const insecure = this.#insecurePage();
    if (insecure) {
      // Nothing audio works here (no microphone, AudioWorklet or WebCodecs): the reason, not a stack of errors.
      this.message = insecure;
      this.#changed();
      return;
    }
    this.engine = await AudioEngine.create();
    this.engine.subscribe(() => this.#changed());
    // Not awaited here: after a reload there is no gesture, and Chromium lets the context run only
    // once the microphone captures (measured: PROTOCOL.md §7.6); #startAudioContext() waits for it.
    const saved = this.store.mixer();
    if (saved) this.master = { ...this.master, ...saved.master, gainDb: clampFaderDb(saved.master.gainDb) };
    this.engine.applyMaster(this.master);
    const savedCarts = saved?.channels.find((c) => c.kind === 'carts');
    const carts: ChannelSettings = { id: 'carts', label: 'Carts', kind: 'carts', deviceId: '', mode: 'music', gainDb: clampFaderDb(savedCarts?.gainDb ?? 0), muted: savedCarts?.muted ?? false, cue: savedCarts?.cue ?? false };
    await this.engine.addChannel(carts, this.master);
    this.channels = [carts];
    this.#installCartKeys();
    void this.#restoreCarts();
    try {
      const inputs = saved ? saved.channels.filter((c) => c.kind === 'input') : [{ deviceId: '', mode: 'voice' as const, gainDb: 0, muted: false, cue: false }];
      for (const input of inputs) {
        // A device that is gone (unplugged since) falls back to the default input.
        await this.addInput(input.deviceId, input.mode, input).catch(() => this.addInput('', input.mode, input));
      }
      await this.refreshDevices();
    } catch (err) {
      this.message = `No microphone: ${(err as Error).message}. Allow microphone access and add an input.`;
    }
    await this.#startAudioContext();
  }

  /**
   * Lets the AudioContext run. Without a user gesture (after a reload) the browser may hold it: then
   * the DJ is asked to click, and the first click or key anywhere starts the audio.
   */
  async #startAudioContext(): Promise<void> {
    const engine = this.engine;
    if (!engine || engine.context.state === 'running') return;
    const running = await Promise.race([engine.resume().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), AUDIO_START_WAIT_MS))]);
    if (running || (engine.context.state as AudioContextState) === 'running') return;
    this.audioBlocked = true;
    this.message = AUDIO_BLOCKED_SENTENCE;
    this.#changed();
    const onGesture = () => {
      void engine.resume().then(() => {
        this.audioBlocked = false;
        if (this.message === AUDIO_BLOCKED_SENTENCE) this.message = '';
        removeEventListener('pointerdown', onGesture, true);
        removeEventListener('keydown', onGesture, true);
        this.#changed();
      });
    };
    addEventListener('pointerdown', onGesture, true);
    addEventListener('keydown', onGesture, true);
  }

  async refreshDevices(): Promise<void> {
    const all = await navigator.mediaDevices.enumerateDevices();
    this.devices = all.filter((d) => d.kind === 'audioinput')
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Input ${i + 1}` }));
    this.#changed();
  }

  level(id: string): MeterReading {
    return this.engine?.level(id) ?? { peakDb: -60, rmsDb: -60 };
  }

  get limiterReductionDb(): number {
    return this.engine?.limiterReductionDb ?? 0;
  }

  /** restored: fader, mute and cue kept from before a reload (localStorage). */
  async addInput(deviceId: string, mode: InputMode, restored?: Pick<ChannelSettings, 'gainDb' | 'muted' | 'cue'> & { label?: string }): Promise<void> {
    if (!this.engine) return;
    const n = this.channels.filter((c) => c.kind === 'input').length + 1;
    const settings: ChannelSettings = {
      id: `in-${this.#nextId++}`,
      label: restored?.label ?? `${mode === 'voice' ? 'Mic' : 'Line'} ${n}`,
      kind: 'input', deviceId, mode, gainDb: clampFaderDb(restored?.gainDb ?? 0), muted: restored?.muted ?? false, cue: restored?.cue ?? false,
    };
    await this.engine.addChannel(settings, this.master);
    this.channels = [...this.channels.filter((c) => c.kind === 'input'), settings, ...this.channels.filter((c) => c.kind === 'carts')];
    this.#saveMixer();
    this.#changed();
  }

  removeInput(id: string): void {
    this.engine?.removeChannel(id);
    this.channels = this.channels.filter((c) => c.id !== id);
    this.#saveMixer();
    this.#changed();
  }

  updateChannel(id: string, change: Partial<Pick<ChannelSettings, 'gainDb' | 'muted' | 'cue'>>): void {
    this.channels = this.channels.map((c) => (c.id === id ? { ...c, ...change, gainDb: clampFaderDb(change.gainDb ?? c.gainDb) } : c));
    const ch = this.channels.find((c) => c.id === id);
    if (ch) this.engine?.apply(ch, this.master);
    this.#saveMixer();
    this.#changed();
  }

  async setMode(id: string, mode: InputMode): Promise<void> {
    const ch = this.channels.find((c) => c.id === id);
    if (!ch || !this.engine || ch.kind !== 'input') return;
    try {
      await this.engine.openCapture(id, ch.deviceId, mode);
      this.channels = this.channels.map((c) => (c.id === id ? { ...c, mode } : c));
      this.#applyAll();
      this.#saveMixer();
    } catch (err) {
      this.message = `Could not switch ${ch.label} to ${mode}: ${(err as Error).message}`;
    }
    this.#changed();
  }

  updateMaster(change: Partial<MasterSettings>): void {
    this.master = { ...this.master, ...change };
    this.master.gainDb = clampFaderDb(this.master.gainDb);
    this.engine?.applyMaster(this.master);
    this.#applyAll();
    this.#saveMixer();
    this.#changed();
  }

  // ---- show settings -----------------------------------------------------------------------

  /** The MP3 bitrates the DJ may choose (session API), the station's default first-class. */
  get mp3Bitrates(): { defaultKbps: number; allowedKbps: readonly number[] } {
    return { defaultKbps: this.sessionInfo?.mp3BitrateKbps ?? 128, allowedKbps: this.sessionInfo?.mp3BitratesKbps ?? [] };
  }

  /**
   * The show's name, description and MP3 bitrate (PROTOCOL.md §4.13): kept in this browser, sent now
   * when connected (else when connecting). The bitrate changes only off air (the bridge refuses it live).
   */
  async setShowSettings(change: { name: string; description: string; mp3BitrateKbps: number | null }): Promise<void> {
    this.showSettings = { ...change, confirmed: false };
    try {
      localStorage.setItem(SHOW_SETTINGS_KEY, JSON.stringify(change));
    } catch {
      // storage full or disabled: the settings apply to this visit only
    }
    this.#changed();
    const uplink = this.uplink;
    if (!uplink || this.phase === 'off') return;
    await this.#sendShow(uplink, true);
  }

  async #sendShow(uplink: UplinkClient, withBitrate: boolean): Promise<void> {
    const { name, description, mp3BitrateKbps } = this.showSettings;
    const allowed = this.mp3Bitrates.allowedKbps;
    const kbps = withBitrate && mp3BitrateKbps !== null && allowed.includes(mp3BitrateKbps) ? mp3BitrateKbps : undefined;
    try {
      await uplink.show(name, description, kbps);
      if (this.uplink === uplink) this.showSettings = { ...this.showSettings, confirmed: true };
    } catch (err) {
      this.showError = this.#explain(err);
    }
    this.#changed();
  }

  dismissShowError(): void {
    this.showError = '';
    this.#changed();
  }

  // ---- carts -------------------------------------------------------------------------------

  async addCarts(files: readonly File[]): Promise<void> {
    if (!this.engine) return;
    for (const file of files) {
      const id = `cart-${crypto.randomUUID()}`;
      const order = Math.max(-1, ...this.#cartOrder.values()) + 1;
      if (await this.#loadCart({ id, name: file.name.replace(/\.[^.]+$/, ''), loop: false, order, file })) {
        this.#cartStore?.put({ id, name: this.carts.at(-1)!.name, loop: false, order, file }).catch((err: Error) => {
          this.cartError = `Could not keep ${file.name} for the next visit (${err.message}): it plays until the page is reloaded.`;
          this.#changed();
        });
      }
    }
    this.#changed();
  }

  /** Decodes one cart onto the wall; false (and the cart error) when the browser cannot decode it. */
  async #loadCart(cart: StoredCart): Promise<boolean> {
    if (!this.engine) return false;
    try {
      const buffer = await this.engine.decodeFile(cart.file);
      this.#cartBuffers.set(cart.id, buffer);
      this.#cartOrder.set(cart.id, cart.order);
      this.carts = [...this.carts, { id: cart.id, name: cart.name, durationS: buffer.duration, playing: false, loop: cart.loop }];
      this.cartError = '';
      return true;
    } catch (err) {
      const name = cart.file instanceof File ? cart.file.name : cart.name;
      this.cartError = `Could not load ${name}: ${(err as Error).message || 'the browser cannot decode this file'}. Use a WAV, MP3, Ogg or FLAC file.`;
      return false;
    }
  }

  readonly #cartOrder = new Map<string, number>();

  /** The carts kept from earlier visits (IndexedDB), once the audio engine exists. */
  async #restoreCarts(): Promise<void> {
    if (!this.#cartStore || !this.engine) return;
    let stored: StoredCart[];
    try {
      stored = await this.#cartStore.list();
    } catch (err) {
      this.cartError = `Could not read the carts kept in this browser: ${(err as Error).message}`;
      this.#changed();
      return;
    }
    for (const cart of stored) if (!this.#cartBuffers.has(cart.id)) await this.#loadCart(cart);
    this.#changed();
  }

  dismissCartError(): void {
    this.cartError = '';
    this.#changed();
  }

  toggleCart(id: string): void {
    const playing = this.#cartPlaybacks.get(id);
    if (playing) {
      playing.stop();
      return;
    }
    const buffer = this.#cartBuffers.get(id);
    const cart = this.carts.find((c) => c.id === id);
    if (!buffer || !cart || !this.engine) return;
    const playback = this.engine.playBuffer('carts', buffer, () => {
      this.#cartPlaybacks.delete(id);
      this.carts = this.carts.map((c) => (c.id === id ? { ...c, playing: false } : c));
      this.#changed();
    }, cart.loop);
    this.#cartPlaybacks.set(id, playback);
    this.carts = this.carts.map((c) => (c.id === id ? { ...c, playing: true } : c));
    this.#changed();
  }

  /** Loop on or off; a playing cart follows at once (it finishes its pass when turned off). */
  setCartLoop(id: string, loop: boolean): void {
    this.carts = this.carts.map((c) => (c.id === id ? { ...c, loop } : c));
    this.#cartPlaybacks.get(id)?.setLoop(loop);
    this.#cartStore?.update(id, { loop }).catch(ignoreCleanupError); // the flag is on the wall now; only the next visit misses it
    this.#changed();
  }

  /** Seconds left of a playing cart (of this pass when it loops); its length when stopped. */
  cartRemainingS(id: string): number {
    const cart = this.carts.find((c) => c.id === id);
    if (!cart) return 0;
    const playback = this.#cartPlaybacks.get(id);
    if (!playback || !this.engine) return cart.durationS;
    const nowS = this.engine.context.currentTime;
    return remainingS(cart.durationS, playback.startedAtS, nowS, cart.loop || nowS - playback.startedAtS >= cart.durationS);
  }

  removeCart(id: string): void {
    this.#cartPlaybacks.get(id)?.stop();
    this.#cartBuffers.delete(id);
    this.#cartOrder.delete(id);
    this.carts = this.carts.filter((c) => c.id !== id);
    this.#cartStore?.delete(id).catch(ignoreCleanupError); // gone from the wall; at worst it comes back on the next visit
    this.#changed();
  }

  /** Keys 1–9 fire carts, holding T is talkover (studio/src/carts/cart-keys.ts); one window listener. */
  #installCartKeys(): void {
    if (this.#cartKeysInstalled || typeof addEventListener !== 'function') return;
    this.#cartKeysInstalled = true;
    const onKey = (e: KeyboardEvent) => {
      if (!this.engine) return;
      const action = cartKeyAction(e.type as 'keydown' | 'keyup', e, e.composedPath()[0] as KeyTarget | undefined);
      if (!action) return;
      if (action.kind === 'fire') {
        const cart = this.carts[action.index];
        if (!cart) return;
        e.preventDefault();
        this.toggleCart(cart.id);
      } else if (action.on) {
        e.preventDefault();
        this.#talkoverBeforeKey = this.master.talkover;
        this.updateMaster({ talkover: true });
      } else if (this.#talkoverBeforeKey !== null) {
        this.updateMaster({ talkover: this.#talkoverBeforeKey });
        this.#talkoverBeforeKey = null;
      }
    };
    addEventListener('keydown', onKey);
    addEventListener('keyup', onKey);
  }

  // ---- the show ----------------------------------------------------------------------------

  get uplinkState(): UplinkState {
    return this.uplink?.state ?? { target: 'none', onAir: false, mounts: [] };
  }

  get health(): UplinkHealth | null {
    return this.uplink?.health ?? null;
  }

  /** The bridge's last word on this show's recording (PROTOCOL.md §4.11), or null. */
  get recording(): RecordingMessage | null {
    return this.uplink?.recording ?? null;
  }

  /** PROTOCOL.md §4.14: after a cut, how much of the resent audio was skipped on air (the recording has it), or null. */
  get liveEdge(): { skippedMs: number; atMs: number } | null {
    return this.uplink?.liveEdge ?? null;
  }

  /** ON AIR: only from the bridge's last state, and only while the connection is up. */
  get onAir(): boolean {
    return this.uplink?.status === 'connected' && this.uplink.state.onAir;
  }

  get phase(): ShowPhase {
    const u = this.uplink;
    if (!u || u.status === 'idle' || u.status === 'ended' || u.status === 'failed') return 'off';
    if (u.status === 'ending') return 'ending';
    if (u.state.target === 'live') return 'live';
    if (u.state.target === 'test') return 'test';
    return 'connecting';
  }

  setBitrate(kbps: number): void {
    this.bitrateKbps = kbps;
    this.#changed();
  }

  /** Connect: start the encoder, open the uplink, and go to /test (the private preview). */
  /**
   * Connect: start the encoder, open the uplink, and go to /test. With `resume` (a show kept in
   * localStorage, after a reload or a crash) the same show continues where it is now instead: same
   * session, same target, the numbering moved on by the time the tab was away (PROTOCOL.md §7.6).
   */
  async connect(resume?: SavedShow): Promise<void> {
    if (!this.engine || !this.user || this.pending || (resume && this.uplink)) return;
    this.pending = 'connect';
    this.message = resume ? 'Resuming your show…' : '';
    this.#connectedAtMs = performance.now();
    this.#endedAtMs = null;
    this.#changed();
    try {
      await this.#startAudioContext();
      if (resume) this.bitrateKbps = resume.bitrateKbps;
      const user = this.user;
      const wsUrl = new URL(STUDIO_WS_PATH, location.href);
      wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
      const uplink = new UplinkClient({
        url: wsUrl.href,
        token: () => this.user?.token ?? user.token, // a new token after signing in again
        ...(resume ? { resumeShow: { sessionId: resume.sessionId, seqAtFirstFrame: () => seqAfterAbsence(resume, Date.now()) } } : {}),
        createSocket: (url) => new WebSocket(url) as unknown as import('./uplink/uplink-client.ts').UplinkSocket,
        log: (level, msg, data) => console[level === 'info' ? 'info' : level](`uplink: ${msg}`, data ?? {}),
      });
      uplink.subscribe(() => this.#uplinkChanged(uplink));
      const encoder = new EncoderService({
        master: this.engine.masterOutput,
        bitrateKbps: this.bitrateKbps,
        onPacket: (p) => uplink.pushAudio(p),
        onError: (err) => {
          this.message = `The encoder stopped: ${err.message}`;
          this.#changed();
        },
      });
      this.uplink = uplink;
      this.encoder = encoder;
      encoder.start();
      this.#codec = await encoder.codec;
      uplink.connect(this.#codec);
      // The show's name and bitrate go before the first transition, so /test and /test.mp3 open with
      // them; a resumed show may be on air, where the bitrate cannot change: name and description only.
      this.showError = '';
      void this.#sendShow(uplink, !resume);
      if (resume) await this.#resumed(uplink);
      if (!resume || uplink.resumed === false) {
        this.pending = 'test';
        await uplink.control('test');
      }
      if (this.nowPlaying.artist || this.nowPlaying.title) void this.setNowPlaying(this.nowPlaying.artist, this.nowPlaying.title);
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  goLive(): Promise<void> {
    return this.#transition('live');
  }

  backToTest(): Promise<void> {
    return this.#transition('test');
  }

  async endShow(): Promise<void> {
    if (!this.uplink || this.pending) return;
    this.pending = 'end';
    this.#changed();
    try {
      await this.uplink.end();
      this.store.clearShow(); // over: a reload now starts fresh
      this.#syncUnloadGuard();
      await this.encoder?.stop();
      this.encoder = null;
      this.#endedAtMs = performance.now();
      this.message = 'The show has ended.';
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  async setNowPlaying(artist: string, title: string): Promise<void> {
    this.nowPlaying = { artist, title, confirmed: false };
    this.#changed();
    if (!this.uplink || this.phase === 'off') return; // sent after connecting
    try {
      await this.uplink.metadata(artist, title);
      this.nowPlaying = { artist, title, confirmed: true };
      this.message = ''; // a success clears the last error
    } catch (err) {
      this.message = this.#explain(err);
    }
    this.#changed();
  }

  async #transition(action: 'live' | 'test'): Promise<void> {
    if (!this.uplink || this.pending) return;
    this.pending = action;
    this.message = '';
    this.#changed();
    try {
      await this.uplink.control(action);
    } catch (err) {
      this.message = this.#explain(err);
    } finally {
      this.pending = null;
      this.#changed();
    }
  }

  // ---- resume (PROTOCOL.md §7.6) --------------------------------------------------------------

  /** Resolves once the resumed uplink is welcomed (or fails: then the sentence or the error shows). */
  #resumed(uplink: UplinkClient): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (uplink.resumed === null && uplink.status !== 'failed' && uplink.status !== 'ended') return;
        off();
        if (uplink.resumed === false) {
          this.message = 'The bridge no longer had your show (the studio was away too long), so this is a new show on /test: press Go live to go back on air.';
        } else if (uplink.resumed) {
          this.message = '';
        }
        resolve();
      };
      const off = uplink.subscribe(check);
      check();
    });
  }

  /** Every change of the uplink: the kept show, the leave warning, the sentence after a refused token. */
  #uplinkChanged(uplink: UplinkClient): void {
    if (uplink === this.uplink) {
      if (uplink.status === 'failed' && isAuthRefused(uplink.health.error) && this.user) {
        // The bridge no longer accepts the token (expired, signed out elsewhere): the show waits on
        // the bridge, the encoder keeps buffering, and signing in again continues it (signIn()).
        this.sessionGone = SESSION_GONE_SENTENCE;
        this.user = null;
        this.store.clearLogin();
      }
      if (uplink.status === 'ended') this.store.clearShow();
      else this.#saveShow(false);
      this.#syncUnloadGuard();
    }
    this.#changed();
  }

  /** Keeps where the show's numbering stands (at most every SHOW_SAVE_EVERY_MS, or now). */
  #saveShow(now: boolean): void {
    const u = this.uplink;
    if (!u || u.sessionId === null || u.status === 'ended' || u.status === 'idle') return;
    // A resumed show before its first frame has no numbering yet: the kept one stays.
    if (u.buffer.nextSeq === 0) return;
    // Taken over by another tab (4008), or refused for good: that tab keeps the show now.
    if (u.status === 'failed' && !isAuthRefused(u.health.error)) return;
    const nowMs = Date.now();
    if (!now && nowMs - this.#showSavedAtMs < SHOW_SAVE_EVERY_MS) return;
    this.#showSavedAtMs = nowMs;
    this.store.saveShow({
      sessionId: u.sessionId, target: u.state.target, bitrateKbps: this.bitrateKbps,
      nextSeq: u.buffer.nextSeq, savedAtMs: nowMs, frameDurationMs: 20,
    });
  }

  /** The browser asks before leaving while a show is connected (or reconnecting); not off air. */
  #syncUnloadGuard(): void {
    const s = this.uplink?.status;
    const connected = s === 'connecting' || s === 'connected' || s === 'reconnecting' || s === 'ending';
    if (connected && !this.#unloadGuard) {
      this.#unloadGuard = (e: BeforeUnloadEvent) => {
        e.preventDefault();
        e.returnValue = ''; // older Chromium shows the dialog only with returnValue set
      };
      addEventListener('beforeunload', this.#unloadGuard);
    } else if (!connected && this.#unloadGuard) {
      removeEventListener('beforeunload', this.#unloadGuard);
      this.#unloadGuard = null;
    }
  }

  #saveMixer(): void {
    if (this.engine) this.store.saveMixer(this.channels, this.master);
  }

  #explain(err: unknown): string {
    if (err instanceof UplinkRequestError) return `${err.message} (${err.code})`;
    return (err as Error).message ?? String(err);
  }

  #applyAll(): void {
    for (const ch of this.channels) this.engine?.apply(ch, this.master);
  }

  /** Batches notifications to one per microtask (meters fire often). */
  #changed(): void {
    if (this.#notifyQueued) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const fn of this.#listeners) fn();
    });
  }
}

/** The bridge refused the token (close 4001, STUDIO_AUTH_FAILED): signing in again continues the show. */
function isAuthRefused(error: UplinkHealth['error']): boolean {
  return error?.closeCode === 4001 || error?.code === 'STUDIO_AUTH_FAILED';
}
