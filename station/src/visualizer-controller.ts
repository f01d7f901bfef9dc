// Draws a playing mount's spectrum as bars on a canvas, once per animation frame, from the
// AnalyserNode the AudioGraph gives for the player's <audio>. A Lit controller: it owns the frame
// loop, the element only renders the canvas. Pure barHeights() maps the spectrum to bars.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { AudioGraph } from './audio-graph.ts';
import type { MountPlayer } from './mount-player.ts';

export const BAR_COUNT = 32;

/**
 * Bar heights 0..1 from byte frequency data (0..255 per bin): bins grouped on a rising scale, as
 * ears hear, so the low end does not take half the bars; the top quarter of the bins (mostly
 * empty above 16 kHz) is left out.
 */
export function barHeights(bins: ArrayLike<number>, bars = BAR_COUNT): number[] {
  const usable = Math.max(bars, Math.floor(bins.length * 0.75));
  const heights: number[] = [];
  for (let i = 0; i < bars; i++) {
    const from = Math.floor(usable * (i / bars) ** 1.6);
    const to = Math.max(from + 1, Math.floor(usable * ((i + 1) / bars) ** 1.6));
    let peak = 0;
    for (let b = from; b < to && b < bins.length; b++) peak = Math.max(peak, bins[b]!);
    heights.push(peak / 255);
  }
  return heights;
}

export class VisualizerController implements ReactiveController {
  #host: ReactiveControllerHost;
  #canvas: () => HTMLCanvasElement | null;
  #player: () => MountPlayer | null;
  #graph: () => AudioGraph | null;
  #frame: number | null = null;
  #bins: Uint8Array<ArrayBuffer> | null = null;
  /** True once bars with sound were drawn (the element says "waiting for sound" until then). */
  drawing = false;

  constructor(host: ReactiveControllerHost, parts: { canvas: () => HTMLCanvasElement | null; player: () => MountPlayer | null; graph: () => AudioGraph | null }) {
    this.#host = host;
    this.#canvas = parts.canvas;
    this.#player = parts.player;
    this.#graph = parts.graph;
    host.addController(this);
  }

  hostConnected(): void {
    this.#frame ??= requestAnimationFrame(this.#draw);
  }

  hostDisconnected(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    this.#frame = null;
  }

  #draw = (): void => {
    this.#frame = requestAnimationFrame(this.#draw);
    const canvas = this.#canvas();
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    // The canvas's backing store follows its CSS size and the screen's pixel ratio.
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.clearRect(0, 0, width, height);
    const player = this.#player();
    const analyser = player?.state === 'playing' || player?.state === 'buffering' ? this.#graph()?.analyserFor(player.audio) : null;
    let heights: number[];
    if (analyser) {
      if (this.#bins?.length !== analyser.frequencyBinCount) this.#bins = new Uint8Array(analyser.frequencyBinCount);
      analyser.getByteFrequencyData(this.#bins);
      heights = barHeights(this.#bins);
    } else heights = new Array<number>(BAR_COUNT).fill(0);
    const sounding = heights.some((h) => h > 0.02);
    if (sounding !== this.drawing) {
      this.drawing = sounding;
      this.#host.requestUpdate();
    }
    const style = getComputedStyle(canvas);
    const barColor = style.getPropertyValue('--ac-accent').trim() || '#3b6fd1';
    const peakColor = style.getPropertyValue('--ac-focus').trim() || '#7aa7ff';
    const gap = Math.max(1, Math.round(width / BAR_COUNT / 5));
    const barWidth = (width - gap * (BAR_COUNT - 1)) / BAR_COUNT;
    const gradient = ctx.createLinearGradient(0, height, 0, 0);
    gradient.addColorStop(0, barColor);
    gradient.addColorStop(1, peakColor);
    ctx.fillStyle = gradient;
    heights.forEach((h, i) => {
      if (h <= 0) return;
      const barHeight = Math.max(2 * ratio, h * height);
      ctx.fillRect(i * (barWidth + gap), height - barHeight, barWidth, barHeight);
    });
  };
}
