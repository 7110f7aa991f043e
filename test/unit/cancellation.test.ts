import assert from 'node:assert/strict';
import { abortSignalFor, withAbortSignal, type CancellationTokenLike } from '../../src/platform/cancellation';

/** A token as VS Code's behaves: listeners until disposed, cancel fires them once. */
class Token implements CancellationTokenLike {
  isCancellationRequested = false;
  readonly listeners = new Set<() => void>();
  onCancellationRequested(listener: () => void) {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  cancel() {
    this.isCancellationRequested = true;
    for (const listener of this.listeners) listener();
  }
}

describe('cancellation bridge', () => {
  it('aborts the signal when the token is cancelled', () => {
    const token = new Token();
    const bridge = abortSignalFor(token);
    assert.equal(bridge.signal.aborted, false);
    token.cancel();
    assert.equal(bridge.signal.aborted, true);
    bridge.dispose();
  });

  it('disposes its listener: a token that outlives the request keeps nothing of it', () => {
    const token = new Token();
    const bridge = abortSignalFor(token);
    assert.equal(token.listeners.size, 1);
    bridge.dispose();
    assert.equal(token.listeners.size, 0);
    token.cancel();
    assert.equal(bridge.signal.aborted, false);
  });

  it('a token already cancelled gives an aborted signal', () => {
    const token = new Token();
    token.cancel();
    assert.equal(abortSignalFor(token).signal.aborted, true);
  });

  it('withAbortSignal drops the listener whether the work succeeds or fails', async () => {
    const token = new Token();
    assert.equal(await withAbortSignal(token, () => Promise.resolve(42)), 42);
    assert.equal(token.listeners.size, 0);
    await assert.rejects(
      withAbortSignal(token, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(token.listeners.size, 0);
  });
});
