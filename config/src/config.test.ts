import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { AircheckError } from '../../shared/src/errors.ts';
import { loadConfig, type Config } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'aircheck-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function toml(text: string): string {
  const file = join(dir, `config-${++fileCount}.toml`);
  writeFileSync(file, text);
  return file;
}

/** The CONFIG_INVALID (or other) error loadConfig throws, with its message. */
function failure(options: Parameters<typeof loadConfig>[0]): AircheckError {
  try {
    loadConfig(options);
  } catch (err) {
    assert.ok(err instanceof AircheckError, `expected an AircheckError, got ${(err as Error)?.stack ?? String(err)}`);
    return err;
  }
  assert.fail('loadConfig accepted the configuration');
}

/** The problem lines of a CONFIG_INVALID message. */
function problems(err: AircheckError): string[] {
  assert.equal(err.code, 'CONFIG_INVALID');
  return err.message.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
}

const LIMIT_DEFAULTS = {
  max_listeners: 20000,
  max_sources: 64,
  max_pending_connections: 4000,
  max_head_bytes: 16384,
  head_timeout_ms: 10000,
  source_timeout_ms: 10000,
  listener_queue_seconds: 15,
  listener_send_buffer_bytes: 32768,
  source_lead_ms: 3000,
  flush_interval_ms: 100,
  auth_failures_per_minute: 20,
};

/** The keys of `expected` taken from `actual` (to compare a documented subset). */
const pick = (actual: object, expected: Record<string, unknown>) => Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]]));

const mount = (config: Config, path: string) => {
  const m = config.mounts.find((x) => x.path === path);
  assert.ok(m, `mount ${path} exists`);
  return m;
};

describe('loadConfig defaults', () => {
  it('gives every default with no file and no environment', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/aircheck' });
    assert.equal(config.configFile, null);
    assert.equal(config.data_dir, '/srv/aircheck/data');
    assert.deepEqual(config.server, { host: '0.0.0.0', stream_port: 8000, web_port: 8080, name: 'Aircheck', location: 'Earth', admin_contact: 'admin@localhost', description: '' });
    assert.deepEqual(config.admin, { user: 'admin' });
    // The documented defaults (the schema may grow more keys; print-config.test.ts covers them all).
    assert.deepEqual(pick(config.limits, LIMIT_DEFAULTS), LIMIT_DEFAULTS);
    assert.equal(config.log.level, 'info');
  });

  it('always has /live (public, bundled fallback), /test (private) and their MP3 companions, in that order', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config.mounts.map((m) => m.path), ['/live', '/test', '/live.mp3', '/test.mp3']);
    assert.equal(mount(config, '/live.mp3').fallback_file, 'bundled');
    assert.equal(mount(config, '/test.mp3').private, true);
    assert.deepEqual(mount(config, '/live'), {
      path: '/live',
      source_user: 'source',
      private: false,
      max_listeners: 0,
      burst_seconds: 2,
      fallback_file: 'bundled',
      hidden: false,
      push: [],
      ladder: [{ path: '/live.mp3', codec: 'mp3', bitrate_kbps: 128, sample_rate_hz: 48000, channels: 2, bitrate_from_studio: true }],
      ladder_engine: 'auto',
    });
    assert.equal(mount(config, '/test').private, true);
    assert.equal(mount(config, '/test').fallback_file, undefined);
    assert.deepEqual(mount(config, '/test').ladder.map((r) => [r.path, r.bitrate_kbps]), [['/test.mp3', 128]]);
  });

  it('the MP3 companions are rungs at [studio] mp3_bitrate_kbps, kept beside a configured ladder, never fed by a source', () => {
    const config = loadConfig({
      env: {},
      configFile: toml('[studio]\nmp3_bitrate_kbps = 96\nmp3_bitrates_kbps = [96, 128]\n[[mounts]]\npath = "/live"\n[[mounts.ladder]]\npath = "/live-64.aac"\ncodec = "aac"\nbitrate_kbps = 64\n'),
    });
    assert.deepEqual(mount(config, '/live').ladder.map((r) => [r.path, r.bitrate_kbps]), [['/live.mp3', 96], ['/live-64.aac', 64]]);
    assert.throws(
      () => loadConfig({ env: {}, configFile: toml('[[mounts]]\npath = "/live.mp3"\nsource_password = "a long enough password"\n') }),
      (err: Error) => /mounts\[0\]\.source_password: "\/live\.mp3" is the MP3 companion rung of \/live/.test(err.message),
    );
  });

  it('returns a frozen configuration', () => {
    const config = loadConfig({ env: {} });
    assert.throws(() => {
      (config.limits as { max_listeners: number }).max_listeners = 1;
    }, TypeError);
    assert.throws(() => {
      (config.mounts as unknown as unknown[]).push({});
    }, TypeError);
    assert.throws(() => {
      (config.mounts[0] as { private: boolean }).private = true;
    }, TypeError);
  });

  it('resolves data_dir against the working directory and remembers the absolute config path', () => {
    const file = toml('data_dir = "state/aircheck"\n');
    const config = loadConfig({ configFile: file, env: {}, cwd: '/opt/radio' });
    assert.equal(config.data_dir, '/opt/radio/state/aircheck');
    assert.equal(config.configFile, resolve(file));
  });

  it('ignores environment variables that are not AIRCHECK_*', () => {
    const config = loadConfig({ env: { PATH: '/usr/bin', HOME: '/root', STREAM_PORT: '1', aircheck_stream_port: '2' } });
    assert.equal(config.server.stream_port, 8000);
  });
});

