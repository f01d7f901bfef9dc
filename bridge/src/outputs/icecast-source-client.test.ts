// The source client's pure parts: the request head it sends and how it reads Icecast's answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSourceRequestHead, parseSourceAnswer } from './icecast-source-client.ts';

const target = { url: 'http://127.0.0.1:8000/live', user: 'aircheck-bridge', password: 'p@ss', contentType: 'application/ogg', name: 'Show\r\nX: y' };

describe('icecast source client', () => {
  it('sends PUT with Expect: 100-continue, Basic auth, the content type and clean ice-* headers', () => {
    const head = buildSourceRequestHead(target);
    assert.match(head, /^PUT \/live HTTP\/1\.1\r\n/);
    assert.match(head, /\r\nExpect: 100-continue\r\n/);
    assert.match(head, new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from('aircheck-bridge:p@ss').toString('base64')}\\r\\n`));
    assert.match(head, /\r\nContent-Type: application\/ogg\r\n/);
    assert.match(head, /\r\nIce-Name: Show {2}X: y\r\n/);
    assert.ok(head.endsWith('\r\n\r\n'));
  });

  it("keeps a show's description on one header line, up to the 1024 characters the server keeps", () => {
    const head = buildSourceRequestHead({ ...target, description: `Deep cuts\u2028Ice-Public: 1\u0085${'d'.repeat(1100)}` });
    const line = head.split('\r\n').find((l) => l.startsWith('Ice-Description: '))!;
    assert.equal(line, `Ice-Description: Deep cuts Ice-Public: 1 ${'d'.repeat(1024 - 'Deep cuts Ice-Public: 1 '.length)}`);
    assert.equal(head.split('\r\n').filter((l) => l.startsWith('Ice-Public')).length, 1, 'no injected header');
  });

  it('takes 100 Continue followed by 200 OK as accepted, and waits for more after a lone 100', () => {
    assert.equal(parseSourceAnswer(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nServer: x\r\n\r\n'), false)!.answer.status, 200);
    assert.equal(parseSourceAnswer(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), false)!.answer.status, 100);
    assert.equal(parseSourceAnswer(Buffer.from('HTTP/1.0 200 OK\r\n'), false), null);
  });

  it('reads the error code from an Aircheck refusal once the body is complete', () => {
    const body = 'MOUNT_IN_USE: mount /live already has a source\n';
    const answer = `HTTP/1.0 409 Conflict\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    assert.equal(parseSourceAnswer(Buffer.from(answer.slice(0, -10)), false), null);
    const parsed = parseSourceAnswer(Buffer.from(answer), false)!;
    assert.equal(parsed.answer.status, 409);
    assert.equal(parsed.answer.code, 'MOUNT_IN_USE');
    assert.match(parsed.answer.message, /already has a source/);
    assert.equal(parseSourceAnswer(Buffer.from('HTTP/1.0 401 Unauthorized\r\n\r\nnope'), true)!.answer.code, null);
  });
});
