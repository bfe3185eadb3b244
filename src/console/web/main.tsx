/** The console's shell: reads the session, then shows the navigation and the view the hash names. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadSession, signOut } from './api.js';
import { ErrorNote } from './parts/common.js';
import { href, useRoute } from './router.js';
import { VIEWS } from './views/index.js';
import './styles.css';

function App() {
  const [version, setVersion] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { parts, query } = useRoute();
  useEffect(() => {
    loadSession().then((session) => setVersion(session.version), setError);
  }, []);
  const current = VIEWS.find((view) => view.id === parts[0]) ?? VIEWS[0];
  useEffect(() => {
    document.title = `${current.title} · pinbox console`;
  }, [current]);
  if (error) return <main><ErrorNote error={error} /></main>;
  if (version === null) return <main><p role="status">Signing in…</p></main>;
  const View = current.component;
  return (
    <>
      <a class="skip" href="#view">
        Skip to the view
      </a>
      <header>
        <span class="brand">
          pinbox <span class="muted">{version}</span>
        </span>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((view) => (
              <li key={view.id}>
                <a id={`nav-${view.id}`} href={href(view.id)} aria-current={view === current ? 'page' : undefined}>
                  {view.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" id="sign-out" class="small" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="view" tabIndex={-1}>
        <View parts={parts.slice(1)} query={query} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
