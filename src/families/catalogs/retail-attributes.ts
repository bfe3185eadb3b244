/**
 * Pinterest's retail attributes: what a feed row (or an item batch's `attributes`)
 * must hold, and how pinbox checks it. A checked item comes out in two shapes: the
 * API's `attributes` (as items/post answers them) and the normalised columns
 * product group filters read.
 * Pinterest: help.pinterest.com "Product catalog specifications" and the spec's
 * ItemAttributesRequest; the codes are the spec's CatalogsItemValidationIssue.
 */

/** Pinterest: the limits of the retail attributes. */
export const RETAIL_LIMITS = {
  title: 500,
  description: 10_000,
  link: 511,
  imageLink: 2000,
  additionalImageLinks: 10,
  customLabel: 1000,
} as const;

/** Pinterest: the columns a retail feed must have (the id as `id` or `item_id`). */
export const REQUIRED_RETAIL_COLUMNS = ['id', 'title', 'description', 'link', 'image_link', 'price', 'availability'] as const;

const AVAILABILITY: Record<string, 'IN_STOCK' | 'OUT_OF_STOCK' | 'PREORDER'> = {
  'in stock': 'IN_STOCK',
  in_stock: 'IN_STOCK',
  'out of stock': 'OUT_OF_STOCK',
  out_of_stock: 'OUT_OF_STOCK',
  preorder: 'PREORDER',
};
const CONDITIONS = new Set(['new', 'used', 'refurbished']);
const GENDERS = new Set(['male', 'female', 'unisex']);
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Pinterest: "24.99 USD", "24.99USD" or "24.99" (then the feed's default currency, else USD). */
const PRICE = /^\s*(\d+(?:\.\d{1,2})?)\s*([A-Za-z]{3})?\s*$/;

export type Availability = 'IN_STOCK' | 'OUT_OF_STOCK' | 'PREORDER';

export interface ItemIssue {
  code: string;
  /** The spec's NullableCatalogsItemFieldType (ITEM_ID, TITLE, PRICE, …). */
  attribute: string;
  provided: string | null;
}

/** What product group filters read of an item; text lower case, paths joined by " > ". */
export interface ItemColumns {
  availability: Availability;
  price: number;
  currency: string;
  brand: string | null;
  item_condition: string | null;
  gender: string | null;
  item_group_id_key: string | null;
  custom_label_0: string | null;
  custom_label_1: string | null;
  custom_label_2: string | null;
  custom_label_3: string | null;
  custom_label_4: string | null;
  custom_number_0: number | null;
  custom_number_1: number | null;
  custom_number_2: number | null;
  custom_number_3: number | null;
  custom_number_4: number | null;
  product_type: string | null;
  google_product_category: string | null;
  title_key: string;
  item_id_key: string;
  media_type: 'IMAGE' | 'VIDEO';
}

export interface CheckedItem {
  item_id: string;
  attributes: Record<string, unknown>;
  columns: ItemColumns;
}

export interface CheckResult {
  item: CheckedItem | null;
  errors: ItemIssue[];
  warnings: ItemIssue[];
}

export interface RetailDefaults {
  currency?: string | null;
  availability?: string | null;
}

/** A path ("Home > Furniture > Tables") as its levels. */
export function pathLevels(value: string): string[] {
  return value
    .split('>')
    .map((level) => level.trim())
    .filter((level) => level !== '');
}

const lower = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value.trim().toLowerCase());

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function parsePrice(value: string, defaultCurrency: string): { amount: number; currency: string } | null {
  const match = PRICE.exec(value);
  if (!match) return null;
  const currency = (match[2] ?? defaultCurrency).toUpperCase();
  if (!ISO_CURRENCIES.has(currency)) return null;
  return { amount: Number(match[1]), currency };
}