describe('loadConfig environment overrides', () => {
  it('reads the named variables (ports as numbers)', () => {
    const config = loadConfig({
      env: {
        AIRCHECK_DATA_DIR: '/var/lib/aircheck',
        AIRCHECK_HOST: '127.0.0.1',
        AIRCHECK_STREAM_PORT: '9000',
        AIRCHECK_WEB_PORT: '0',
        AIRCHECK_ADMIN_PASSWORD: 'admin-pass-1',
        AIRCHECK_LIVE_SOURCE_PASSWORD: 'live-pass-1',
        AIRCHECK_TEST_SOURCE_PASSWORD: 'test-pass-1',
        AIRCHECK_TEST_LISTENER_TOKEN: 'test-token-1',
        AIRCHECK_LIVE_FALLBACK_FILE: '/music/loop.mp3',
        AIRCHECK_LOG_LEVEL: 'debug',
      },
    });
    assert.equal(config.data_dir, '/var/lib/aircheck');
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.stream_port, 9000);
    assert.equal(config.server.web_port, 0);
    assert.equal(config.admin.password, 'admin-pass-1');
    assert.equal(mount(config, '/live').source_password, 'live-pass-1');
    assert.equal(mount(config, '/live').fallback_file, '/music/loop.mp3');
    assert.equal(mount(config, '/test').source_password, 'test-pass-1');
    assert.equal(mount(config, '/test').listener_token, 'test-token-1');
    assert.equal(mount(config, '/test').private, true, 'a token from the environment leaves /test private');
    assert.equal(config.log.level, 'debug');
  });

  it('reads AIRCHECK_<SECTION>_<KEY> for every scalar of server, admin, limits and log', () => {
    const config = loadConfig({
      env: {
        AIRCHECK_LIMITS_MAX_LISTENERS: '5',
        AIRCHECK_LIMITS_LISTENER_QUEUE_SECONDS: '2.5',
        AIRCHECK_LIMITS_AUTH_FAILURES_PER_MINUTE: '1000',
        AIRCHECK_SERVER_NAME: 'Radio 42',
        AIRCHECK_SERVER_STREAM_PORT: '8100',
        AIRCHECK_ADMIN_USER: 'boss',
      },
    });
    assert.equal(config.limits.max_listeners, 5);
    assert.equal(config.limits.listener_queue_seconds, 2.5);
    assert.equal(config.limits.auth_failures_per_minute, 1000);
    assert.equal(config.limits.max_sources, 64, 'the other limits keep their defaults');
    assert.equal(config.server.name, 'Radio 42');
    assert.equal(config.server.stream_port, 8100);
    assert.equal(config.admin.user, 'boss');
  });

  it('lets the environment win over the file, key by key', () => {
    const file = toml(
      ['[server]', 'stream_port = 7000', 'name = "From file"', '[limits]', 'max_listeners = 100', 'max_sources = 3', '[[mounts]]', 'path = "/live"', 'max_listeners = 7'].join('\n'),
    );
    const config = loadConfig({ configFile: file, env: { AIRCHECK_STREAM_PORT: '9000', AIRCHECK_LIMITS_MAX_LISTENERS: '50', AIRCHECK_LIVE_SOURCE_PASSWORD: 'live-pass-1' } });
    assert.equal(config.server.stream_port, 9000);
    assert.equal(config.server.name, 'From file');
    assert.equal(config.limits.max_listeners, 50);
    assert.equal(config.limits.max_sources, 3);
    assert.equal(mount(config, '/live').max_listeners, 7);
    assert.equal(mount(config, '/live').source_password, 'live-pass-1');
    assert.equal(config.mounts.filter((m) => m.path === '/live').length, 1, 'the env password joins the file entry for /live');
  });

  it('reports a port that is not a number with its key path and the value given', () => {
    const list = problems(failure({ env: { AIRCHECK_STREAM_PORT: '80a' } }));
    assert.equal(list.length, 1, list.join('\n'));
    assert.match(list[0]!, /^server\.stream_port: /);
    assert.match(list[0]!, /"80a"/);
  });

  it('rejects AIRCHECK_* variables that are not settings, naming each one', () => {
    const list = problems(failure({ env: { AIRCHECK_NOPE: '1', AIRCHECK_LIMITS_MAX_LISTENER: '5', AIRCHECK_MOUNTS_LIVE: 'x', AIRCHECK_SERVER: 'x' } }));
    for (const name of ['AIRCHECK_NOPE', 'AIRCHECK_LIMITS_MAX_LISTENER', 'AIRCHECK_MOUNTS_LIVE', 'AIRCHECK_SERVER']) {
      assert.ok(list.some((p) => p.includes(name)), `${name} is reported: ${list.join('\n')}`);
    }
    assert.equal(list.length, 4);
  });

  it('reports AIRCHECK_LIMITS_CONSTRUCTOR as not a setting instead of crashing', () => {
    for (const name of ['AIRCHECK_LIMITS_CONSTRUCTOR', 'AIRCHECK_SERVER___PROTO__']) {
      const list = problems(failure({ env: { [name]: '1' } }));
      assert.ok(list.some((p) => p.includes(name)), `${name}: ${list.join('\n')}`);
    }
  });
});

