/**
 * One error catalog for the whole API. Code throws `ApiError` with a catalog key;
 * only this file knows statuses, Pinterest codes and default messages, and only
 * `writeError` turns them into the `{ code, message }` body Pinterest sends.
 */

// Pinterest: codes and messages as Pinterest returns them (developers.pinterest.com
// "Error codes" page, the examples in the official OpenAPI description, and real
// responses quoted in pinterest/api-quickstart issues).
export const ERROR_CATALOG = {
  invalid_parameters: { status: 400, code: 1, message: 'Invalid parameters.' },
  authentication_failed: { status: 401, code: 2, message: 'Authentication failed.' },
  insufficient_scope: {
    status: 401,
    code: 3,
    message:
      'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.',
  },
  // Pinterest: a bad, expired, reused or foreign authorization code or refresh token.
  invalid_grant: { status: 400, code: 283, message: 'The authorization grant is invalid' },
  board_name_taken: { status: 400, code: 58, message: 'You already have a board with that name.' },
  not_permitted: { status: 403, code: 29, message: 'You are not permitted to access that resource.' },
  // Pinterest (quoted from a real response): trial apps create Pins only in the API sandbox.
  trial_in_production: {
    status: 403,
    code: 29,
    message:
      'Apps with Trial access may not create Pins in production - use API Sandbox instead. (pinbox: put the app in sandbox mode with `pinbox apps update CLIENT_ID --sandbox`, or give it standard access.)',
  },
  user_not_found: { status: 404, code: 30, message: 'User not found.' },
  board_not_found: { status: 404, code: 40, message: 'Board not found.' },
  pin_not_found: { status: 404, code: 50, message: 'Pin not found.' },
  section_not_found: { status: 404, code: 2031, message: "Sorry! We couldn't find this board section." },
  ad_account_not_found: { status: 404, code: 2626, message: 'Ad account not found.' },
  // Pinterest: 403 code 654 when an operation needs a business account (the spec's BusinessAccountRequired).
  business_account_required: { status: 403, code: 654, message: 'You must have a business account to create an ad account.' },
  // pinbox: Pinterest documents no code for a campaign, ad group or ad that is not in the ad account.
  ad_entity_not_found: { status: 404, code: 404, message: 'Not found.' },
  route_not_found: { status: 404, code: 404, message: 'Not found.' },
  // Pinterest: catalogs (the catalogs, catalog_feeds, catalog_items, catalog_product_groups
  // and catalog_reports tags), codes and messages as the spec's examples give them.
  catalog_not_found: { status: 404, code: 678, message: "Sorry! We couldn't find that catalog. Please ensure you have access to a valid catalog id." },
  feed_not_found: { status: 404, code: 4161, message: 'Sorry! We could not find your catalogs feed.' },
  processing_result_not_found: { status: 404, code: 4184, message: 'Sorry! We could not find your processing result.' },
  items_batch_not_found: { status: 404, code: 4331, message: 'Sorry! We could not find your batch ID.' },
  product_group_not_found: { status: 404, code: 4180, message: 'Sorry! We could not find your catalogs product group.' },
  feed_name_taken: { status: 422, code: 4170, message: 'The feed name already exists.' },
  feed_defaults_missing: { status: 501, code: 4181, message: 'Not implemented at the moment. Please, see documentation' },
  catalog_required: { status: 409, code: 4182, message: "Can't access this feature without an existing catalog." },
  // Pinterest: promotions/get's 404 example.
  promotion_not_found: { status: 404, code: 4997, message: 'Promotion for that ID was not found' },
  feed_has_active_promotions: { status: 409, code: 4162, message: "We can't disable a Product Group with active promotions." },
  product_group_has_active_promotions: { status: 409, code: 4176, message: "We can't delete a Catalogs Product Group with active promotions." },
  product_group_auto_generated: { status: 409, code: 4177, message: 'You cannot alter an auto generated catalogs product group.' },
  product_group_filters_taken: { status: 409, code: 4178, message: 'A catalogs product group with these filters already exists for this feed.' },
  product_group_name_taken: { status: 409, code: 4179, message: 'A catalogs product group with this name already exists for this feed.' },
  product_group_filters_invalid: {
    status: 409,
    code: 4183,
    message: 'Catalog product group filters failed validation, please ensure all filters are set correctly.',
  },
  catalog_report_token_invalid: { status: 400, code: 1104, message: 'The token you provided is not valid or has expired.' },
  // Pinterest: the Conversions API's 400 for a request (not an event) it cannot take.
  conversion_request_invalid: { status: 400, code: 4196, message: 'The request was invalid.' },
  // Pinterest: 404 code 4842 for a lead form (or lead) that is not found.
  lead_form_not_found: { status: 404, code: 4842, message: 'Lead form not found.' },
  // pinbox: the refusals below come from the HTTP layers under the routes (router,
  // body parsing, Node's HTTP parser). Pinterest answers them in its `{code, message}`
  // shape with the HTTP status as the code; their exact texts are not documented.
  method_not_allowed: { status: 405, code: 405, message: 'Method not allowed.' },
  request_timeout: { status: 408, code: 408, message: 'The request was not received in time.' },
  expectation_failed: { status: 417, code: 417, message: 'Expectation failed.' },
  uri_too_long: { status: 414, code: 414, message: 'Request URL is too long.' },
  headers_too_large: { status: 431, code: 431, message: 'Request headers are too large.' },
  malformed_request: { status: 400, code: 1, message: 'Invalid request: the HTTP request is malformed.' },
  // pinbox: Pinterest answers 404 "media not found" for an upload that is unknown,
  // another user's, or not processed yet; its numeric code is not documented.
  media_not_found: { status: 404, code: 404, message: 'Media not found.' },
  section_conflict: { status: 409, code: 409, message: 'Board section conflict.' },
  // Pinterest: 429 {"code": 8, "message": "You have exceeded your rate limit. Try again later."}
  rate_limited: { status: 429, code: 8, message: 'You have exceeded your rate limit. Try again later.' },
  // Pinterest (the reference §3.2, from Airbyte's source-pinterest): an async report over the query cost limit.
  reporting_cost_limit: { status: 429, code: 2726, message: 'Reporting query cost limit exceeded. Retry after 1 seconds' },
  payload_too_large: { status: 413, code: 413, message: 'Request body is too large.' },
  unsupported_media_type: { status: 415, code: 415, message: 'Unsupported content type.' },
  // pinbox: something this host lacks (ffmpeg for a cover from a video frame); not Pinterest's.
  unavailable_here: { status: 501, code: 501, message: 'This pinbox cannot do that on this host.' },
  // pinbox: an operation of Pinterest's API that pinbox has no route for yet (a typo is a 404).
  not_served_yet: { status: 501, code: 501, message: 'pinbox does not serve this operation yet.' },
  // pinbox: the database or Redis went away (a restart, a failover, a dropped
  // connection); pinbox reconnects on its own. Pinterest documents no code for its
  // own outages, so the status is the code, as for the framework refusals above.
  database_unavailable: {
    status: 503,
    code: 503,
    message: 'The database is unreachable; pinbox is reconnecting. Nothing was changed: try again shortly.',
  },
  shared_store_unavailable: {
    status: 503,
    code: 503,
    message: 'The shared store (Redis) is unreachable; pinbox is reconnecting. Nothing was changed: try again shortly.',
  },
  internal: { status: 500, code: 500, message: 'Something went wrong on our end. Sorry about that.' },
} as const;

