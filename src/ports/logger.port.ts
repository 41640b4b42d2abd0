/** Where the program reports what it does. Implementations never receive secrets. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Resolves once every line logged so far is written (lines may be written asynchronously). */
  flush(): Promise<void>;
}

export const LOGGER = Symbol.for('fuota.Logger');
