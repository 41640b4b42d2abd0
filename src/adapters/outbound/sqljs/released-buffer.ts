/**
 * Hands a large buffer's memory back to the system now instead of at V8's next full collection.
 * A database image (tens of MiB for a large fleet) dies right after it is written; V8 frees an
 * ArrayBuffer only when it collects its wrapper, and counts such memory loosely, so several dead
 * images stayed in the process at once. Detaching the buffer frees it: ArrayBuffer.transfer where
 * the runtime has it (Node 22+), otherwise by moving it into a message that is never delivered.
 * Only for a buffer nothing else holds: every view of it reads empty afterwards.
 */
export function releaseBuffer(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & {
    readonly detached?: boolean;
    transfer?: (length: number) => ArrayBuffer;
  };
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0 || buffer.detached === true) return;
  if (typeof buffer.transfer === 'function') {
    buffer.transfer(0);
    return;
  }
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer]);
  port1.close();
  port2.close();
}
