import { agentsFamily } from '../agents/family.js';
import { adsFamily } from './ads/family.js';
import { analyticsFamily } from './analytics/family.js';
import { audiencesFamily } from './audiences/family.js';
import { boardsFamily } from './boards/family.js';
import { catalogsFamily } from './catalogs/family.js';
import { conversionsFamily } from './conversions/family.js';
import { customerListsFamily } from './customer-lists/family.js';
import { leadAdsFamily } from './lead-ads/family.js';
import { mediaFamily } from './media/family.js';
import { oauthFamily } from './oauth/family.js';
import { pinsFamily } from './pins/family.js';
import { productGroupPromotionsFamily } from './product-group-promotions/family.js';
import { searchFamily } from './search/family.js';
import { userAccountFamily } from './user-account/family.js';

/**
 * The registry: every resource family, in the order their tables are made (a
 * family after those its tables refer to). Adding a family is one line here.
 */
export const FAMILIES = [
  userAccountFamily,
  oauthFamily,
  boardsFamily,
  mediaFamily,
  pinsFamily,
  searchFamily,
  analyticsFamily,
  adsFamily,
  catalogsFamily,
  productGroupPromotionsFamily,
  conversionsFamily,
  customerListsFamily,
  leadAdsFamily,
  audiencesFamily,
  agentsFamily,
] as const;
