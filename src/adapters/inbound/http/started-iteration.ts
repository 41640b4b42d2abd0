/**
 * `source` with its first item already read. A streamed answer commits to its status when its
 * first bytes go out, so a listing reads its first item (its first page from the database) before
 * the answer begins: storage that cannot be read then fails the request with a proper problem (a
 * 503) instead of a 200 cut short.
 */
export async function startedIteration<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done === true) return;
      yield first.value;
      try {
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
      } finally {
        await iterator.return?.();
      }
    },
  };
}
