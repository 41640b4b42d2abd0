import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import type { Session } from '../api/session-state.js';
import { useFocusKeeper } from './focus-keeper.js';

const SECTIONS: ReadonlyArray<{ href: string; label: string }> = [
  { href: '/ui/', label: 'Fleet' },
  { href: '/ui/devices', label: 'Devices' },
  { href: '/ui/files', label: 'Files' },
  { href: '/ui/rollouts', label: 'Rollouts' },
  { href: '/ui/audit', label: 'Audit log' },
];

function isCurrent(href: string, path: string): boolean {
  return href === '/ui/' ? path === '/ui/' || path === '/ui' : path === href || path.startsWith(`${href}/`);
}

/** Every signed-in page: a skip link, the navigation (current page marked), the operator, sign-out. */
export function Layout(props: {
  readonly session: Session;
  readonly onSignOut: () => void;
  readonly children: ComponentChildren;
}) {
  const { path } = useLocation();
  useFocusKeeper('main');
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <span class="brand">fuota</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.href}>
                <a href={section.href} aria-current={isCurrent(section.href, path) ? 'page' : undefined}>
                  {section.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="operator">
          <span>
            Signed in as <strong>{props.session.username}</strong>
          </span>
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
