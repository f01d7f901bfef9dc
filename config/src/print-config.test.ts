import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { ConfigSchema, MountSchema } from './config-schema.ts';
import { loadConfig } from './config.ts';
import { configTemplate, EXAMPLE_MARK } from './print-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'aircheck-print-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const template = configTemplate();
const lines = template.split('\n');
const mountsStart = lines.indexOf('# [[mounts]]');

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `# key = value` lines with a default, uncommented (examples of keys without one stay commented). */
const uncomment = (part: string[]) => part.map((l) => (l.endsWith(EXAMPLE_MARK) ? l : l.replace(/^# ([a-z][a-z0-9_]* = .+)$/, '$1')));
/** Every `# key = value` line uncommented, examples included. */
const uncommentAll = (part: string[]) => part.map((l) => l.replace(/^#\s+([a-z][a-z0-9_]* = .+)$/, '$1'));

/** Defaults of a zod object (as the schema parses an empty object). */
const defaults = (schema: { parse(v: unknown): unknown }) => schema.parse({}) as Record<string, unknown>;

function section(name: string | null): string[] {
  const start = name === null ? 0 : lines.indexOf(`[${name}]`);
  assert.ok(start >= 0, `the template has a [${name}] section`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^\[/.test(l) || l === '# [[mounts]]');
  return end < 0 ? rest : rest.slice(0, end);
}

describe('configTemplate', () => {
  it('is accepted by loadConfig as is, and gives the defaults', () => {
    const file = write('as-is.toml', template);
    const fromTemplate = loadConfig({ configFile: file, env: {}, cwd: dir });
    const plain = loadConfig({ env: {}, cwd: dir });
    assert.deepEqual({ ...fromTemplate, configFile: null }, { ...plain, configFile: null });
  });

  it('shows every top-level, server, admin, dynamic_mounts, limits and log key with its default', () => {
    const shape = ConfigSchema.shape as Record<string, any>;
    const sections: [string | null, Record<string, unknown>, string[]][] = [[null, { data_dir: './data' }, ['data_dir']]];
    for (const name of ['server', 'admin', 'dynamic_mounts', 'limits', 'log']) {
      const inner = shape[name]._zod.def.innerType;
      sections.push([name, defaults(inner), Object.keys(inner.shape)]);
    }
    for (const [name, values, keys] of sections) {
      const body = section(name);
      for (const key of keys) {
        const value = values[key];
        if (value === undefined) {
          assert.ok(body.some((l) => l.startsWith(`# ${key} = `) && l.endsWith(EXAMPLE_MARK)), `[${name ?? 'top level'}] shows ${key} with an example`);
          continue;
        }
        const expected = `# ${key} = ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
        assert.ok(body.includes(expected), `[${name ?? 'top level'}] shows ${JSON.stringify(expected)}`);
      }
    }
  });

  it('gives the same values when every line with a default is uncommented', () => {
    const head = lines.slice(0, mountsStart);
    const text = uncomment(head).join('\n');
    const parsed = parseToml(text) as Record<string, any>;
    assert.equal(parsed.server.stream_port, 8000, 'the values are really uncommented');
    const file = write('uncommented.toml', text);
    const fromTemplate = loadConfig({ configFile: file, env: {}, cwd: dir });
    const plain = loadConfig({ env: {}, cwd: dir });
    assert.deepEqual({ ...fromTemplate, configFile: null }, { ...plain, configFile: null });
  });

  it('shows every mount key, and its [[mounts]] block parses to a mount with the defaults once uncommented', () => {
    assert.ok(mountsStart > 0, 'the template has a commented [[mounts]] block');
    const block = lines.slice(mountsStart);
    for (const key of Object.keys(MountSchema.shape)) {
      assert.ok(block.some((l) => l.startsWith(`# ${key} = `)), `the [[mounts]] block shows ${key}`);
    }
    // Keys without a default (`# path = "/jazz"  # example…`) stay commented; the path is the one value to fill in.
    const uncommented = uncomment(block.slice(1)).filter((l) => !l.startsWith('#') && l !== '');
    const text = ['[[mounts]]', 'path = "/extra"', ...uncommented].join('\n');
    assert.ok(uncommented.length >= 5, `the defaults are uncommented: ${uncommented.join(', ')}`);
    const file = write('mount.toml', text);
    const config = loadConfig({ configFile: file, env: {} });
    const extra = config.mounts.find((m) => m.path === '/extra');
    assert.deepEqual(extra, MountSchema.parse({ path: '/extra' }));
  });

  it('is valid TOML and a valid config with every line uncommented, examples included (no bare `key = `)', () => {
    assert.ok(!lines.some((l) => /^#\s*[a-z][a-z0-9_]* =\s*$/.test(l)), 'no key is shown without a value');
    const head = uncommentAll(lines.slice(0, mountsStart)).join('\n');
    const file = write('everything.toml', head);
    const config = loadConfig({ configFile: file, env: {}, cwd: dir });
    assert.equal(config.storage.bucket, 'radio-recordings', 'the examples are really uncommented');
    // Blocks of tables: [[mounts]], [[djs]], [[schedule]] — each parses and validates on its own.
    const blocks = ['# [[mounts]]', '# [[djs]]', '# [[schedule]]'].map((start) => {
      const from = lines.indexOf(start);
      assert.ok(from > 0, `the template shows ${start}`);
      const to = lines.findIndex((l, i) => i > from && (l === '' || l.startsWith('# [[')));
      return [start.slice(2), ...uncommentAll(lines.slice(from + 1, to))].filter((l) => !l.startsWith('#')).join('\n');
    });
    const tables = write('tables.toml', blocks.join('\n'));
    const withTables = loadConfig({ configFile: tables, env: {}, cwd: dir });
    assert.ok(withTables.mounts.some((m) => m.path === '/jazz'), 'the [[mounts]] example is a mount');
    assert.deepEqual(withTables.djs.map((d) => d.name), ['nina'], 'the [[djs]] example is a DJ');
    assert.equal(withTables.schedule.length, 1, 'the first [[schedule]] example is a show');
  });

  it('names only environment variables that loadConfig accepts, each with the value shown', () => {
    // `(env NAME)` annotations: the line after gives the key's default (empty for secrets).
    const annotated: [string, string][] = [];
    lines.forEach((l, i) => {
      const m = /\(env (AIRCHECK_[A-Z0-9_]+)\)$/.exec(l);
      if (m) annotated.push([m[1]!, (/^# [a-z][a-z0-9_]* = (.*)$/.exec(lines[i + 1] ?? '')?.[1] ?? '').replace(/\s+# example.*$/, '')]);
    });
    const shape = ConfigSchema.shape as Record<string, any>;
    const isList = (f: any) => (f._zod.def.innerType ?? f)._zod.def.type === 'array';
    const scalarKeys = 1 + ['server', 'web', 'metrics', 'admin', 'dynamic_mounts', 'limits', 'log', 'recordings', 'studio', 'storage', 'alerts']
      .reduce((n, name) => n + Object.values(shape[name]._zod.def.innerType.shape).filter((f) => !isList(f)).length, 0);
    assert.equal(annotated.length, scalarKeys, `every scalar key names its variable: ${annotated.map(([n]) => n).join(', ')}`);
    for (const [name, shown] of annotated) {
      const value = /ENDPOINT|WEBHOOK_URL/.test(name) ? 'https://account.r2.cloudflarestorage.com' : shown === '' ? 'long-enough-secret-1' : shown.replace(/^"(.*)"$/, '$1');
      // Storage keys only make sense together: a bucket needs its keys (checked on its own below);
      // so do the Telegram bot and chat.
      const base = name.startsWith('AIRCHECK_STORAGE_') ? { AIRCHECK_S3_BUCKET: 'shows', AIRCHECK_S3_ACCESS_KEY_ID: 'key-id', AIRCHECK_S3_SECRET_ACCESS_KEY: 'secret-key' }
        : name.startsWith('AIRCHECK_ALERTS_TELEGRAM_') ? { AIRCHECK_ALERTS_TELEGRAM_BOT_TOKEN: '123456:ABC-def_1', AIRCHECK_ALERTS_TELEGRAM_CHAT_ID: '-1001234' }
        // HTTPS needs the certificate and its key together.
        : name.startsWith('AIRCHECK_WEB_TLS_') ? { AIRCHECK_WEB_TLS_CERT_FILE: '/tmp/cert.pem', AIRCHECK_WEB_TLS_KEY_FILE: '/tmp/key.pem' } : {};
      if (name.startsWith('AIRCHECK_ALERTS_TELEGRAM_')) {
        assert.doesNotThrow(() => loadConfig({ env: base }), `${name} is accepted`);
        continue;
      }
      assert.doesNotThrow(() => loadConfig({ env: { ...base, [name]: value } }), `${name}=${value} is accepted`);
    }
    // The named overrides listed in the header.
    const header = lines.slice(0, lines.indexOf('')).join(' ');
    const named = [...header.matchAll(/\b(AIRCHECK_[A-Z_]+[A-Z])\b/g)].map((m) => m[1]!);
    assert.equal(named.length, 10, named.join(', '));
    for (const name of named) {
      const value = /PORT/.test(name) ? '9000' : /LEVEL/.test(name) ? 'warn' : /PASSWORD|TOKEN/.test(name) ? 'long-enough-secret-1' : '/tmp/x';
      assert.doesNotThrow(() => loadConfig({ env: { [name]: value } }), `${name}=${value} is accepted`);
    }
  });
});
