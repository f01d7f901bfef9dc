// The station database: created 0600 in WAL mode, numbered migrations applied once and in order in
// one transaction, a newer schema refused, node:sqlite's ExperimentalWarning (only that one) hidden.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { MIGRATIONS, StationDb, type Migration } from './station-db.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-station-db-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${++n}`, 'station.sqlite');

describe('StationDb', () => {
  it('creates the file with mode 0600 in WAL mode and applies every migration once, across reopening', () => {
    const file = fresh();
    const first = StationDb.open(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(file, '..')).mode & 0o777, 0o700);
    assert.equal((first.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    first.db.prepare("INSERT INTO station_settings (key, value) VALUES ('name', 'Radio Kept')").run();
    assert.equal(statSync(`${file}-wal`).mode & 0o777, 0o600, 'the write-ahead log is as private as the database');
    assert.equal(first.version(), MIGRATIONS.at(-1)!.version);
    first.close();

    const second = StationDb.open(file);
    const applied = second.db.prepare('SELECT version FROM migrations ORDER BY version').all() as { version: number }[];
    assert.deepEqual(applied.map((r) => r.version), MIGRATIONS.map((m) => m.version), 'each migration recorded once');
    assert.equal((second.db.prepare("SELECT value FROM station_settings WHERE key = 'name'").get() as { value: string }).value, 'Radio Kept');
    second.close();
  });

  it('applies new migrations in order, and a failing one leaves the database as it was', () => {
    const file = fresh();
    const m1: Migration = { version: 1, name: 'table', sql: 'CREATE TABLE t (v TEXT)' };
    const m2: Migration = { version: 2, name: 'row', sql: "INSERT INTO t VALUES ('two')" };
    const m3: Migration = { version: 3, name: 'row', sql: "INSERT INTO t VALUES ('three')" };
    StationDb.open(file, { migrations: [m1] }).close();

    const broken: Migration = { version: 4, name: 'broken', sql: 'INSERT INTO no_such_table VALUES (1)' };
    assert.throws(() => StationDb.open(file, { migrations: [m3, broken, m1, m2] }), (e) => isAircheckError(e, 'STATION_DB_FAILED'));
    const unchanged = StationDb.open(file, { migrations: [m1] });
    assert.equal(unchanged.version(), 1, 'nothing of 2–4 was kept');
    assert.deepEqual(unchanged.db.prepare('SELECT v FROM t').all(), []);
    unchanged.close();

    const db = StationDb.open(file, { migrations: [m3, m1, m2] }); // given out of order
    assert.deepEqual((db.db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v), ['two', 'three']);
    db.close();
    StationDb.open(file, { migrations: [m1, m2, m3] }).close();
    const again = StationDb.open(file, { migrations: [m1, m2, m3] });
    assert.equal((again.db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n, 2, 'reopening applies nothing twice');
    again.close();
  });

  it('refuses a database written by a newer Aircheck with STATION_DB_FAILED, naming both versions', () => {
    const file = fresh();
    const db = StationDb.open(file);
    db.db.prepare("INSERT INTO migrations (version, name, applied_at) VALUES (99, 'future', '2030-01-01T00:00:00Z')").run();
    db.close();
    assert.throws(() => StationDb.open(file), (e) => isAircheckError(e, 'STATION_DB_FAILED') && /version 99/.test(e.message) && new RegExp(`up to ${MIGRATIONS.at(-1)!.version}`).test(e.message));
  });

  it('reports a path it cannot use with STATION_DB_FAILED', () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    assert.throws(() => StationDb.open(join(blocker, 'station.sqlite')), (e) => isAircheckError(e, 'STATION_DB_FAILED') && e.message.includes(blocker));
    const garbage = fresh();
    StationDb.open(garbage).close();
    writeFileSync(garbage, 'this is not a database, it is a shopping list'.repeat(100));
    rmSync(`${garbage}-wal`, { force: true });
    rmSync(`${garbage}-shm`, { force: true });
    assert.throws(() => StationDb.open(garbage), (e) => isAircheckError(e, 'STATION_DB_FAILED'));
  });

  it('hides node:sqlite\'s ExperimentalWarning and no other warning', () => {
    const module = fileURLToPath(new URL('./station-db.ts', import.meta.url));
    const script = `
      const { StationDb } = await import(${JSON.stringify(module)});
      StationDb.open(${JSON.stringify(fresh())}).close();
      process.emitWarning('another experiment', 'ExperimentalWarning');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.doesNotMatch(child.stderr, /SQLite/);
    assert.match(child.stderr, /ExperimentalWarning: another experiment/);
  });
});
