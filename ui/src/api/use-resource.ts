import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { failureText } from './api-error.js';

export interface Resource<T> {
  /** The last value loaded (kept while a reload runs, so the page does not flicker). */
  readonly data: T | undefined;
  /** Why the last load failed, in words; undefined after a load that worked. */
  readonly error: string | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * Loads `load()` now and whenever `key` changes (a filter, a page), and on `reload()`. An
 * answer that arrives after a newer request was made is dropped, so a slow first load never
 * overwrites a later one.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    const controller = new AbortController();
    setLoading(true);
    loader
      .current(controller.signal)
      .then((value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
      })
      .catch((failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failureText(failure));
      })
      .finally(() => {
        if (mine === generation.current) setLoading(false);
      });
  }, []);

  useEffect(() => {
    reload();
  }, [key, reload]);
  return { data, error, loading, reload };
}
