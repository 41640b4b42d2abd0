import initSqlJs from 'sql.js';

type SqlJsStatic = Awaited<ReturnType<typeof initSqlJs>>;

let loading: Promise<SqlJsStatic> | undefined;

/** The SQLite WebAssembly module, compiled once per process however many databases are opened. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}