describe('loadConfig problems', () => {
  it('reports every problem of the file and the environment at once, each with its key path', () => {
    const file = toml(
      [
        'colour = "blue"',
        '[server]',
        'stream_port = 70000',
        'prot = 1',
        '[limits]',
        'max_listeners = "many"',
        '[log]',
        'level = "loud"',
        '[[mounts]]',
        'path = "/Bad Path"',
        '[[mounts]]',
        'path = "/ok"',
        'burst_seconds = 99',
      ].join('\n'),
    );
    const err = failure({ configFile: file, env: { AIRCHECK_LIMITS_HEAD_TIMEOUT_MS: '5', AIRCHECK_NOPE: '1', AIRCHECK_WEB_PORT: 'http' } });
    const list = problems(err);
    const expected = [
      /^\(top level\): .*colour/,
      /^server\.stream_port: .*70000/,
      /^server: .*prot/,
      /^limits\.max_listeners: .*"many"/,
      /^log\.level: .*"loud"/,
      /^mounts\[0\]\.path: .*"\/Bad Path"/,
      /^mounts\[1\]\.burst_seconds: .*99/,
      /^limits\.head_timeout_ms: .*5/,
      /AIRCHECK_NOPE/,
      /^server\.web_port: .*"http"/,
    ];
    for (const re of expected) assert.ok(list.some((p) => re.test(p)), `${re} among:\n${list.join('\n')}`);
    assert.equal(list.length, expected.length, list.join('\n'));
  });

  it('lists a bad fallback_mount even when another key also fails validation', () => {
    const file = toml(['[limits]', 'max_listeners = "many"', '[[mounts]]', 'path = "/a"', 'fallback_mount = "/nope"'].join('\n'));
    const list = problems(failure({ configFile: file, env: {} }));
    assert.ok(list.some((p) => p.startsWith('limits.max_listeners: ')), list.join('\n'));
    assert.ok(list.some((p) => p.startsWith('mounts[0].fallback_mount: ') && p.includes('/nope')), `the fallback problem is listed too:\n${list.join('\n')}`);
  });

  it('rejects a misspelled key in any section, naming it', () => {
    const file = toml(['[admin]', 'usr = "boss"', '[[mounts]]', 'path = "/x"', 'privat = true'].join('\n'));
    const list = problems(failure({ configFile: file, env: {} }));
    assert.ok(list.some((p) => p.startsWith('admin: ') && p.includes('usr')), list.join('\n'));
    assert.ok(list.some((p) => p.startsWith('mounts[0]: ') && p.includes('privat')), list.join('\n'));
  });

  it('rejects a fallback_mount that is not a mount', () => {
    const file = toml(['[[mounts]]', 'path = "/a"', 'fallback_mount = "/nope"'].join('\n'));
    const list = problems(failure({ configFile: file, env: {} }));
    assert.equal(list.length, 1, list.join('\n'));
    assert.match(list[0]!, /^mounts\[\d\]\.fallback_mount: "\/nope" is not a mount/);
  });

  it('rejects fallback cycles, including a mount falling back to itself and cycles through /live', () => {
    const cases = [
      ['[[mounts]]', 'path = "/a"', 'fallback_mount = "/b"', '[[mounts]]', 'path = "/b"', 'fallback_mount = "/a"'],
      ['[[mounts]]', 'path = "/a"', 'fallback_mount = "/a"'],
      ['[[mounts]]', 'path = "/live"', 'fallback_mount = "/a"', '[[mounts]]', 'path = "/a"', 'fallback_mount = "/live"'],
    ];
    for (const lines of cases) {
      const list = problems(failure({ configFile: toml(lines.join('\n')), env: {} }));
      assert.ok(list.length >= 1 && list.every((p) => /fallback_mount: fallback chain .* loops/.test(p)), `${lines.join(' ')}:\n${list.join('\n')}`);
    }
  });

  it('accepts a fallback chain without a cycle', () => {
    const file = toml(['[[mounts]]', 'path = "/a"', 'fallback_mount = "/b"', '[[mounts]]', 'path = "/b"', 'fallback_mount = "/live"'].join('\n'));
    const config = loadConfig({ configFile: file, env: {} });
    assert.equal(mount(config, '/a').fallback_mount, '/b');
  });

  it('rejects a mount listed twice and a mount on a reserved path', () => {
    const file = toml(['[[mounts]]', 'path = "/x"', '[[mounts]]', 'path = "/x"', '[[mounts]]', 'path = "/metrics"'].join('\n'));
    const list = problems(failure({ configFile: file, env: {} }));
    assert.ok(list.some((p) => p.startsWith('mounts[1].path: ') && p.includes('twice')), list.join('\n'));
    assert.ok(list.some((p) => p.startsWith('mounts[2].path: ') && p.includes('reserved')), list.join('\n'));
  });

  it('reports a TOML syntax error with the file and where it is', () => {
    const file = toml('[server]\nname = "Radio"\nstream_port = = 8000\n');
    const err = failure({ configFile: file, env: {} });
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /not valid TOML/);
    assert.match(err.message, /\b3:|line 3/, 'the line of the error is named');
  });

  it('reports an unreadable config file as CONFIG_FILE_UNREADABLE with its path', () => {
    const missing = join(dir, 'missing.toml');
    const err = failure({ configFile: missing, env: {} });
    assert.equal(err.code, 'CONFIG_FILE_UNREADABLE');
    assert.ok(err.message.includes(missing) && err.message.includes('ENOENT'), err.message);
  });
});

