import { CliFailure, EXIT } from './exit-codes.js';

/**
 * What must be undone if the command ends before its work is (Ctrl-C, SIGTERM, or any exit):
 * a progress bar hides the cursor and turns line wrap off, which a Ctrl-C left so in the shell
 * (a new user's try); a download leaves its `.part` file. Node's default on SIGINT ends the
 * process at once, running none of that.
 */
const pending = new Set<() => void>();

/** 128 + the signal's number, as shells report a command a signal ended. */
const SIGNALS = { SIGINT: EXIT.interrupted, SIGTERM: 143 } as const;

function undoAll(): void {
  for (const undo of [...pending].reverse()) {
    pending.delete(undo);
    try {
      undo();
    } catch {
      // The others are still to be undone; the process is ending anyway.
    }
  }
}

function interrupted(signal: keyof typeof SIGNALS): void {
  undoAll();
  const failure = new CliFailure('interrupted', SIGNALS[signal]);
  process.stderr.write(`fuota: ${failure.message}\n`);
  process.exit(failure.code);
}

const onSigint = () => interrupted('SIGINT');
const onSigterm = () => interrupted('SIGTERM');

/**
 * Runs `undo` (synchronously) if the process is interrupted or exits before the returned
 * function is called; the returned function forgets it, once the work is done or undone anyway.
 */
export function undoOnInterrupt(undo: () => void): () => void {
  if (pending.size === 0) {
    process.on('SIGINT', onSigint).on('SIGTERM', onSigterm).on('exit', undoAll);
  }
  pending.add(undo);
  return () => {
    if (!pending.delete(undo) || pending.size > 0) return;
    process.off('SIGINT', onSigint).off('SIGTERM', onSigterm).off('exit', undoAll);
  };
}
