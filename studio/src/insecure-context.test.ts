import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { insecurePageSentence } from './insecure-context.ts';

describe('insecurePageSentence', () => {
  it('says nothing on a secure page', () => {
    assert.equal(insecurePageSentence({ isSecureContext: true, hasMediaDevices: true, href: 'https://radio.example.org/studio/' }), null);
  });

  it('on plain http says why and where to go instead: the https URL, the README section, localhost', () => {
    const s = insecurePageSentence({ isSecureContext: false, hasMediaDevices: false, href: 'http://station.example:8080/studio/' })!;
    assert.match(s, /^The microphone is unavailable: browsers allow it only on secure pages, and this page was opened over plain http:\/\/ \(station\.example:8080\)\./);
    assert.ok(s.includes('https://station.example:8080/studio/'), s);
    assert.ok(s.includes('"HTTPS for the studio" section of Aircheck\'s README'), s);
    assert.ok(s.includes('http://localhost:8080/studio/'), s);
  });

  it('names a browser without mediaDevices on a secure page', () => {
    assert.match(insecurePageSentence({ isSecureContext: true, hasMediaDevices: false, href: 'https://r.example/studio/' })!, /navigator\.mediaDevices is missing/);
  });
});
