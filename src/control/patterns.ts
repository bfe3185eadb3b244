/**
 * A path pattern of the control plane (fault rules, journal filters): `*` stands for
 * any characters within one path segment, `**` for any characters at all; a pattern
 * without `/v5` in front is read under `/v5`, except that one starting `/oauth`
 * matches the OAuth pages (`/oauth/...`) and the token endpoints (`/v5/oauth/...`) alike.
 * @example pathMatcher('/pins/*')('/v5/pins/123') // true
 * @example pathMatcher('/v5/boards/**')('/v5/boards/1/pins') // true
 * @example pathMatcher('/oauth/token')('/v5/oauth/token') // true
 */
export function pathMatcher(pattern: string): (path: string) => boolean {
  const oauth = /^\/oauth(\/|$)/.test(pattern);
  const full = oauth || /^\/v5(\/|$)/.test(pattern) ? pattern : `/v5${pattern.startsWith('/') ? '' : '/'}${pattern}`;
  const source = full
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${oauth ? '(/v5)?' : ''}${source}$`);
  return (path) => regex.test(path);
}