describe('loadConfig keeps secrets out of its messages', () => {
  const assertHidden = (err: AircheckError, secret: string) => {
    assert.ok(!err.message.includes(secret), `the secret ${JSON.stringify(secret)} is echoed:\n${err.message}`);
  };

  it('does not echo a password or token that fails validation', () => {
    const file = toml(['[admin]', 'password = "shrt-1"', '[[mounts]]', 'path = "/x"', 'listener_token = "tkn-77"', 'source_password = "pw-555"'].join('\n'));
    const err = failure({ configFile: file, env: { AIRCHECK_TEST_LISTENER_TOKEN: 'tok-99', AIRCHECK_LIVE_SOURCE_PASSWORD: 'live-8' } });
    const list = problems(err);
    for (const path of ['admin.password', 'mounts[0].listener_token', 'mounts[0].source_password']) {
      assert.ok(list.some((p) => p.startsWith(`${path}: `)), `${path} is reported:\n${list.join('\n')}`);
    }
    for (const secret of ['shrt-1', 'tkn-77', 'pw-555', 'tok-99', 'live-8']) assertHidden(err, secret);
  });

  it('does not echo a password that sits next to a misspelled key of its mount', () => {
    const file = toml(['[[mounts]]', 'path = "/x"', 'source_password = "supersecret-1"', 'privat = true'].join('\n'));
    assertHidden(failure({ configFile: file, env: {} }), 'supersecret-1');
  });

  it('does not echo the value of a misspelled password key', () => {
    const file = toml(['[admin]', 'pasword = "hunter2hunter2"'].join('\n'));
    assertHidden(failure({ configFile: file, env: {} }), 'hunter2hunter2');
  });

  it('does not echo secrets elsewhere in the file when a top-level key is unknown', () => {
    const file = toml(['admin_password = "toplevel-secret-1"', '[admin]', 'password = "admin-secret-99"'].join('\n'));
    const err = failure({ configFile: file, env: {} });
    assertHidden(err, 'toplevel-secret-1');
    assertHidden(err, 'admin-secret-99');
  });

  it('does not echo a password on the line of a TOML syntax error', () => {
    const file = toml('[admin]\npassword = "hunter2hunter2\n');
    const err = failure({ configFile: file, env: {} });
    assert.equal(err.code, 'CONFIG_INVALID');
    assertHidden(err, 'hunter2hunter2');
  });
});

