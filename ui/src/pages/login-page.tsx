import { useState } from 'preact/hooks';
import { failureText } from '../api/api-error.js';
import { signIn } from '../api/session.js';
import { ErrorNotice } from '../components/notice.js';

/**
 * Sign-in with an operator credential. The password lives in this form's state only until the
 * server answers; the page keeps nothing of it (the session is an HttpOnly cookie).
 */
export function LoginPage({ reason }: { readonly reason?: string | undefined }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(username, password);
    } catch (failure) {
      setError(failureText(failure));
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>fuota</h1>
      <p>Sign in with an operator credential.</p>
      {reason !== undefined && <p class="notice">{reason}</p>}
      <form onSubmit={submit} class="login-form">
        <label for="login-username">User name</label>
        <input
          id="login-username"
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <ErrorNotice message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
