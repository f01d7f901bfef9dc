// Runs computeWaveform (waveform.ts) on a worker thread: decoding a four-hour show takes tens of
// seconds of CPU, which on the bridge's event loop would stall every listener and source. The same
// pattern as mp3-rendition-worker.ts; used by finalize-show.ts; this file is the worker's entry point.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { computeWaveform, type Waveform, type WaveformInput } from './waveform.ts';

const WORKER_KIND = 'aircheck-waveform';

type Reply = { ok: true; waveform: Waveform } | { ok: false; message: string };

/** computeWaveform on a worker thread. */
export function computeWaveformOffThread(inPath: string, format: WaveformInput): Promise<Waveform> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { kind: WORKER_KIND, inPath, format } });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) resolve(reply.waveform);
      else reject(new Error(reply.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the waveform worker exited with code ${code} before it answered`));
    });
  });
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const { inPath, format } = workerData as { inPath: string; format: WaveformInput };
  let reply: Reply;
  try {
    reply = { ok: true, waveform: await computeWaveform(inPath, format) };
  } catch (err) {
    reply = { ok: false, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
}
