/**
 * ad_previews/create and the page it points at: a Pin (or an image and a title)
 * shown as an ad of the account, served by pinbox at `/ad-preview/<key>/`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { publicBase } from '../../kernel/http.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database } from '../../storage/database.js';
import { escapeHtml } from '../oauth/html.js';
import { firstImageUrl } from '../pins/media-source.js';
import type { PinStore } from '../pins/store.js';
import type { UserStore } from '../user-account/store.js';
import type { AdAccountService } from './ad-accounts.js';
import { CAMPAIGN_ROLES } from './roles.js';

/** Pinterest: "You can view the returned preview URL on a webpage or iframe for 7 days, after which the URL expires." */
export const PREVIEW_TTL_MS = 7 * 24 * 60 * 60 * 1000;
export const PREVIEW_PATH = '/ad-preview';

interface PreviewRow {
  id: string;
  ad_account_id: string;
  pin_id: string | null;
  image_url: string | null;
  title: string | null;
  created_at: number;
}

interface PreviewBody {
  pin_id?: string;
  image_url?: string;
  title?: string;
  catalog_product_group_id?: string;
}

interface PreviewDeps {
  db: Database;
  clock: Clock;
  accounts: AdAccountService;
  pins: PinStore;
  users: UserStore;
}

/** The ad_previews/create route. */
export function previewRoutes(deps: PreviewDeps): ApiRoute[] {
  return [
    defineRoute<{ Params: { ad_account_id: string }; Body: PreviewBody }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/ad_previews',
      operationId: 'ad_previews/create',
      scopes: ['ads:write'],
      schema: {
        params: { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } },
        body: {
          type: 'object',
          properties: {
            pin_id: { type: 'string', pattern: '^\\d+$', maxLength: 20 },
            image_url: { type: 'string', pattern: '^https?://\\S+$', maxLength: 2000 },
            title: { type: 'string', maxLength: 100 },
            catalog_product_group_id: { type: 'string', pattern: '^\\d+$' },
          },
        },
      },
      handler: async (request) => {
        const { account } = await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.write);
        const body = request.body;
        let row: Omit<PreviewRow, 'id' | 'created_at'>;
        if (body.pin_id !== undefined) {
          const pin = await deps.pins.get(body.pin_id);
          if (!pin) throw new ApiError('pin_not_found');
          // Pinterest: the Pin must be promotable, with a clickthrough link; pinbox: and one the account's business may promote, as an ad's Pin.
          if (pin.owner_id !== account.owner_id && pin.board_owner_id !== account.owner_id) {
            throw invalidField('pin_id', `${pin.id} is not a Pin the business of ad account ${account.id} may promote (neither its own nor on its boards)`);
          }
          if (!pin.link) throw invalidField('pin_id', `${pin.id} has no link: only a Pin with a clickthrough link can be promoted`);
          row = { ad_account_id: account.id, pin_id: pin.id, image_url: null, title: null };
        } else if (body.image_url !== undefined || body.title !== undefined) {
          if (body.image_url === undefined) throw invalidField('image_url', "is required with 'title'");
          if (body.title === undefined) throw invalidField('title', "is required with 'image_url'");
          row = { ad_account_id: account.id, pin_id: null, image_url: body.image_url, title: body.title };
        } else if (body.catalog_product_group_id !== undefined) {
          throw invalidField('catalog_product_group_id', 'names a catalog product group, and pinbox does not serve catalogs yet');
        } else {
          throw invalidField('pin_id', "is required (or 'image_url' and 'title')");
        }
        // Pinterest's preview keys are 15 hex digits (https://ads.pinterest.com/ad-preview/74667c814dd2b19/).
        const id = randomBytes(8).toString('hex').slice(0, 15);
        await deps.db.run('INSERT INTO ad_previews (id, ad_account_id, pin_id, image_url, title, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
          id,
          row.ad_account_id,
          row.pin_id,
          row.image_url,
          row.title,
          deps.clock.now(),
        ]);
        return { url: `${publicBase(request)}${PREVIEW_PATH}/${id}/` };
      },
    }),
  ];
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #fff; color: #111; margin: 0; display: flex; justify-content: center; }
article { width: 236px; margin: 24px; }
.media { border-radius: 16px; overflow: hidden; background: #efefef; }
.media img { display: block; width: 100%; height: auto; }
h1 { font-size: 14px; font-weight: 600; margin: 8px 4px 2px; }
p { font-size: 12px; margin: 2px 4px; color: #444; }
.promoted { font-size: 12px; color: #767676; margin: 4px; }
a.cta { display: inline-block; margin: 8px 4px; padding: 8px 16px; border-radius: 20px; background: #e60023; color: #fff; font-size: 13px; font-weight: 600; text-decoration: none; }
`;

/** The preview pages: the ad as a Pinner would see it in the feed, for 7 days on pinbox's clock. */
export function previewPages(deps: PreviewDeps) {
  return (app: FastifyInstance): void => {
    app.get(`${PREVIEW_PATH}/:key/`, async (request, reply) => {
      const { key } = request.params as { key: string };
      const row = /^[0-9a-f]{15}$/.test(key) ? await deps.db.get<PreviewRow>('SELECT * FROM ad_previews WHERE id = ?', [key]) : undefined;
      const expired = row !== undefined && Number(row.created_at) + PREVIEW_TTL_MS < deps.clock.now();
      const account = row && !expired ? await deps.accounts.get(row.ad_account_id) : undefined;
      const pin = row?.pin_id ? await deps.pins.get(row.pin_id) : undefined;
      if (!row || expired || !account || (row.pin_id && !pin)) {
        return reply.code(404).type('text/html; charset=utf-8').send(page('Preview not found', '<p>This ad preview has expired or never existed.</p>'));
      }
      const owner = await deps.users.getById(account.owner_id);
      const image = pin ? firstImageUrl(pin.media, '', '400x300') : row.image_url;
      const title = pin ? pin.title ?? '' : row.title ?? '';
      const body = `<article>
<div class="media">${image ? `<img src="${escapeHtml(image)}" alt="${escapeHtml(pin?.alt_text ?? title)}">` : ''}</div>
<h1>${escapeHtml(title)}</h1>
${pin?.description ? `<p>${escapeHtml(pin.description)}</p>` : ''}
<div class="promoted">Promoted by <strong>${escapeHtml(owner?.username ?? account.name)}</strong></div>
${pin?.link ? `<a class="cta" href="${escapeHtml(pin.link)}" rel="noopener" target="_blank">Visit site</a>` : ''}
</article>`;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(page(`Ad preview: ${title}`, body));
    });
  };
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}
