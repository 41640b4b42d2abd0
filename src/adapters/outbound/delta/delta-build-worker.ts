import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { applyDeltaPatch, makeDeltaPatch } from '../../../domain/delta/delta-patch.js';

/**
 * One build in a worker thread (see WorkerDeltaPatchBuilder): makes the patch, applies it back
 * with fuota's own applier and compares the result's SHA-256 with the target's, so that a patch
 * that would not rebuild the exact target is never stored. A message in, a message out.
 */
export interface BuildMessage {
  readonly base: Uint8Array;
  readonly target: Uint8Array;
  readonly baseImageSha256: string;
}

export type BuildReply =
  | { readonly kind: 'built'; readonly patch: Uint8Array }
  | { readonly kind: 'mismatch' | 'error'; readonly detail: string };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function build(message: BuildMessage): BuildReply {
  try {
    const patch = makeDeltaPatch(message.base, message.target, Buffer.from(message.baseImageSha256, 'hex'));
    const rebuilt = applyDeltaPatch(message.base, patch);
    if (rebuilt.length !== message.target.length || sha256(rebuilt) !== sha256(message.target)) {
      return { kind: 'mismatch', detail: 'the patch, applied back to its base, does not give the target' };
    }
    return { kind: 'built', patch };
  } catch (error) {
    return { kind: 'error', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

parentPort?.once('message', (message: BuildMessage) => {
  const reply = build(message);
  parentPort?.postMessage(reply, reply.kind === 'built' ? [reply.patch.buffer as ArrayBuffer] : []);
});
