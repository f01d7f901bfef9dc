import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cartKeyAction, formatCountdown, isTyping, remainingS } from './cart-keys.ts';

const button = { tagName: 'BUTTON' };
const textField = { tagName: 'INPUT', type: 'text' };

describe('cart keys', () => {
  it('keys 1–9 fire carts 1–9; 0 and letters do nothing', () => {
    for (let n = 1; n <= 9; n++) assert.deepEqual(cartKeyAction('keydown', { key: String(n) }, button), { kind: 'fire', index: n - 1 });
    assert.equal(cartKeyAction('keydown', { key: '0' }, button), null);
    assert.equal(cartKeyAction('keydown', { key: 'a' }, null), null);
    assert.equal(cartKeyAction('keyup', { key: '1' }, null), null, 'a cart fires on keydown only');
  });

  it('does not fire a cart while the DJ types in a field, holds a modifier or the key repeats', () => {
    assert.equal(cartKeyAction('keydown', { key: '1' }, textField), null);
    assert.equal(cartKeyAction('keydown', { key: '1' }, { tagName: 'INPUT' }), null, 'an input without a type is a text field');
    assert.equal(cartKeyAction('keydown', { key: '1' }, { tagName: 'TEXTAREA' }), null);
    assert.equal(cartKeyAction('keydown', { key: '1' }, { tagName: 'DIV', isContentEditable: true }), null);
    assert.equal(cartKeyAction('keydown', { key: '1', ctrlKey: true }, null), null, 'Ctrl+1 is the browser\'s tab switch');
    assert.equal(cartKeyAction('keydown', { key: '1', repeat: true }, null), null, 'holding 1 fires once');
    assert.deepEqual(cartKeyAction('keydown', { key: '1' }, { tagName: 'INPUT', type: 'range' }), { kind: 'fire', index: 0 }, 'a fader takes no digits');
  });

  it('holding T is talkover: on at keydown (not in a field), off at keyup wherever focus went', () => {
    assert.deepEqual(cartKeyAction('keydown', { key: 't' }, button), { kind: 'talkover', on: true });
    assert.deepEqual(cartKeyAction('keydown', { key: 'T' }, null), { kind: 'talkover', on: true }, 'with caps lock');
    assert.equal(cartKeyAction('keydown', { key: 't', repeat: true }, null), null);
    assert.equal(cartKeyAction('keydown', { key: 't' }, textField), null, 'typing a T in the title is not talkover');
    assert.deepEqual(cartKeyAction('keyup', { key: 't' }, textField), { kind: 'talkover', on: false });
  });

  it('knows text fields from other inputs', () => {
    assert.equal(isTyping({ tagName: 'input', type: 'search' }), true);
    assert.equal(isTyping({ tagName: 'SELECT' }), true);
    assert.equal(isTyping({ tagName: 'INPUT', type: 'checkbox' }), false);
    assert.equal(isTyping(null), false);
  });
});

describe('cart countdown', () => {
  it('counts down to zero and stays there; a looping cart counts down each pass', () => {
    assert.equal(remainingS(10, 100, 100, false), 10);
    assert.equal(remainingS(10, 100, 103.5, false), 6.5);
    assert.equal(remainingS(10, 100, 125, false), 0);
    assert.equal(remainingS(10, 100, 103.5, true), 6.5);
    assert.equal(remainingS(10, 100, 113.5, true), 6.5, 'second pass');
    assert.equal(remainingS(0, 100, 113.5, true), 0, 'an empty cart');
  });

  it('shows m:ss rounded up', () => {
    assert.equal(formatCountdown(65), '1:05');
    assert.equal(formatCountdown(0.2), '0:01');
    assert.equal(formatCountdown(0), '0:00');
    assert.equal(formatCountdown(4.0000000001), '0:04', 'float noise does not add a second');
    assert.equal(formatCountdown(-3), '0:00');
  });
});
