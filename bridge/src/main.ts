// The bridge program: reads the config once, resolves credentials (printing generated ones once),
// starts the bridge, prints its URLs and `ready`; SIGHUP reloads, SIGTERM/SIGINT drain and exit.
import { parseArgs } from 'node:util';
import { isAircheckError } from '../../shared/src/errors.ts';
import { loadConfig } from '../../config/src/config.ts';
import { resolveCredentials, type Credentials } from './secrets/credentials.ts';
import { configTemplate } from '../../config/src/print-config.ts';
import { createBridge, VERSION } from './bridge.ts';
import { createLogger } from './log.ts';

const USAGE = `Usage: npm start -- [--config FILE] [--print-config]
  --config FILE    read settings from a TOML file (AIRCHECK_* environment variables override it)
  --print-config   print a commented template of every setting with its default, then exit
`;

function printGenerated(creds: Credentials): void {
  if (creds.generated.length === 0) return;
  const lines = ['', 'Generated credentials (shown once; stored hashed in the data directory):'];
  for (const g of creds.generated) lines.push(`  ${g.what}: ${g.user ? `${g.user} / ` : ''}${g.secret}`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { config: { type: 'string' }, 'print-config': { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.values['print-config']) {
    process.stdout.write(configTemplate());
    return 0;
  }
  const configFile = args.values.config ?? null;
  let config;
  let credentials;
  try {
    config = loadConfig({ configFile });
    // Generated secrets are stored and printed only once the servers listen (below).
    credentials = await resolveCredentials(config, { deferWrite: true });
  } catch (err) {
    if (isAircheckError(err)) {
      process.stderr.write(`aircheck: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.log.level);
  let bridge: ReturnType<typeof createBridge>;
  try {
    bridge = createBridge(config, credentials, log);
  } catch (err) {
    // What the machine lacks for the config (e.g. LADDER_CODEC_UNAVAILABLE): the code and the fix, no stack.
    if (isAircheckError(err)) {
      process.stderr.write(`aircheck: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.on('SIGHUP', () => {
    void (async () => {
      try {
        const next = loadConfig({ configFile });
        const nextCreds = await resolveCredentials(next);
        printGenerated(nextCreds);
        bridge.reload(next, nextCreds);
      } catch (err) {
        log.error({ code: isAircheckError(err) ? err.code : undefined, err: (err as Error).message }, 'reload failed; keeping the running configuration');
      }
    })();
  });
  let urls;
  try {
    urls = await bridge.start();
  } catch (err) {
    if (isAircheckError(err)) {
      // e.g. TLS_FILES_INVALID: the web port's certificate or key, with the file named.
      process.stderr.write(`aircheck: ${err.code}: ${err.message} (nothing was generated or stored)\n`);
      await bridge.stop(0);
      return 2;
    }
    process.stderr.write(`aircheck: cannot listen: ${(err as Error).message}: choose free ports with AIRCHECK_STREAM_PORT / AIRCHECK_WEB_PORT (nothing was generated or stored)\n`);
    return 1;
  }
  try {
    credentials.persist();
  } catch (err) {
    process.stderr.write(`aircheck: ${isAircheckError(err) ? `${err.code}: ` : ''}${(err as Error).message}\n`);
    await bridge.stop(0);
    return 2;
  }
  printGenerated(credentials);
  // Signal handlers exist before `ready` is printed: a SIGHUP or SIGTERM right after it is handled.
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    void bridge.stop().then(stopped);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const also = (list: string[]) => (list.length > 1 ? ` (also ${list.slice(1).join(', ')})` : '');
  const bound = urls.streamUrls.length > 1 ? `aircheck ${VERSION}: listening on every interface (${urls.host}); reachable at the addresses below\n` : '';
  process.stdout.write(
    bound +
      `aircheck ${VERSION}: streaming on ${urls.streamUrl}${also(urls.streamUrls)} (sources: SOURCE/PUT ${urls.streamUrl}live and ${urls.streamUrl}test; listeners: ${urls.streamUrl}live)\n` +
      `aircheck ${VERSION}: web on ${urls.webUrl}${also(urls.webUrls)} (player; DJ studio at ${urls.webUrl}studio/), status ${urls.streamUrl}status-json.xsl, metrics ${urls.streamUrl}metrics\n` +
      `aircheck ${VERSION}: data in ${config.data_dir}\n` +
      'aircheck: ready\n',
  );

  await done;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`aircheck: fatal: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
