// Chooses a ladder's encoder at start and reload, by measurement (README "Transcoded ladders"): a
// system ffmpeg when it runs and has every rung's encoder (≈ 1.9× cheaper than WebAssembly, and
// the only AAC encoder), else the WebAssembly worker (no system package; MP3 rungs). A rung no
// available engine can encode is refused with LADDER_CODEC_UNAVAILABLE naming what is missing.
import { AircheckError } from '../../../shared/src/errors.ts';
import type { MountConfig, RungConfig } from '../../../config/src/config-schema.ts';
import { FFMPEG_ENCODERS, FfmpegLadder, FfmpegStarter, ffmpegEncoders } from './ffmpeg-ladder.ts';
import type { CreateEncoder } from './ladder.ts';
import { WASM_CODECS, WASM_MP3_BITRATES, WasmLadder, prewarmWasmLadder } from './wasm-ladder.ts';

export interface EncoderChoice {
  engineName: 'ffmpeg' | 'wasm';
  createEncoder: CreateEncoder;
  /** Gets the engine ready before the first encoder (a worker thread started ahead), when it has a start-up to hide. */
  prewarm?: () => void;
  /** Ends what the choice keeps ready (a spare ffmpeg process) once its ladder stops. */
  dispose?: () => void;
}

/** What the machine has, probed once (tests pass their own). */
export interface EngineProbe {
  /** The encoders of the system ffmpeg (FFMPEG_ENCODERS names), null when none runs. */
  ffmpegEncoders(): ReadonlySet<string> | null;
  ffmpegPath: string;
}

export const SYSTEM_PROBE: EngineProbe = { ffmpegEncoders: () => ffmpegEncoders('ffmpeg'), ffmpegPath: 'ffmpeg' };

/** A rung the WebAssembly encoder cannot make, with why; null when it can. */
function wasmProblem(r: RungConfig): string | null {
  if (!WASM_CODECS.has(r.codec)) return `WebAssembly encodes ${[...WASM_CODECS].join(', ')} only`;
  if (!WASM_MP3_BITRATES.has(r.bitrate_kbps)) return `WebAssembly's LAME has no ${r.bitrate_kbps} kbps CBR (use ${[...WASM_MP3_BITRATES].join(', ')})`;
  return null;
}

function missingInFfmpeg(rungs: readonly RungConfig[], encoders: ReadonlySet<string> | null): RungConfig[] {
  return rungs.filter((r) => !encoders?.has(FFMPEG_ENCODERS[r.codec]));
}

/** The encoder for `mount`'s ladder; throws LADDER_CODEC_UNAVAILABLE (naming rung, codec, what is missing, how to get it). */
export function chooseEncoder(mount: MountConfig, probe: EngineProbe = SYSTEM_PROBE): EncoderChoice {
  const rungs = mount.ladder;
  const where = (r: RungConfig) => `mounts "${mount.path}" ladder rung "${r.path}" (codec = "${r.codec}")`;
  const ffmpeg = (): EncoderChoice => {
    const starter = new FfmpegStarter(probe.ffmpegPath);
    return {
      engineName: 'ffmpeg',
      createEncoder: (input, rs, title, events) => new FfmpegLadder(starter, input, rs, title, events),
      dispose: () => starter.dispose(),
    };
  };
  const wasm = (): EncoderChoice => ({ engineName: 'wasm', createEncoder: (input, rs, _title, events) => new WasmLadder(input, rs, events), prewarm: prewarmWasmLadder });
  if (mount.ladder_engine === 'wasm') {
    const bad = rungs.find((r) => wasmProblem(r) !== null);
    if (bad) throw new AircheckError('LADDER_CODEC_UNAVAILABLE', `${where(bad)}: ladder_engine = "wasm" but ${wasmProblem(bad)}; set ladder_engine = "auto" or "ffmpeg" and install ffmpeg (apt-get install ffmpeg), or change the rung`);
    return wasm();
  }
  const encoders = probe.ffmpegEncoders();
  const missing = missingInFfmpeg(rungs, encoders);
  if (missing.length === 0) return ffmpeg();
  if (mount.ladder_engine === 'ffmpeg') {
    const r = missing[0]!;
    throw new AircheckError('LADDER_CODEC_UNAVAILABLE', encoders === null
      ? `${where(r)}: ladder_engine = "ffmpeg" but no ffmpeg runs (${probe.ffmpegPath} not found on PATH); install it (apt-get install ffmpeg) or set ladder_engine = "auto"`
      : `${where(r)}: the system ffmpeg has no ${FFMPEG_ENCODERS[r.codec]} encoder; install a full ffmpeg build (Debian's: apt-get install ffmpeg)`);
  }
  const notWasm = rungs.find((r) => wasmProblem(r) !== null);
  if (notWasm) {
    throw new AircheckError('LADDER_CODEC_UNAVAILABLE', encoders === null
      ? `${where(notWasm)}: needs a system ffmpeg and none runs (ffmpeg not found on PATH) — ${wasmProblem(notWasm)}: install ffmpeg (apt-get install ffmpeg), or use an MP3 rung (encoded in WebAssembly without any system package)`
      : `${where(notWasm)}: the system ffmpeg has no ${FFMPEG_ENCODERS[notWasm.codec]} encoder and ${wasmProblem(notWasm)}: install a full ffmpeg (apt-get install ffmpeg), or change the rung`);
  }
  return wasm();
}
