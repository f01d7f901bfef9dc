// Station settings: the console's name and description win over the config's once set.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAircheckError } from '../../../shared/src/errors.ts';
import { StationDb } from './station-db.ts';
import { StationSettings } from './station-settings.ts';

const root = mkdtempSync(join(tmpdir(), 'aircheck-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('StationSettings', () => {
  it('the console wins over the config once set, survives reopening, and null gives the config back', () => {
    const file = join(root, 'station.sqlite');
    const config = { name: 'Aircheck', description: 'from the TOML' };
    const db = StationDb.open(file);
    const settings = new StationSettings(db);
    assert.deepEqual(settings.get(), { name: null, description: null });
    assert.deepEqual(settings.resolve(config), config);
    settings.set({ name: '  Radio Nord ' });
    assert.deepEqual(settings.resolve(config), { name: 'Radio Nord', description: 'from the TOML' });
    settings.set({ description: '' });
    db.close();
    const again = StationDb.open(file);
    after(() => again.close());
    const reopened = new StationSettings(again);
    assert.deepEqual(reopened.resolve(config), { name: 'Radio Nord', description: '' });
    reopened.set({ name: null });
    assert.deepEqual(reopened.get(), { name: null, description: '' });
    assert.throws(() => reopened.set({ name: '   ' }), (e) => isAircheckError(e, 'API_BAD_REQUEST') && /name/.test(e.message));
    assert.throws(() => reopened.set({ description: 'x'.repeat(1025) }), (e) => isAircheckError(e, 'API_BAD_REQUEST'));
  });
});
