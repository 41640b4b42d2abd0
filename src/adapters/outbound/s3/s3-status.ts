/** The HTTP status of a failed S3 request, as the AWS SDK v3 reports it. */
export function s3Status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** No object at the key (HeadObject answers a bare 404, GetObject `NoSuchKey`). */
export function isMissing(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return s3Status(error) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

/** An `If-Match` that no longer holds: the object at the key is another version now. */
export function isPreconditionFailed(error: unknown): boolean {
  return s3Status(error) === 412 || (error as { name?: string } | undefined)?.name === 'PreconditionFailed';
}

/** A request the server does not implement (s3rver: ListMultipartUploads, AbortMultipartUpload). */
export function isNotImplemented(error: unknown): boolean {
  return (
    s3Status(error) === 501 ||
    s3Status(error) === 405 ||
    (error as { name?: string } | undefined)?.name === 'NotImplemented'
  );
}
