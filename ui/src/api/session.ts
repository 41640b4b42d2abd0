import { ApiError, apiErrorOf } from './api-error.js';
import { api } from './client.js';
import type { Session } from './session-state.js';
import { setSession } from './session-state.js';

/** Signs in with an operator credential; the password goes to the server once and is not kept. */
export async function signIn(username: string, password: string): Promise<Session> {
  const response = await fetch('/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
    credentials: 'same-origin',
  });
  if (!response.ok) throw await apiErrorOf(response);
  const session = (await response.json()) as Session;
  setSession(session);
  return session;
}

/** The session the cookie carries, if any (after a reload the page asks the server). */
export async function resumeSession(): Promise<Session | null> {
  try {
    const session = await api<Session>('/api/v1/session');
    setSession(session);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  try {
    await api<void>('/api/v1/session', { method: 'DELETE' });
  } finally {
    setSession(null, 'signed-out');
  }
}
