/**
 * Pinterest's product group filters: `{all_of: [...]}` or `{any_of: [...]}`, each
 * element one key and its criterion (the spec's CatalogsProductGroupFilterKeys).
 * They are checked here, given a canonical form (two groups with the same filters
 * are the same filters whatever the key order or spelled-out defaults), and
 * compiled to a SQL condition over the normalised item columns, so a group's
 * products and counts are read from the stored items by the database.
 *
 * pinbox's reading of the grammar (Pinterest documents the keys, not every match):
 * text matches ignore case; ITEM_ID, BRAND, ITEM_GROUP_ID, AVAILABILITY, CONDITION,
 * GENDER, MEDIA_TYPE and CUSTOM_LABEL_n (`IS`) are equal to one of the values,
 * CUSTOM_LABEL_n `CONTAINS` and TITLE_KEYWORDS hold one of them; PRODUCT_TYPE_n and
 * GOOGLE_PRODUCT_CATEGORY_n take paths of n+1 levels and match an item whose path
 * starts with one; MIN_PRICE/MAX_PRICE bound `price` (inclusive unless `inclusion`
 * is false); CUSTOM_NUMBER_n compares; PRODUCT_GROUP matches the items of the named
 * groups; `negated` takes the complement (an item without the attribute matches a
 * negated criterion). An empty list (automatic groups only) matches every item.
 */
import { ApiError } from '../../kernel/errors.js';
import type { SqlValue } from '../../storage/database.js';

export type FilterElement = Record<string, Record<string, unknown>>;
export type Filters = { all_of: FilterElement[] } | { any_of: FilterElement[] };

type Kind =
  | { kind: 'text'; column: string; normalize: (value: string) => string }
  | { kind: 'label'; column: string }
  | { kind: 'path'; column: string; level: number }
  | { kind: 'price'; bound: 'min' | 'max' }
  | { kind: 'currency' }
  | { kind: 'number'; column: string }
  | { kind: 'keywords' }
  | { kind: 'group' };

const lowerCase = (value: string) => value.trim().toLowerCase();
const KEYS: Record<string, Kind> = {
  MIN_PRICE: { kind: 'price', bound: 'min' },
  MAX_PRICE: { kind: 'price', bound: 'max' },
  CURRENCY: { kind: 'currency' },
  ITEM_ID: { kind: 'text', column: 'item_id_key', normalize: lowerCase },
  AVAILABILITY: { kind: 'text', column: 'availability', normalize: (value) => value.trim().toUpperCase().replace(/ /g, '_') },
  BRAND: { kind: 'text', column: 'brand', normalize: lowerCase },
  CONDITION: { kind: 'text', column: 'item_condition', normalize: lowerCase },
  ITEM_GROUP_ID: { kind: 'text', column: 'item_group_id_key', normalize: lowerCase },
  GENDER: { kind: 'text', column: 'gender', normalize: lowerCase },
  MEDIA_TYPE: { kind: 'text', column: 'media_type', normalize: (value) => value.trim().toUpperCase() },
  TITLE_KEYWORDS: { kind: 'keywords' },
  PRODUCT_GROUP: { kind: 'group' },
};
for (const n of [0, 1, 2, 3, 4]) {
  KEYS[`CUSTOM_LABEL_${n}`] = { kind: 'label', column: `custom_label_${n}` };
  KEYS[`CUSTOM_NUMBER_${n}`] = { kind: 'number', column: `custom_number_${n}` };
  KEYS[`PRODUCT_TYPE_${n}`] = { kind: 'path', column: 'product_type', level: n };
}
for (const n of [0, 1, 2, 3, 4, 5, 6]) KEYS[`GOOGLE_PRODUCT_CATEGORY_${n}`] = { kind: 'path', column: 'google_product_category', level: n };

export const FILTER_KEYS = Object.keys(KEYS);
const OPERATORS: Record<string, string> = { GREATER_THAN: '>', GREATER_THAN_OR_EQUALS: '>=', LESS_THAN: '<', LESS_THAN_OR_EQUALS: '<=' };
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
/** pinbox: a list or a criterion's values may hold this many entries. */
export const FILTER_LIMITS = { elements: 100, values: 1000 } as const;

/** The JSON schema of a filters object: its shape; what it means is checked by `checkFilters`. */
export const filtersSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: Object.fromEntries(
    ['all_of', 'any_of'].map((list) => [
      list,
      { type: 'array', minItems: 1, maxItems: FILTER_LIMITS.elements, items: { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: 'object' } } },
    ]),
  ),
} as const;