describe('loadConfig mounts', () => {
  it('adds configured mounts after /live and /test', () => {
    const file = toml(['[[mounts]]', 'path = "/extra"', 'source_password = "extra-pass-1"', 'max_listeners = 3'].join('\n'));
    const config = loadConfig({ configFile: file, env: {} });
    assert.deepEqual(config.mounts.map((m) => m.path), ['/live', '/test', '/live.mp3', '/test.mp3', '/extra']);
    assert.equal(mount(config, '/extra').max_listeners, 3);
    assert.equal(mount(config, '/extra').burst_seconds, 2);
    assert.equal(mount(config, '/extra').fallback_file, undefined);
  });

  it('changes only the keys written in an entry for /live or /test', () => {
    const file = toml(['[[mounts]]', 'path = "/live"', 'max_listeners = 5', '[[mounts]]', 'path = "/test"', 'burst_seconds = 4'].join('\n'));
    const config = loadConfig({ configFile: file, env: {} });
    const live = mount(config, '/live');
    assert.equal(live.max_listeners, 5);
    assert.equal(live.fallback_file, 'bundled', '/live keeps its bundled fallback');
    assert.equal(live.private, false);
    const test = mount(config, '/test');
    assert.equal(test.burst_seconds, 4);
    assert.equal(test.private, true, '/test stays private');
    assert.equal(config.mounts.length, 4);
  });

  it('lets an entry replace a default of /live and /test when it writes that key', () => {
    const file = toml(['[[mounts]]', 'path = "/live"', 'fallback_file = "loop.mp3"', '[[mounts]]', 'path = "/test"', 'private = false'].join('\n'));
    const config = loadConfig({ configFile: file, env: {} });
    assert.equal(mount(config, '/live').fallback_file, 'loop.mp3');
    assert.equal(mount(config, '/test').private, false);
  });

  it('rejects an invalid mount path with the hint', () => {
    const file = toml(['[[mounts]]', 'path = "/Live Show"'].join('\n'));
    const list = problems(failure({ configFile: file, env: {} }));
    assert.match(list[0]!, /^mounts\[0\]\.path: invalid mount path: use lowercase letters/);
  });
});

describe('[studio] MP3 companion bitrates', () => {
  it('defaults to 128 kbps among 64–320, and takes a list from the file and a default from the environment', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.studio.mp3_bitrate_kbps, 128);
    assert.deepEqual(config.studio.mp3_bitrates_kbps, [64, 96, 128, 160, 192, 256, 320]);
    const chosen = loadConfig({ configFile: toml('[studio]\nmp3_bitrates_kbps = [96, 192]\n'), env: { AIRCHECK_STUDIO_MP3_BITRATE_KBPS: '192' } });
    assert.equal(chosen.studio.mp3_bitrate_kbps, 192);
    assert.deepEqual(chosen.studio.mp3_bitrates_kbps, [96, 192]);
  });

  it('refuses a default outside the list and a bitrate LAME cannot make, naming the key', () => {
    const list = problems(failure({ configFile: toml('[studio]\nmp3_bitrate_kbps = 320\nmp3_bitrates_kbps = [96, 100]\n'), env: {} }));
    assert.ok(list.some((p) => /^studio\.mp3_bitrates_kbps\[1\]: .*must be one of 32, 40/.test(p)), list.join('\n'));
    const notListed = problems(failure({ configFile: toml('[studio]\nmp3_bitrate_kbps = 320\nmp3_bitrates_kbps = [96]\n'), env: {} }));
    assert.ok(notListed.some((p) => /^studio\.mp3_bitrate_kbps: .*must be one of mp3_bitrates_kbps/.test(p)), notListed.join('\n'));
  });
});

