/**
 * Names whose values are credentials, wherever they appear: headers, query
 * parameters, JSON and form bodies, HTML form fields. The journal hides what is
 * held under them and the log's redaction lists them.
 */

/**
 * Credentials by their exact (lower-case) name: HTTP's, OAuth's (RFC 6749, 7636),
 * pinbox's own, the upload form's (an S3 POST policy and its signature and session
 * token), the OAuth pages' CSRF field, and the Pinterest Tag / conversions tokens
 * (`conversion_token`, `partner_access_token`). `x-amz-credential` is not here: like
 * an AWS access key id it names the signer and signs nothing.
 */
export const SECRET_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-pinbox-admin-key',
  'x-api-key',
  'api_key',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
  'password',
  'token',
  'secret',
  'policy',
  'signature',
  'x-amz-signature',
  'x-amz-security-token',
  'csrf',
  'csrf_token',
  'x-csrf-token',
  'conversion_token',
  'partner_access_token',
  'partner_refresh_token',
  'cryptographic_key',
]);

/** A name whose last word is one of these holds a credential (`new_password`, `accessToken`, `x-goog-signature`). */
const SECRET_LAST_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'signature']);
/** A name with one of these words anywhere holds a CSRF token (`_csrf`, `x-xsrf-token`). */
const CSRF_WORDS = new Set(['csrf', 'xsrf']);

/**
 * Whether a value under this name is a credential: an exact name of
 * `SECRET_NAMES`, or a name whose last word is `token`, `secret`, `password` or
 * `signature`, or one that mentions CSRF. `token_type` and `refresh_token_expires_in`
 * are not (their last word is another).
 * @example isSecretName('x-amz-signature') // true
 * @example isSecretName('accessToken') // true
 * @example isSecretName('token_type') // false
 */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_NAMES.has(lower)) return true;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return false;
  return SECRET_LAST_WORDS.has(words[words.length - 1]) || words.some((word) => CSRF_WORDS.has(word));
}

/** The objects pinbox's log lines carry: the line itself, an error, a request's headers. */
const LOGGED_OBJECTS = ['', 'err', 'req.headers'] as const;

/**
 * pino's redaction paths for the same names, under each object a log line carries.
 * They are spelled out rather than wildcards: pino walks every key of the line for
 * each `*.` path, about 2 µs a line each (7 of them cost 15 µs of every request's
 * line), while exact paths cost nothing measurable. pino matches exact paths, so
 * the word rules of `isSecretName` cannot be given; the exact names are.
 * @example pino({ redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } })
 */
export const LOG_REDACT_PATHS: readonly string[] = LOGGED_OBJECTS.flatMap((object) =>
  [...SECRET_NAMES].map((name) => {
    const key = /^[a-z_][a-z0-9_]*$/.test(name) ? name : `["${name}"]`;
    if (object === '') return key;
    return key.startsWith('[') ? `${object}${key}` : `${object}.${key}`;
  }),
);