function invalid(why: string): ApiError {
  return new ApiError('product_group_filters_invalid', `Catalog product group filters failed validation, please ensure all filters are set correctly. (pinbox: ${why}.)`);
}

function onlyFields(key: string, criterion: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(criterion).find((field) => !allowed.includes(field));
  if (extra) throw invalid(`${key} takes no '${extra}'`);
}

function stringList(key: string, values: unknown): string[] {
  if (!Array.isArray(values) || values.length === 0 || values.length > FILTER_LIMITS.values || !values.every((v) => typeof v === 'string' && v.trim() !== '' && v.length <= 1000)) {
    throw invalid(`${key}.values must be a list of 1 to ${FILTER_LIMITS.values} non-empty strings`);
  }
  return values as string[];
}

/** One criterion checked and spelled out with its defaults (the canonical form). */
function canonicalCriterion(key: string, criterion: Record<string, unknown>): Record<string, unknown> {
  const kind = KEYS[key];
  if (!kind) throw invalid(`${key} is not a filter key (${FILTER_KEYS.join(', ')})`);
  if (criterion.negated !== undefined && typeof criterion.negated !== 'boolean') throw invalid(`${key}.negated must be a boolean`);
  const negated = criterion.negated === true;
  switch (kind.kind) {
    case 'price': {
      onlyFields(key, criterion, ['values', 'inclusion', 'negated']);
      if (typeof criterion.values !== 'number' || !(criterion.values >= 0)) throw invalid(`${key}.values must be a number from 0`);
      if (criterion.inclusion !== undefined && typeof criterion.inclusion !== 'boolean') throw invalid(`${key}.inclusion must be a boolean`);
      return { values: criterion.values, inclusion: criterion.inclusion !== false, negated };
    }
    case 'currency': {
      onlyFields(key, criterion, ['values', 'negated']);
      if (negated) throw invalid('CURRENCY cannot be negated');
      if (typeof criterion.values !== 'string' || !ISO_CURRENCIES.has(criterion.values)) throw invalid('CURRENCY.values must be an ISO 4217 currency code');
      return { values: criterion.values, negated };
    }
    case 'number': {
      onlyFields(key, criterion, ['operator', 'value', 'negated']);
      if (typeof criterion.operator !== 'string' || !OPERATORS[criterion.operator]) throw invalid(`${key}.operator must be one of ${Object.keys(OPERATORS).join(', ')}`);
      if (!Number.isInteger(criterion.value) || (criterion.value as number) < 0 || (criterion.value as number) > 4294967295) throw invalid(`${key}.value must be a whole number from 0 to 4294967295`);
      return { operator: criterion.operator, value: criterion.value, negated };
    }
    case 'path': {
      onlyFields(key, criterion, ['values', 'negated']);
      const paths = criterion.values;
      if (!Array.isArray(paths) || paths.length === 0 || paths.length > FILTER_LIMITS.values) throw invalid(`${key}.values must be a list of paths`);
      for (const path of paths) {
        if (!Array.isArray(path) || path.length !== kind.level + 1 || !path.every((level) => typeof level === 'string' && level.trim() !== '')) {
          throw invalid(`${key}.values holds paths of ${kind.level + 1} level${kind.level ? 's' : ''} (from level 0 to ${kind.level}), such as ${JSON.stringify(Array.from({ length: kind.level + 1 }, (_, i) => `level ${i}`))}`);
        }
      }
      return { values: (paths as string[][]).map((path) => path.map(lowerCase)), negated };
    }
    case 'label': {
      onlyFields(key, criterion, ['values', 'negated', 'filter_operator_type']);
      const operator = criterion.filter_operator_type ?? 'IS';
      if (operator !== 'IS' && operator !== 'CONTAINS') throw invalid(`${key}.filter_operator_type must be IS or CONTAINS`);
      return { values: stringList(key, criterion.values).map(lowerCase), negated, filter_operator_type: operator };
    }
    case 'text':
      onlyFields(key, criterion, ['values', 'negated']);
      return { values: stringList(key, criterion.values).map(kind.normalize), negated };
    case 'keywords':
      onlyFields(key, criterion, ['values', 'negated']);
      return { values: stringList(key, criterion.values).map(lowerCase), negated };
    case 'group':
      onlyFields(key, criterion, ['values', 'negated']);
      if (!stringList(key, criterion.values).every((id) => /^\d+$/.test(id))) throw invalid('PRODUCT_GROUP.values must be product group ids');
      return { values: criterion.values, negated };
  }
}