function text(row: Record<string, string>, key: string): string | undefined {
  const value = row[key];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Checks one retail row (feed columns or API attributes as strings), in the
 * order Pinterest lists the codes; an item with an error is not ingested, one
 * with warnings is. `seen` holds the ids met earlier in the same file (a second
 * row with an id is a DUPLICATE_PRODUCTS error).
 */
export function checkRetailRow(row: Record<string, string>, defaults: RetailDefaults, seen?: Set<string>): CheckResult {
  const errors: ItemIssue[] = [];
  const warnings: ItemIssue[] = [];
  const error = (code: string, attribute: string, provided?: string) => errors.push({ code, attribute, provided: provided ?? null });
  const warn = (code: string, attribute: string, provided?: string) => warnings.push({ code, attribute, provided: provided ?? null });

  const id = text(row, 'id') ?? text(row, 'item_id');
  if (!id) error('ITEMID_MISSING', 'ITEM_ID');
  else if (seen?.has(id)) error('DUPLICATE_PRODUCTS', 'ITEM_ID', id);

  const title = text(row, 'title');
  if (!title) error('TITLE_MISSING', 'TITLE');
  else if (title.length > RETAIL_LIMITS.title) warn('TITLE_LENGTH_TOO_LONG', 'TITLE', title.slice(0, 100));

  const description = text(row, 'description');
  if (!description) error('DESCRIPTION_MISSING', 'DESCRIPTION');
  else if (description.length > RETAIL_LIMITS.description) warn('DESCRIPTION_LENGTH_TOO_LONG', 'DESCRIPTION', description.slice(0, 100));

  const link = text(row, 'link');
  if (!link) error('PRODUCT_LINK_MISSING', 'ITEM_LINK');
  else if (link.length > RETAIL_LIMITS.link) error('LINK_LENGTH_TOO_LONG', 'ITEM_LINK', link.slice(0, 100));
  else if (!isWebUrl(link)) error('LINK_FORMAT_INVALID', 'ITEM_LINK', link);

  const imageLinks = (text(row, 'image_link') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (imageLinks.length === 0) error('IMAGE_LINK_MISSING', 'IMAGE_LINK');
  else if (imageLinks.some((value) => value.length > RETAIL_LIMITS.imageLink)) error('IMAGE_LINK_LENGTH_TOO_LONG', 'IMAGE_LINK', imageLinks[0].slice(0, 100));
  else if (!imageLinks.every(isWebUrl)) error('IMAGE_LINK_INVALID', 'IMAGE_LINK', imageLinks.find((value) => !isWebUrl(value)));

  const defaultCurrency = defaults.currency ?? 'USD';
  const priceText = text(row, 'price');
  const price = priceText === undefined ? null : parsePrice(priceText, defaultCurrency);
  if (priceText === undefined) error('PRICE_MISSING', 'PRICE');
  else if (!price) error('PRODUCT_PRICE_INVALID', 'PRICE', priceText);

  const availabilityText = text(row, 'availability') ?? defaults.availability?.toLowerCase().replace(/_/g, ' ');
  const availability = availabilityText === undefined ? undefined : AVAILABILITY[availabilityText.toLowerCase()];
  if (!availability) error('AVAILABILITY_INVALID', 'AVAILABILITY', availabilityText);

  const salePriceText = text(row, 'sale_price');
  if (salePriceText !== undefined) {
    const sale = parsePrice(salePriceText, price?.currency ?? defaultCurrency);
    if (!sale) warn('SALES_PRICE_INVALID', 'SALE_PRICE', salePriceText);
    else if (price && sale.amount > price.amount) warn('SALES_PRICE_TOO_HIGH', 'SALE_PRICE', salePriceText);
  }
  const condition = text(row, 'condition');
  if (condition === undefined) warn('OPTIONAL_CONDITION_MISSING', 'CONDITION');
  else if (!CONDITIONS.has(condition.toLowerCase())) warn('OPTIONAL_CONDITION_INVALID', 'CONDITION', condition);
  const gender = text(row, 'gender');
  if (gender !== undefined && !GENDERS.has(gender.toLowerCase())) warn('GENDER_INVALID', 'GENDER', gender);
  const additional = (text(row, 'additional_image_link') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  if (additional.length > RETAIL_LIMITS.additionalImageLinks) warn('TOO_MANY_ADDITIONAL_IMAGE_LINKS', 'ADDITIONAL_IMAGE_LINK', String(additional.length));
  for (const n of [0, 1, 2, 3, 4]) {
    const label = text(row, `custom_label_${n}`);
    if (label !== undefined && label.length > RETAIL_LIMITS.customLabel) warn('CUSTOM_LABEL_LENGTH_TOO_LONG', `CUSTOM_LABEL_${n}`, label.slice(0, 100));
  }

  if (id) seen?.add(id);
  if (errors.length > 0 || !id || !title || !price || !availability || !link || !description) return { item: null, errors, warnings };

  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const trimmed = value.trim();
    if (trimmed === '' || key === 'id' || key === 'item_id') continue;
    attributes[key] = trimmed;
  }
  attributes.title = title.slice(0, RETAIL_LIMITS.title);
  attributes.description = description.slice(0, RETAIL_LIMITS.description);
  attributes.image_link = imageLinks;
  if (additional.length > 0) attributes.additional_image_link = additional.slice(0, RETAIL_LIMITS.additionalImageLinks);
  attributes.price = `${price.amount.toFixed(2)} ${price.currency}`;
  attributes.availability = availability.toLowerCase().replace(/_/g, ' ');
  for (const n of [0, 1, 2, 3, 4]) {
    const raw = text(row, `custom_number_${n}`);
    if (raw === undefined) continue;
    if (/^\d+$/.test(raw)) attributes[`custom_number_${n}`] = Number(raw);
    else delete attributes[`custom_number_${n}`];
  }
  const number = (n: number): number | null => (typeof attributes[`custom_number_${n}`] === 'number' ? (attributes[`custom_number_${n}`] as number) : null);
  const productType = text(row, 'product_type');
  const category = text(row, 'google_product_category');
  const columns: ItemColumns = {
    availability,
    price: price.amount,
    currency: price.currency,
    brand: lower(text(row, 'brand')),
    item_condition: condition && CONDITIONS.has(condition.toLowerCase()) ? condition.toLowerCase() : null,
    gender: gender && GENDERS.has(gender.toLowerCase()) ? gender.toLowerCase() : null,
    item_group_id_key: lower(text(row, 'item_group_id')),
    custom_label_0: lower(text(row, 'custom_label_0')),
    custom_label_1: lower(text(row, 'custom_label_1')),
    custom_label_2: lower(text(row, 'custom_label_2')),
    custom_label_3: lower(text(row, 'custom_label_3')),
    custom_label_4: lower(text(row, 'custom_label_4')),
    custom_number_0: number(0),
    custom_number_1: number(1),
    custom_number_2: number(2),
    custom_number_3: number(3),
    custom_number_4: number(4),
    product_type: productType ? pathLevels(productType.toLowerCase()).join(' > ') : null,
    google_product_category: category ? pathLevels(category.toLowerCase()).join(' > ') : null,
    title_key: title.toLowerCase(),
    item_id_key: id.toLowerCase(),
    media_type: text(row, 'video_link') ? 'VIDEO' : 'IMAGE',
  };
  return { item: { item_id: id, attributes, columns }, errors, warnings };
}

/** API attributes (strings, numbers, lists) as the strings a feed row holds. */
export function attributesAsRow(attributes: Record<string, unknown>): Record<string, string> {
  const row: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) continue;
    row[key] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return row;
}