describe('[web]: HTTPS files and trusted proxies', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig({ env });
    } catch (err) {
      return (err as AircheckError).message;
    }
    return '';
  };

  it('resolves the certificate and key paths and reads trusted proxies from a comma-separated variable', () => {
    const config = loadConfig({ env: { AIRCHECK_WEB_TLS_CERT_FILE: 'tls/cert.pem', AIRCHECK_WEB_TLS_KEY_FILE: '/etc/key.pem', AIRCHECK_WEB_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }, cwd: '/srv/aircheck' });
    assert.equal(config.web.tls_cert_file, '/srv/aircheck/tls/cert.pem');
    assert.equal(config.web.tls_key_file, '/etc/key.pem');
    assert.deepEqual(config.web.trusted_proxies, ['10.0.0.0/8', '::1']);
  });

  it('needs both files, a web port of its own, and valid proxy entries, all reported together', () => {
    const message = problemsOf({ AIRCHECK_WEB_TLS_CERT_FILE: '/c.pem', AIRCHECK_WEB_TRUSTED_PROXIES: 'proxy.lan' });
    assert.match(message, /web\.trusted_proxies\[0\]: "proxy\.lan" is not an address or CIDR/);
    assert.match(problemsOf({ AIRCHECK_WEB_TLS_CERT_FILE: '/c.pem' }), /web\.tls_key_file: HTTPS needs both web\.tls_cert_file and web\.tls_key_file/);
    assert.match(
      problemsOf({ AIRCHECK_WEB_TLS_CERT_FILE: '/c.pem', AIRCHECK_WEB_TLS_KEY_FILE: '/k.pem', AIRCHECK_WEB_PORT: '8000', AIRCHECK_STREAM_PORT: '8000' }),
      /server\.web_port: HTTPS \(web\.tls_cert_file\) needs a web port apart from the stream port 8000/,
    );
  });
});

describe('[dynamic_mounts]', () => {
  it('is off by default: no password, none generated', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    assert.deepEqual(config.dynamic_mounts, { source_user: 'source', max: 16 });
  });

  it('reads the file and the AIRCHECK_DYNAMIC_MOUNTS_* environment (which wins)', () => {
    const file = toml(['[dynamic_mounts]', 'source_password = "global-pass-1"', 'max = 3'].join('\n'));
    const config = loadConfig({ configFile: file, env: { AIRCHECK_DYNAMIC_MOUNTS_MAX: '5', AIRCHECK_DYNAMIC_MOUNTS_SOURCE_USER: 'dj' }, cwd: dir });
    assert.deepEqual(config.dynamic_mounts, { source_password: 'global-pass-1', source_user: 'dj', max: 5 });
  });

  it('reports a short password (hidden) and a max out of 1–1000 together', () => {
    const found = problems(failure({ env: { AIRCHECK_DYNAMIC_MOUNTS_SOURCE_PASSWORD: 'x7q!', AIRCHECK_DYNAMIC_MOUNTS_MAX: '0' }, cwd: dir }));
    assert.ok(found.some((p) => /^dynamic_mounts\.source_password: .*at least 8 characters.*\(hidden\)$/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => p.startsWith('dynamic_mounts.max: ')), found.join('\n'));
    assert.ok(!found.some((p) => p.includes('x7q!')), 'the password is not shown');
    assert.ok(problems(failure({ env: { AIRCHECK_DYNAMIC_MOUNTS_MAX: '1001' }, cwd: dir })).some((p) => p.startsWith('dynamic_mounts.max: ')));
  });
});

describe('[storage] from the AIRCHECK_S3_* environment', () => {
  it('maps each variable to its key, force_path_style as a boolean', () => {
    const config = loadConfig({
      env: {
        AIRCHECK_S3_ENDPOINT: 'http://127.0.0.1:9000', AIRCHECK_S3_REGION: 'eu-1', AIRCHECK_S3_BUCKET: 'shows',
        AIRCHECK_S3_ACCESS_KEY_ID: 'key-id', AIRCHECK_S3_SECRET_ACCESS_KEY: 'secret-key', AIRCHECK_S3_FORCE_PATH_STYLE: 'true',
      },
      cwd: dir,
    });
    assert.equal(config.storage.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.storage.region, 'eu-1');
    assert.equal(config.storage.bucket, 'shows');
    assert.equal(config.storage.access_key_id, 'key-id');
    assert.equal(config.storage.secret_access_key, 'secret-key');
    assert.equal(config.storage.force_path_style, true);
    assert.equal(config.storage.prefix, 'recordings/');
  });
});