/** Checks `filters` and answers them in canonical form (409 code 4183 when they mean nothing). */
export function checkFilters(filters: Filters): Filters {
  const list = 'all_of' in filters ? 'all_of' : 'any_of';
  const elements = (filters as Record<string, FilterElement[]>)[list];
  const canonical = elements.map((element) => {
    const [[key, criterion]] = Object.entries(element);
    if (typeof criterion !== 'object' || criterion === null || Array.isArray(criterion)) throw invalid(`${key} must be an object`);
    return { [key]: canonicalCriterion(key, criterion) };
  });
  return { [list]: canonical } as Filters;
}

/** The canonical form as one string, the key order fixed: equal filters give equal keys. */
export function filtersKey(filters: Filters): string {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(sorted) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])) : value;
  const list = 'all_of' in filters ? 'all_of' : 'any_of';
  const elements = ((filters as Record<string, FilterElement[]>)[list]).map((element) => JSON.stringify(sorted(element))).sort();
  return JSON.stringify({ [list]: elements });
}

/** The product group ids `filters` names (PRODUCT_GROUP), to resolve before compiling. */
export function referencedGroups(filters: Filters): string[] {
  const elements = 'all_of' in filters ? filters.all_of : filters.any_of;
  return elements.flatMap((element) => (element.PRODUCT_GROUP ? (element.PRODUCT_GROUP.values as string[]) : []));
}

/** `%` and `_` in a LIKE pattern match themselves (ESCAPE '\'). */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface Condition {
  sql: string;
  params: SqlValue[];
}

/**
 * The SQL condition of canonical `filters` over catalog_items; `group(id)` gives
 * the compiled condition of a referenced product group. Every part is TRUE or
 * FALSE, never NULL (missing attributes are compared as absent), so NOT is the complement.
 */
export function compileFilters(filters: Filters, group: (id: string) => Condition): Condition {
  const all = 'all_of' in filters;
  const elements = all ? (filters as { all_of: FilterElement[] }).all_of : (filters as { any_of: FilterElement[] }).any_of;
  if (elements.length === 0) return { sql: '1 = 1', params: [] };
  const parts = elements.map((element) => {
    const [[key, criterion]] = Object.entries(element);
    const part = criterionSql(KEYS[key], criterion, group);
    return criterion.negated ? { sql: `NOT (${part.sql})`, params: part.params } : part;
  });
  return { sql: parts.map((part) => `(${part.sql})`).join(all ? ' AND ' : ' OR '), params: parts.flatMap((part) => part.params) };
}

function anyOf(values: readonly string[], one: (value: string) => Condition): Condition {
  const parts = values.map(one);
  return { sql: parts.map((part) => `(${part.sql})`).join(' OR '), params: parts.flatMap((part) => part.params) };
}

function criterionSql(kind: Kind, criterion: Record<string, unknown>, group: (id: string) => Condition): Condition {
  switch (kind.kind) {
    case 'price': {
      const operator = kind.bound === 'min' ? (criterion.inclusion ? '>=' : '>') : criterion.inclusion ? '<=' : '<';
      return { sql: `price ${operator} ?`, params: [criterion.values as number] };
    }
    case 'currency':
      return { sql: 'currency = ?', params: [criterion.values as string] };
    case 'number':
      return { sql: `${kind.column} IS NOT NULL AND ${kind.column} ${OPERATORS[criterion.operator as string]} ?`, params: [criterion.value as number] };
    case 'text': {
      const values = criterion.values as string[];
      return { sql: `COALESCE(${kind.column}, '') IN (${values.map(() => '?').join(', ')})`, params: values };
    }
    case 'label': {
      const values = criterion.values as string[];
      if (criterion.filter_operator_type === 'CONTAINS') return anyOf(values, (value) => ({ sql: `COALESCE(${kind.column}, '') LIKE ? ESCAPE '\\'`, params: [`%${likeEscaped(value)}%`] }));
      return { sql: `COALESCE(${kind.column}, '') IN (${values.map(() => '?').join(', ')})`, params: values };
    }
    case 'keywords':
      return anyOf(criterion.values as string[], (value) => ({ sql: `title_key LIKE ? ESCAPE '\\'`, params: [`%${likeEscaped(value)}%`] }));
    case 'path':
      return anyOf((criterion.values as string[][]).map((path) => path.join(' > ')), (path) => ({
        sql: `COALESCE(${kind.column}, '') = ? OR COALESCE(${kind.column}, '') LIKE ? ESCAPE '\\'`,
        params: [path, `${likeEscaped(path)} > %`],
      }));
    case 'group':
      return anyOf(criterion.values as string[], group);
  }
}
