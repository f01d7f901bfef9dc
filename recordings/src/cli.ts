// `npm run recordings -- list [--json] [--config FILE]`: the recordings in the spool with their status
// (recording, finalizing, uploaded, verified, verified_with_gaps, failed + reason; gaps the recorder left, with their cause) and its MP3 rendition's, read from each
// show's manifest. Uses
// the same config and AIRCHECK_* environment as the server (recordings.spool_dir, data_dir).
import { parseArgs } from 'node:util';
import { isAircheckError } from '../../shared/src/errors.ts';
import { loadConfig } from '../../config/src/config.ts';
import { listRecordings } from './recording-catalog.ts';
import { summarize, type RecordingSummary } from './recorder.ts';

const USAGE = `Usage: npm run recordings -- list [--json] [--config FILE]
  list     every recording in the spool: show, DJ, show name, start, duration, status, MP3 rendition, notes (reason, gaps)
  --json   one JSON array instead of the table
`;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function table(rows: RecordingSummary[]): string {
  const head = ['SHOW', 'DJ', 'NAME', 'START', 'DURATION', 'STATUS', 'MP3', 'NOTES'];
  const cells = rows.map((r) => {
    const lost = r.lostMs > 0 ? `${(r.lostMs / 1000).toFixed(1)} s not recorded (${r.lostCauses.join(', ')})` : null;
    const notes = [r.reason, r.gaps ? `${r.gaps} gap(s)` : null, lost, r.restored ? 'rebuilt from the store (local spool lost)' : null].filter(Boolean).join('; ');
    return [r.showId, r.dj, r.showName || '-', r.startedAt.replace(/\.\d+Z$/, 'Z'), duration(r.durationMs), r.status, r.mp3 ?? '-', notes];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells].map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`recordings: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1 || args.positionals[0] !== 'list') {
    process.stderr.write(`recordings: unexpected arguments "${args.positionals.join(' ')}"\n${USAGE}`);
    return 2;
  }
  try {
    const config = loadConfig({ configFile: args.values.config ?? null });
    const { entries, unreadable } = await listRecordings(config.recordings.spool_dir);
    const rows = entries.map((e) => summarize(e.manifest));
    if (args.values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(rows.length ? `${table(rows)}\n` : `no recordings in ${config.recordings.spool_dir}\n`);
    for (const u of unreadable) process.stderr.write(`recordings: ${u.dir}: manifest unreadable (${u.error})\n`);
    return 0;
  } catch (err) {
    if (isAircheckError(err)) {
      process.stderr.write(`recordings: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main();
