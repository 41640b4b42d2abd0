/**
 * A refused request, as the server explained it: its problem document's `detail` (a sentence
 * for a person) and `code` (stable, for the page to react to), plus whatever extension members
 * it carried (`reason` for a refused image, `namedBy` for a file in use, ...).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The sentence to show a person for a failure of any kind. */
export function failureText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return `The server could not be reached (${error.message}).`;
  return String(error);
}

/** Reads a refusal's problem document; a body that is not one still gives a useful sentence. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const detail = typeof body.detail === 'string' ? body.detail : `${response.status} ${response.statusText}`;
    const code = typeof body.code === 'string' ? body.code : 'http-error';
    return new ApiError(response.status, code, detail, body);
  } catch {
    return new ApiError(response.status, 'http-error', `${response.status} ${response.statusText}`.trim());
  }
}
