import { isSecretName } from '../kernel/secret-names.js';

/**
 * How much of a header set, query or body the journal shows: 32 levels of nesting
 * and about 64 KiB of JSON text for each. Anyone who can reach `/v5` chooses what
 * the journal holds (an unauthenticated call is journaled with its body too), so
 * the bounds keep one call from filling the journal's answer or from nesting deep
 * enough to overflow the serializer's stack.
 */
export const JOURNAL_BODY_LIMITS = { depth: 32, chars: 64 * 1024 } as const;

export const REDACTED = '[redacted]';
/** What stands in place of a level deeper than the limit. */
export const DEPTH_MARKER = '[depth limit]';
const UNREADABLE = '[unreadable]';

interface Budget {
  /** Characters of JSON text left to show. */
  left: number;
}

/**
 * A copy of `value` as the journal shows it: credentials hidden, bounded in depth
 * and size, and never throwing. Whatever is held under a secret name
 * (`isSecretName`) is replaced whatever its type, an object or array included,
 * except Pinterest's numeric error `code` (a number is no authorization code);
 * an `Authorization` header keeps its scheme. Containers deeper than the limit
 * become `"[depth limit]"`; past the size limit a string is cut (`…[N more
 * characters]`) and the rest of an array or object is counted, not shown.
 * @example shownValue({ client_secret: { v: 'x' }, code: 8 }) // { client_secret: '[redacted]', code: 8 }
 * @example shownValue(JSON.parse('[[[[1]]]]'), { depth: 2, chars: 100 }) // [['[depth limit]']]
 */
export function shownValue(value: unknown, limits: { depth: number; chars: number } = JOURNAL_BODY_LIMITS): unknown {
  try {
    return copy(value, 0, limits.depth, { left: limits.chars });
  } catch {
    // Plain JSON values cannot throw here; anything stranger is named, never a 500.
    return UNREADABLE;
  }
}

function copy(value: unknown, depth: number, maxDepth: number, budget: Budget): unknown {
  if (value === null || value === undefined) {
    budget.left -= 4;
    return null;
  }
  if (typeof value === 'string') return cut(value, budget);
  if (typeof value === 'number' || typeof value === 'boolean') {
    budget.left -= String(value).length;
    return value;
  }
  if (typeof value !== 'object') return cut(String(value), budget);
  if (ArrayBuffer.isView(value)) return cut(`(${value.byteLength} bytes)`, budget);
  if (depth >= maxDepth) return cut(DEPTH_MARKER, budget);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    budget.left -= 2;
    for (let i = 0; i < value.length; i++) {
      if (budget.left <= 0) {
        out.push(`[${value.length - i} more items]`);
        break;
      }
      out.push(copy(value[i], depth + 1, maxDepth, budget));
      budget.left -= 1;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  budget.left -= 2;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (budget.left <= 0) {
      put(out, '…', `[${keys.length - i} more keys]`);
      break;
    }
    budget.left -= key.length + 4;
    const item = (value as Record<string, unknown>)[key];
    put(out, key, isSecretName(key) && hides(key, item) ? redacted(key, item, budget) : copy(item, depth + 1, maxDepth, budget));
  }
  return out;
}

/** Whether a value under a secret name is hidden: any present value, except a numeric `code` (Pinterest's error code). */
function hides(key: string, item: unknown): boolean {
  if (item === null || item === undefined) return false;
  return !(typeof item === 'number' && key.toLowerCase() === 'code');
}

function redacted(key: string, item: unknown, budget: Budget): string {
  budget.left -= REDACTED.length + 2;
  // `Bearer [redacted]`, `Basic [redacted]`: which scheme a client used is worth seeing.
  if (key.toLowerCase() === 'authorization' && typeof item === 'string') {
    const scheme = /^([A-Za-z][\w-]*) /.exec(item)?.[1];
    if (scheme) return `${scheme} ${REDACTED}`;
  }
  return REDACTED;
}

function cut(text: string, budget: Budget): string {
  const room = Math.max(0, budget.left - 2);
  if (text.length <= room) {
    budget.left -= text.length + 2;
    return text;
  }
  budget.left = 0;
  return `${text.slice(0, room)}…[${text.length - room} more characters]`;
}

/** Sets a key as an own property, `__proto__` included (JSON.parse makes it one; `out[key] =` would set the prototype). */
function put(out: Record<string, unknown>, key: string, item: unknown): void {
  Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
}

/**
 * HTML with the values of its form fields under secret names hidden: the OAuth
 * pages carry their CSRF token in a hidden `csrf` input.
 * @example redactHtmlFields('<input type="hidden" name="csrf" value="abc">') // '<input type="hidden" name="csrf" value="[redacted]">'
 */
export function redactHtmlFields(html: string): string {
  return html.replace(/<input\b[^>]*>/gi, (tag) => {
    const name = /\bname\s*=\s*"([^"]*)"/i.exec(tag)?.[1];
    return name !== undefined && isSecretName(name) ? tag.replace(/(\bvalue\s*=\s*")[^"]*"/i, `$1${REDACTED}"`) : tag;
  });
}
