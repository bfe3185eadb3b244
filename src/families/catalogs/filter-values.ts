import type { Queryable } from '../../storage/database.js';
import type { CatalogRow } from './catalogs.js';

/** The filter keys a retail catalog's items have values of, and the columns those are read from. */
const RETAIL_FILTER_VALUES: readonly [string, string][] = [
  ['brand', 'brand'],
  ['custom_label_0', 'custom_label_0'],
  ['custom_label_1', 'custom_label_1'],
  ['custom_label_2', 'custom_label_2'],
  ['custom_label_3', 'custom_label_3'],
  ['custom_label_4', 'custom_label_4'],
];

/**
 * catalogs/available_filter_values: the values a product group filter could take,
 * read from the catalog's items (of one feed when `feedId`). pinbox: text values are
 * given lower case, as filters match them without case; paths level by level.
 */
export async function filterValues(q: Queryable, catalog: CatalogRow, feedId: string | undefined) {
  const scope = feedId === undefined ? 'catalog_id = ?' : 'catalog_id = ? AND feed_id = ?';
  const params = feedId === undefined ? [catalog.id] : [catalog.id, feedId];
  const distinct = async (column: string) =>
    (await q.all<{ v: string }>(`SELECT DISTINCT ${column} AS v FROM catalog_items WHERE ${scope} AND ${column} IS NOT NULL ORDER BY v LIMIT 1000`, params)).map((row) => String(row.v));
  // pinbox keeps no ad image or video tags (the ad_image_N_tag attributes are stored, not indexed).
  const values: Record<string, string[]> = { ad_image_tags: [], ad_video_tags: [] };
  for (const [key, column] of RETAIL_FILTER_VALUES) values[key] = await distinct(column);
  values.availability = await distinct('availability');
  values.condition = (await distinct('item_condition')).map((v) => v.toUpperCase());
  values.gender = (await distinct('gender')).map((v) => v.toUpperCase());
  values.media_type = await distinct('media_type');
  for (const [prefix, column, levels] of [
    ['product_type', 'product_type', 5],
    ['google_product_category', 'google_product_category', 7],
  ] as const) {
    const paths = (await distinct(column)).map((path) => path.split(' > '));
    for (let level = 0; level < levels; level++) {
      values[`${prefix}_${level}`] = [...new Set(paths.filter((path) => path.length > level).map((path) => path[level]))].sort();
    }
  }
  return { catalog_type: catalog.catalog_type, filter_values: values };
}
