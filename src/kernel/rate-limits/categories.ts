/**
 * Which rate-limit category every Pinterest operation counts against, as the
 * official spec's `x-ratelimit-category` states it (v5.23.0), written down here as
 * pinbox's own data. Routes never name their category: the kernel looks it up
 * here by operationId, so a route added later is counted without being told, and
 * a route whose operation is missing here fails at start-up.
 * `test/contract.test.ts` checks this table against the spec, entry by entry.
 */

export const RATE_LIMIT_CATEGORIES = [
  'org_read',
  'org_write',
  'org_analytics',
  'ads_read',
  'ads_write',
  'ads_analytics',
  'ads_conversions',
  'catalogs_read',
  'catalogs_write',
  'trends_read',
  'advanced_auction_read',
  'advanced_auction_write',
  'msot_write',
] as const;

export type RateLimitCategory = (typeof RATE_LIMIT_CATEGORIES)[number];

const OPERATIONS_BY_CATEGORY: Record<RateLimitCategory, readonly string[]> = {
  org_read: [
    'board_sections/list', 'board_sections/list_pins', 'boards/get', 'boards/list', 'boards/list_pins',
    'boards_user_follows/list', 'linked_business_accounts/get', 'media/get', 'media/list', 'oauth/token',
    'pins/get', 'pins/list', 'search_partner_pins', 'search_user_boards/get', 'search_user_pins/list',
    'user_account/followed_interests', 'user_account/get', 'user_following/get', 'user_websites/get',
    'website_verification/get',
  ],
  org_write: [
    'board_sections/create', 'board_sections/delete', 'board_sections/update', 'boards/create',
    'boards/delete', 'boards/update', 'follow_user/update', 'media/create', 'oauth/conversion_token',
    'pins/create', 'pins/delete', 'pins/save', 'pins/update', 'token/revoke', 'unverify_website/delete',
    'verify_website/update',
  ],
  org_analytics: [
    'multi_pins/analytics', 'pins/analytics', 'user_account/analytics', 'user_account/analytics/top_pins',
    'user_account/analytics/top_video_pins',
  ],
  ads_read: [
    'ad_account_countries/get', 'ad_accounts/get', 'ad_accounts/list',
    'ad_accounts_audiences_shared_accounts/list', 'ad_accounts_subscriptions/get_by_id',
    'ad_accounts_subscriptions/get_list', 'ad_groups/audience_sizing', 'ad_groups/get', 'ad_groups/list',
    'ad_groups_bid_floor/get', 'ads/get', 'ads/list', 'ads_credits_discounts/get',
    'advertiser_defined_events/get', 'analytics/get_conversion_product_report', 'analytics/get_mmm_report',
    'audience_insights/get', 'audience_insights_scope_and_type/get', 'audiences/get', 'audiences/list',
    'billing_invoice_download/get', 'billing_invoices/get', 'billing_profiles/get', 'bulk_download/create',
    'bulk_request/get', 'business_account_audiences_shared_accounts/list', 'business_asset_members/get',
    'business_asset_partners/get', 'business_assets/get', 'business_member_assets/get',
    'business_partner_asset_access/get', 'campaigns/get', 'campaigns/list', 'conversion_eqs/list',
    'conversion_tags/get', 'conversion_tags/list', 'country_keywords_metrics/get',
    'customer_list_uploads/get', 'customer_lists/get', 'customer_lists/list', 'delivery_metrics/get',
    'followers/list', 'get/business_employers', 'get/business_members', 'get/business_partners',
    'get/invites', 'integrations/get_by_id', 'integrations/get_list', 'integrations_commerce/get',
    'interest_targeting_options/get', 'keywords/get', 'labels/list', 'lead_form/get',
    'lead_form_questions/get', 'lead_forms/list', 'leads_export/get', 'notification/post',
    'ocpm_eligible_conversion_tags/get', 'order_lines/get', 'order_lines/list',
    'page_visit_conversion_tags/get', 'product_group_promotions/get', 'product_group_promotions/list',
    'promotions/get', 'promotions/list', 'shared_audiences_for_business/list', 'ssio_accounts/get',
    'ssio_insertion_orders_status/get_by_ad_account', 'ssio_insertion_orders_status/get_by_pin_order_id',
    'ssio_order_lines/get_by_ad_account', 'targeting_options/get', 'targeting_template/list',
    'templates/list', 'terms_of_service/get', 'terms_related/list', 'terms_suggested/list',
  ],
  ads_write: [
    'ad_accounts/create', 'ad_accounts_subscriptions/del_by_id', 'ad_accounts_subscriptions/post',
    'ad_groups/create', 'ad_groups/update', 'ad_previews/create', 'ads/create', 'ads/update',
    'ads_credit/redeem', 'asset_access_requests/create', 'asset_group/create', 'asset_group/delete',
    'asset_group/update', 'audiences/create', 'audiences/update', 'brand_accounts/create',
    'brand_accounts/update', 'bulk_upsert/create', 'business_members_asset_access/delete',
    'business_members_asset_access/update', 'campaigns/create', 'campaigns/update',
    'cancel_invites_or_requests', 'conversion_tags/create', 'create_asset_invites',
    'create_membership_or_partnership_invites', 'customer_list_uploads/create', 'customer_list_uploads/run',
    'customer_lists/create', 'customer_lists/update', 'delete_business_membership',
    'delete_business_partners', 'delete_partner_asset_access_handler_impl', 'integrations_commerce/del',
    'integrations_commerce/patch', 'integrations_commerce/post', 'integrations_logs/post', 'keywords/create',
    'keywords/update', 'labels/create', 'labels/update', 'lead_form_test/create', 'lead_forms/create',
    'lead_forms/update', 'leads_export/create', 'product_group_promotions/create',
    'product_group_promotions/update', 'promotions/create', 'promotions/delete', 'promotions/update',
    'respond_business_access_invites', 'sandbox/delete', 'ssio_insertion_order/create',
    'ssio_insertion_order/edit', 'system_user/update', 'targeting_template/create',
    'targeting_template/update', 'update/business_memberships',
    'update_ad_account_to_ad_account_shared_audience', 'update_ad_account_to_business_shared_audience',
    'update_business_to_ad_account_shared_audience', 'update_business_to_business_shared_audience',
    'update_partner_asset_access_handler_impl',
  ],
  ads_analytics: [
    'ad_account/analytics', 'ad_account_targeting_analytics/get', 'ad_groups/analytics',
    'ad_groups_targeting_analytics/get', 'ad_pins/analytics', 'ad_targeting_analytics/get', 'ads/analytics',
    'analytics/create_conversion_product_report', 'analytics/create_mmm_report', 'analytics/create_report',
    'analytics/create_template_report', 'analytics/get_report', 'campaign_targeting_analytics/get',
    'campaigns/analytics', 'metrics_ready_state/get', 'product_groups/analytics',
  ],
  ads_conversions: [
    'events/create',
  ],
  catalogs_read: [
    'catalogs/available_filter_values', 'catalogs/list', 'catalogs_product_group_pins/list',
    'catalogs_product_groups/get', 'catalogs_product_groups/list',
    'catalogs_product_groups/product_counts_get', 'feed_processing_results/list', 'feeds/get', 'feeds/list',
    'items/post', 'items_batch/get', 'items_issues/list', 'products_by_product_group_filter/list',
    'reports/create', 'reports/get', 'reports/stats',
  ],
  catalogs_write: [
    'catalogs/create', 'catalogs_product_groups/create', 'catalogs_product_groups/create_many',
    'catalogs_product_groups/delete', 'catalogs_product_groups/delete_many',
    'catalogs_product_groups/update', 'feeds/create', 'feeds/delete', 'feeds/ingest', 'feeds/update',
    'items_batch/post',
  ],
  trends_read: [
    'trending_keywords/list', 'trends_featured_topics/list', 'trends_product_categories_details/list',
    'trends_product_categories_trending/list',
  ],
  advanced_auction_read: [
    'advanced_auction_items_get/post',
  ],
  advanced_auction_write: [
    'advanced_auction_items_submit/post',
  ],
  msot_write: [
    'msot_events/create',
  ],
};

const CATEGORY_BY_OPERATION: ReadonlyMap<string, RateLimitCategory> = new Map(
  RATE_LIMIT_CATEGORIES.flatMap((category) => OPERATIONS_BY_CATEGORY[category].map((operationId) => [operationId, category] as const)),
);

/** Every operationId pinbox knows a category for. */
export function categorizedOperations(): ReadonlyMap<string, RateLimitCategory> {
  return CATEGORY_BY_OPERATION;
}

/**
 * The category of an operation.
 * @example categoryOf('pins/create') // 'org_write'
 */
export function categoryOf(operationId: string): RateLimitCategory {
  const category = CATEGORY_BY_OPERATION.get(operationId);
  if (!category) throw new Error(`No rate-limit category is known for the operation '${operationId}'; add it to src/kernel/rate-limits/categories.ts`);
  return category;
}
