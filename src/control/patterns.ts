/**
 * A path pattern of the control plane (fault rules, journal filters): `*` stands for
 * any characters within one path segment, `**` for any characters at all; a pattern
 * without `/v5` or `/oauth` in front is read under `/v5`.
 * @example pathMatcher('/pins/*')('/v5/pins/123') // true
 * @example pathMatcher('/v5/boards/**')('/v5/boards/1/pins') // true
 */
export function pathMatcher(pattern: string): (path: string) => boolean {
  const full = /^\/(v5|oauth)(\/|$)/.test(pattern) ? pattern : `/v5${pattern.startsWith('/') ? '' : '/'}${pattern}`;
  const source = full
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}
