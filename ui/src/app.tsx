import { useEffect, useState } from 'preact/hooks';
import { LocationProvider, Route, Router } from 'preact-iso';
import { failureText } from './api/api-error.js';
import { resumeSession, signOut } from './api/session.js';
import type { Session, SessionEnd } from './api/session-state.js';
import { currentSession, onSessionChange } from './api/session-state.js';
import { Layout } from './components/layout.js';
import { ErrorNotice } from './components/notice.js';
import { AuditPage } from './pages/audit-page.js';
import { DevicePage } from './pages/device-page.js';
import { DevicesPage } from './pages/devices-page.js';
import { FilePage } from './pages/file-page.js';
import { FilesPage } from './pages/files-page.js';
import { FleetPage } from './pages/fleet-page.js';
import { LoginPage } from './pages/login-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { RolloutNewPage } from './pages/rollout-new-page.js';
import { RolloutPage } from './pages/rollout-page.js';
import { RolloutsPage } from './pages/rollouts-page.js';

const SESSION_END_TEXT: Readonly<Record<SessionEnd, string>> = {
  'signed-out': 'You are signed out.',
  ended: 'Your session has ended (it expired, or the server restarted): sign in again.',
};

type Gate = { kind: 'resuming' } | { kind: 'failed'; message: string } | { kind: 'ready'; session: Session | null };

/**
 * The dashboard: the login page until a session exists (resumed from the cookie after a
 * reload), then the pages. A session that ends (sign-out, expiry, a refused cookie) brings the
 * login page back wherever the operator was.
 */
export function App() {
  const [gate, setGate] = useState<Gate>({ kind: 'resuming' });
  const [signedOut, setSignedOut] = useState<string | undefined>(undefined);

  useEffect(() => {
    resumeSession()
      .then((session) => setGate({ kind: 'ready', session }))
      .catch((error: unknown) => setGate({ kind: 'failed', message: failureText(error) }));
    let signedIn = currentSession() !== null;
    return onSessionChange((session, reason) => {
      // Only an end of a session that existed is worth saying (not a first visit); a second
      // word of the same end (a sign-out whose request found the session gone) keeps the first.
      if (session !== null) setSignedOut(undefined);
      else if (signedIn) setSignedOut(SESSION_END_TEXT[reason]);
      signedIn = session !== null;
      setGate({ kind: 'ready', session });
    });
  }, []);

  if (gate.kind === 'resuming') return <p class="notice">Loading…</p>;
  if (gate.kind === 'failed') return <ErrorNotice message={gate.message} />;
  if (gate.session === null) return <LoginPage reason={signedOut} />;
  return (
    <LocationProvider>
      <Layout session={gate.session} onSignOut={() => void signOut()}>
        <Router>
          <Route path="/ui/" component={FleetPage} />
          <Route path="/ui/devices" component={DevicesPage} />
          <Route path="/ui/devices/:id" component={DevicePage} />
          <Route path="/ui/files" component={FilesPage} />
          <Route path="/ui/files/:path+" component={FilePage} />
          <Route path="/ui/rollouts" component={RolloutsPage} />
          <Route path="/ui/rollouts/new" component={RolloutNewPage} />
          <Route path="/ui/rollouts/:id" component={RolloutPage} />
          <Route path="/ui/audit" component={AuditPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}
