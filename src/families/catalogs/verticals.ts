/**
 * What each catalog type's feed rows and items must hold. Retail has Pinterest's
 * full retail attributes (retail-attributes.ts); hotel and creative-assets feeds
 * are checked by their own required attributes, with the same codes.
 * Pinterest: help.pinterest.com "Hotel catalog specifications" (hotel_id, name,
 * description, link, image_link, base_price) and the creative assets feed
 * (creative_assets_id, title, description, link, image_link or video_link).
 */
import type { CatalogType } from './catalogs.js';
import { checkRetailRow, REQUIRED_RETAIL_COLUMNS, type CheckResult, type ItemColumns, type ItemIssue, type RetailDefaults } from './retail-attributes.js';

export interface RowChecker {
  requiredColumns: readonly string[];
  check(row: Record<string, string>, defaults: RetailDefaults, seen?: Set<string>): CheckResult;
}

interface VerticalSpec {
  idColumn: string;
  titleColumn: string;
  required: readonly { column: string; code: string; attribute: string }[];
}

const VERTICALS: Record<'HOTEL' | 'CREATIVE_ASSETS', VerticalSpec> = {
  HOTEL: {
    idColumn: 'hotel_id',
    titleColumn: 'name',
    required: [
      { column: 'name', code: 'TITLE_MISSING', attribute: 'TITLE' },
      { column: 'description', code: 'DESCRIPTION_MISSING', attribute: 'DESCRIPTION' },
      { column: 'link', code: 'PRODUCT_LINK_MISSING', attribute: 'ITEM_LINK' },
      { column: 'image_link', code: 'IMAGE_LINK_MISSING', attribute: 'IMAGE_LINK' },
      { column: 'base_price', code: 'PRICE_MISSING', attribute: 'PRICE' },
    ],
  },
  CREATIVE_ASSETS: {
    idColumn: 'creative_assets_id',
    titleColumn: 'title',
    required: [
      { column: 'title', code: 'TITLE_MISSING', attribute: 'TITLE' },
      { column: 'description', code: 'DESCRIPTION_MISSING', attribute: 'DESCRIPTION' },
      { column: 'link', code: 'PRODUCT_LINK_MISSING', attribute: 'ITEM_LINK' },
    ],
  },
};

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function verticalChecker(spec: VerticalSpec): RowChecker {
  return {
    requiredColumns: [spec.idColumn, ...spec.required.map((r) => r.column)],
    check(row, defaults, seen) {
      const errors: ItemIssue[] = [];
      const value = (column: string) => (row[column] ?? '').trim();
      const id = value(spec.idColumn) || value('id');
      if (!id) errors.push({ code: 'ITEMID_MISSING', attribute: 'ITEM_ID', provided: null });
      else if (seen?.has(id)) errors.push({ code: 'DUPLICATE_PRODUCTS', attribute: 'ITEM_ID', provided: id });
      for (const required of spec.required) if (!value(required.column)) errors.push({ code: required.code, attribute: required.attribute, provided: null });
      for (const [column, code, attribute] of [
        ['link', 'LINK_FORMAT_INVALID', 'ITEM_LINK'],
        ['image_link', 'IMAGE_LINK_INVALID', 'IMAGE_LINK'],
      ] as const) {
        const given = value(column);
        if (given && !given.split(',').every((part) => isWebUrl(part.trim()))) errors.push({ code, attribute, provided: given });
      }
      const priceText = value('base_price') || value('price');
      const price = /^(\d+(?:\.\d{1,2})?)\s*([A-Za-z]{3})?$/.exec(priceText);
      if (priceText && !price) errors.push({ code: 'PRODUCT_PRICE_INVALID', attribute: 'PRICE', provided: priceText });
      if (id) seen?.add(id);
      if (errors.length > 0) return { item: null, errors, warnings: [] };
      const attributes: Record<string, unknown> = {};
      for (const [key, given] of Object.entries(row)) if (given.trim() !== '' && key !== spec.idColumn && key !== 'id') attributes[key] = given.trim();
      const title = value(spec.titleColumn);
      const columns: ItemColumns = {
        availability: 'IN_STOCK',
        price: price ? Number(price[1]) : 0,
        currency: (price?.[2] ?? defaults.currency ?? 'USD').toUpperCase(),
        brand: value('brand').toLowerCase() || null,
        item_condition: null,
        gender: null,
        item_group_id_key: null,
        custom_label_0: value('custom_label_0').toLowerCase() || null,
        custom_label_1: value('custom_label_1').toLowerCase() || null,
        custom_label_2: value('custom_label_2').toLowerCase() || null,
        custom_label_3: value('custom_label_3').toLowerCase() || null,
        custom_label_4: value('custom_label_4').toLowerCase() || null,
        custom_number_0: null,
        custom_number_1: null,
        custom_number_2: null,
        custom_number_3: null,
        custom_number_4: null,
        product_type: null,
        google_product_category: null,
        title_key: title.toLowerCase(),
        item_id_key: id.toLowerCase(),
        media_type: value('video_link') ? 'VIDEO' : 'IMAGE',
      };
      return { item: { item_id: id, attributes, columns }, errors, warnings: [] };
    },
  };
}

const RETAIL: RowChecker = {
  requiredColumns: REQUIRED_RETAIL_COLUMNS,
  check: checkRetailRow,
};

const CHECKERS: Record<CatalogType, RowChecker> = {
  RETAIL,
  HOTEL: verticalChecker(VERTICALS.HOTEL),
  CREATIVE_ASSETS: verticalChecker(VERTICALS.CREATIVE_ASSETS),
};

export function checkerFor(type: CatalogType): RowChecker {
  return CHECKERS[type];
}
