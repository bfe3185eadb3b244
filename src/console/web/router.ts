/**
 * The console's addresses are hash routes (`#/content/alice/boards/123`): the page
 * is one file, and a link to any view can be copied and opened again. `route()`
 * splits the hash into its parts and query; `useRoute()` re-renders on a change.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The parts of the path: `#/content/alice` → ['content', 'alice']. */
  parts: string[];
  query: URLSearchParams;
}

export function route(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = hash.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [current, setCurrent] = useState(route);
  useEffect(() => {
    const changed = () => setCurrent(route());
    addEventListener('hashchange', changed);
    // The hash may have changed between the first render and this effect (a link opened as the page loads).
    changed();
    return () => removeEventListener('hashchange', changed);
  }, []);
  return current;
}

/** The href of a view: `href('content', 'alice')` → `#/content/alice`. */
export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((part) => encodeURIComponent(String(part))).join('/')}`;
}

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, '');
}
