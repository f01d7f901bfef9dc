// Command-line parsing for loadtest.ts: argv in, a checked LoadtestOptions out (pure, no I/O).
// Every problem is reported together; each message names the flag, the value and the fix.

import { ArgReader } from './cli-args.ts';

export interface LoadtestOptions {
  url: URL;
  host: string;
  port: number;
  /** request target sent on the wire: path + query (with the token, if any) */
  target: string;
  listeners: number;
  rampS: number;
  holdS: number;
  icy: boolean;
  token: string | null;
  jsonFile: string | null;
  /** worker threads that hold the connections; 0 = choose from the listener count */
  workers: number;
  /** 0: read whenever data arrives; else each listener reads at most once per this many ms */
  readEveryMs: number;
  quiet: boolean;
}

export interface LoadtestLimits {
  /** RLIMIT_NOFILE soft limit of this process */
  fdLimit: number;
  /** size of the ephemeral port range (one client IP → one server port) */
  ephemeralPorts: number;
}

export const USAGE = `usage: npm run loadtest -- URL [-n LISTENERS] [-r RAMP_S] [-d HOLD_S] [options]

Opens LISTENERS HTTP/1.0 GET connections to URL (an Icecast-style mount), started evenly over
RAMP_S seconds, keeps them HOLD_S seconds after the ramp, then closes them and prints a summary.

  -n, --listeners N     listener connections to open (default 100)
  -r, --ramp S          seconds over which the connections are started (default 10)
  -d, --duration S      seconds to hold them after the ramp (default 30)
      --icy             send "Icy-MetaData: 1" (the server interleaves ICY metadata)
      --token T         add "token=T" to the request's query string
      --json FILE       also write the summary as JSON to FILE
      --workers W       worker threads holding the connections (default: 1 up to 4000 listeners, else 2)
      --read-every MS   each listener reads what has arrived at most once per MS ms (default 1000;
                        0 reads every chunk as it arrives: about twice the load generator CPU).
                        Every 100th listener always reads at once: its bytes/read shows the server's
                        write size. The receive buffer absorbs the wait, so the server sees no backpressure.
  -q, --quiet           no per-second lines, summary only
  -h, --help            this text
`;

export type ParseResult =
  | { kind: 'help' }
  | { kind: 'ok'; options: LoadtestOptions }
  | { kind: 'error'; problems: string[] };

const MAX_RAMP_S = 3600;
const MAX_HOLD_S = 24 * 3600;
const MAX_WORKERS = 8;
/** fds the process needs besides the listener sockets (stdio, workers' pipes, epoll, …) */
const FD_HEADROOM = 64;

export function parseLoadtestArgs(argv: readonly string[], limits: LoadtestLimits): ParseResult {
  let urlText: string | null = null;
  let listeners = 100;
  let rampS = 10;
  let holdS = 30;
  let icy = false;
  let token: string | null = null;
  let jsonFile: string | null = null;
  let workers = 0;
  let readEveryMs = 1000;
  let quiet = false;

  const a = new ArgReader(argv);
  const problems = a.problems;
  while (a.next()) {
    const { flag, arg } = a;
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '-n':
      case '--listeners': {
        listeners = a.whole('1000', 1, 1_000_000) ?? listeners;
        break;
      }
      case '-r':
      case '--ramp': {
        rampS = a.seconds('10', MAX_RAMP_S, { allowZero: true }) ?? rampS;
        break;
      }
      case '-d':
      case '--duration': {
        holdS = a.seconds('30', MAX_HOLD_S, { allowZero: true }) ?? holdS;
        break;
      }
      case '--icy':
        icy = true;
        break;
      case '--token': {
        const v = a.value('SECRET');
        if (v !== null) {
          if (v === '') problems.push(`--token "" is empty: give the listener token, or leave the flag out`);
          else token = v;
        }
        break;
      }
      case '--json': {
        const v = a.value('summary.json');
        if (v !== null) jsonFile = v;
        break;
      }
      case '--workers': {
        workers = a.whole('2', 1, MAX_WORKERS) ?? workers;
        break;
      }
      case '--read-every': {
        readEveryMs = a.whole('1000', 0, 5000) ?? readEveryMs;
        break;
      }
      case '-q':
      case '--quiet':
        quiet = true;
        break;
      default:
        if (arg.startsWith('-')) {
          problems.push(`unknown flag ${JSON.stringify(arg)}: see npm run loadtest -- --help for the flags`);
        } else if (urlText === null) {
          urlText = arg;
        } else {
          problems.push(`unexpected argument ${JSON.stringify(arg)}: give exactly one URL (already have ${JSON.stringify(urlText)})`);
        }
    }
  }

  let url: URL | null = null;
  if (urlText === null) {
    problems.push('no URL given: pass the mount to load, e.g. npm run loadtest -- http://127.0.0.1:8000/live -n 1000');
  } else {
    try {
      url = new URL(urlText);
    } catch {
      problems.push(`URL ${JSON.stringify(urlText)} is not a valid URL: write it like http://127.0.0.1:8000/live`);
    }
    if (url !== null && url.protocol !== 'http:') {
      problems.push(`URL ${JSON.stringify(urlText)} uses ${url.protocol}: only plain http:// is supported (load the server directly, not through TLS)`);
      url = null;
    }
    if (url !== null && (url.pathname === '/' || url.pathname === '')) {
      problems.push(`URL ${JSON.stringify(urlText)} has no mount path: add the mount, e.g. http://${url.host}/live`);
    }
  }

  if (workers === 0) workers = listeners > 4000 ? 2 : 1;
  workers = Math.min(workers, listeners);
  if (listeners + FD_HEADROOM > limits.fdLimit) {
    problems.push(
      `-n ${listeners} needs about ${listeners + FD_HEADROOM} file descriptors but the limit (ulimit -n) is ${limits.fdLimit}: ` +
        `use -n ${Math.max(1, limits.fdLimit - FD_HEADROOM)} or less, or raise ulimit -n`,
    );
  }
  if (listeners > limits.ephemeralPorts) {
    problems.push(
      `-n ${listeners} exceeds the ${limits.ephemeralPorts} ephemeral ports one client address has for one server port ` +
        `(net.ipv4.ip_local_port_range): use -n ${limits.ephemeralPorts} or less, or run several loadtests from different addresses`,
    );
  }

  if (problems.length > 0 || url === null) return { kind: 'error', problems };
  const port = url.port === '' ? 80 : Number(url.port);
  let search = url.search;
  if (token !== null) search += `${search === '' ? '?' : '&'}token=${encodeURIComponent(token)}`;
  return {
    kind: 'ok',
    options: {
      url,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      target: url.pathname + search,
      listeners,
      rampS,
      holdS,
      icy,
      token,
      jsonFile,
      workers,
      readEveryMs,
      quiet,
    },
  };
}