export type ErrorKey = keyof typeof ERROR_CATALOG;

/**
 * The one error type the API throws.
 * @example throw new ApiError('board_not_found')
 * @example throw new ApiError('invalid_parameters', "'title' must be at most 100 characters.")
 */
export class ApiError extends Error {
  readonly key: ErrorKey;
  readonly status: number;
  readonly code: number;
  /** What the request's log line may add that the caller is not told (an internal host's answer to a fetch). */
  logDetail?: string;

  constructor(key: ErrorKey, message?: string) {
    const entry = ERROR_CATALOG[key];
    super(message ?? entry.message);
    this.key = key;
    this.status = entry.status;
    this.code = entry.code;
  }

  toBody(): { code: number; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A 400 whose message names the offending field. */
export function invalidField(field: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid parameters: '${field}' ${problem}.`);
}

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * Turns a schema validation failure from Fastify (Ajv) into a Pinterest-style
 * 400 that names the field, e.g. `Invalid parameters: 'title' must NOT have more than 100 characters.`
 */
export function fromValidation(context: string | undefined, errors: AjvLikeError[]): ApiError {
  const first = errors[0] ?? {};
  let field = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (first.keyword === 'required' && first.params && typeof first.params.missingProperty === 'string') {
    field = field ? `${field}.${first.params.missingProperty}` : first.params.missingProperty;
    return invalidField(field, 'is required');
  }
  if (first.keyword === 'additionalProperties' && first.params && typeof first.params.additionalProperty === 'string') {
    const extra = field ? `${field}.${first.params.additionalProperty}` : first.params.additionalProperty;
    return invalidField(extra, 'is not an allowed field');
  }
  if (first.keyword === 'enum' && first.params && Array.isArray(first.params.allowedValues)) {
    return invalidField(field || context || 'body', `must be one of ${first.params.allowedValues.join(', ')}`);
  }
  if (!field) field = context === 'body' ? 'body' : context ?? 'request';
  return invalidField(field, first.message ?? 'is invalid');
}
