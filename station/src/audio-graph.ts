// The page's one AudioContext, for the visualizer only: a playing <audio> element is routed through
// an AnalyserNode to the speakers when its mount's page shows the bars. The context is created or
// resumed inside a click (browsers start audio only on a gesture); an element routed through a
// suspended context would fall silent, so an element is connected only while the context runs.

export class AudioGraph {
  #context: AudioContext | null = null;
  #analysers = new WeakMap<HTMLMediaElement, AnalyserNode>();

  /** Call from a click or key handler: creates the context, or resumes it. */
  unlock(): void {
    try {
      this.#context ??= new AudioContext();
    } catch {
      return; // no Web Audio here: the player plays, the visualizer stays empty
    }
    if (this.#context.state === 'suspended') void this.#context.resume().catch(() => undefined); // a later click tries again
  }

  get running(): boolean {
    return this.#context?.state === 'running';
  }

  /**
   * The element's analyser, connecting it on first use (for good: a media element cannot leave its
   * source node). Null while the context does not run or when the browser refuses the element.
   */
  analyserFor(audio: HTMLMediaElement): AnalyserNode | null {
    const existing = this.#analysers.get(audio);
    if (existing) return existing;
    const context = this.#context;
    if (!context || context.state !== 'running') return null;
    try {
      const source = context.createMediaElementSource(audio);
      const analyser = context.createAnalyser();
      analyser.fftSize = 512; // 94 Hz bins at 48 kHz: the bass gets bars of its own
      analyser.smoothingTimeConstant = 0.75;
      source.connect(analyser);
      analyser.connect(context.destination);
      this.#analysers.set(audio, analyser);
      return analyser;
    } catch {
      return null; // e.g. already connected elsewhere: the player keeps playing, without bars
    }
  }
}
