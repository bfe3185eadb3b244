import { invalidField } from './errors.js';

/**
 * Names a user gives to what they make and find again by name: board names and
 * section names. (Free text — descriptions, Pin titles, alt text — is not a name: it
 * may hold line breaks and is never compared.)
 */

const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
/** Nothing visible: white space and format characters (zero-width spaces, joiners, direction marks). */
const BLANK = /^[\p{White_Space}\p{Cf}]*$/u;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * What is wrong with a name, or null: a control character (C0, DEL or C1: a name
 * is one line), a lone surrogate (half of a UTF-16 pair, which no store can keep as
 * text), or nothing visible.
 * @example nameProblem('a\tb') // 'holds a control character (U+0009); a name is one line of text'
 */
export function nameProblem(name: string): string | null {
  const surrogate = LONE_SURROGATE.exec(name);
  if (surrogate) return `holds a lone surrogate (${codePoint(surrogate[0])}), which is not a character`;
  const control = CONTROL.exec(name);
  if (control) return `holds a control character (${codePoint(control[0])}); a name is one line of text`;
  if (BLANK.test(name)) return 'is blank: a name needs a visible character';
  return null;
}

/**
 * A name as pinbox stores it: in Unicode's composed form (NFC), so `café` typed
 * either way is one name; a name with a `nameProblem` is a 400 naming `field`.
 * @example storedName('name', 'cafe\u0301') // 'café' (U+00E9)
 * @example storedName('name', ' \u200b ') // throws 400 "'name' is blank ..."
 */
export function storedName(field: string, name: string): string {
  const problem = nameProblem(name);
  if (problem) throw invalidField(field, problem);
  return name.normalize('NFC');
}

/**
 * The form two names are compared in: NFC, then a full Unicode case fold, so
 * `Café`, `CAFÉ` and `cafe\u0301` are one name, and so are `Straße` and `STRASSE`.
 * JavaScript has no case-fold function; upper-casing then lower-casing gives the full
 * folding of CaseFolding.txt (ß → ss, ǅ → ǆ, final and medial sigma alike, Kelvin
 * sign → k), except that the Turkish dotless ı meets i. The comparison is made here
 * rather than by the database: SQLite's LOWER folds ASCII only and PostgreSQL's
 * follows the database's locale, so the two stores would disagree.
 * @example nameKey('Straße') === nameKey('STRASSE') // true
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * The first of `rows` whose name is the same name as `name`.
 * @example findByName(boards, 'recipes') // the board named 'Recipes', if any
 */
export function findByName<T extends { name: string }>(rows: readonly T[], name: string): T | undefined {
  const key = nameKey(name);
  return rows.find((row) => nameKey(row.name) === key);
}
