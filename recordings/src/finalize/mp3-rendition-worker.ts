// Runs the MP3 rendition (mp3-rendition.ts) on a worker thread: transcoding a long show keeps a core
// busy for minutes (≈ 50× real time), which on the bridge's event loop would stall every listener and
// source. Used by finalize-show.ts; the same file is the worker's entry point.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AircheckError, isAircheckError, type ErrorCode } from '../../../shared/src/errors.ts';
import { renderMp3, type RenderMp3Options, type RenderMp3Result } from './mp3-rendition.ts';

const WORKER_KIND = 'aircheck-mp3-rendition';

type Reply = { ok: true; result: RenderMp3Result } | { ok: false; code: string | null; message: string };

/** renderMp3 on a worker thread; its errors come back as the same AircheckError codes and messages. */
export function renderMp3OffThread(opts: RenderMp3Options): Promise<RenderMp3Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { kind: WORKER_KIND, opts } });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else if (reply.code) reject(new AircheckError(reply.code as ErrorCode, reply.message));
      else reject(new Error(reply.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new AircheckError('REC_FINALIZE_FAILED', `the MP3 rendition worker exited with code ${code} before it answered`));
    });
  });
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const { opts } = workerData as { opts: RenderMp3Options };
  let reply: Reply;
  try {
    reply = { ok: true, result: await renderMp3(opts) };
  } catch (err) {
    reply = { ok: false, code: isAircheckError(err) ? err.code : null, message: (err as Error).message };
  }
  parentPort!.postMessage(reply);
}
