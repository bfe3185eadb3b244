/**
 * bulk/upsert's `product_groups` list and bulk/download's PRODUCT_GROUP type:
 * product group promotions through the same service as their routes. Each list
 * item is one ProductGroupPromotionCreateRequest (or UpdateRequest), `{ad_group_id,
 * product_group_promotion: [...]}`, answered as that route answers it,
 * `{items: [{data, exceptions}]}`.
 */
import { Ajv } from 'ajv';
import type { BulkPart } from '../ads/bulk.js';
import type { EntityService } from '../ads/entity.js';
import { checkListItem } from '../ads/parented-batch.js';
import { batchBody, itemsOf, type PromotionBatch } from './routes.js';

const LIST = 'product_groups';
const validate = new Ajv({ allErrors: false, strict: false }).compile(batchBody);

export function productGroupsBulkPart(service: EntityService): BulkPart {
  return {
    list: LIST,
    type: service.entity.bulk.type,
    roles: service.entity.roles,
    check(write, items) {
      for (const [i, item] of items.entries()) {
        checkListItem(validate, write, LIST, i, item);
        itemsOf(item as unknown as PromotionBatch, `${write}.${LIST}[${i}].`);
      }
    },
    async upsert(tx, account, write, items) {
      const answers = [];
      for (const item of items) {
        const results = await service.writeItems(tx, account, itemsOf(item as unknown as PromotionBatch), write);
        const written = results.filter((result) => result.data).length;
        answers.push({ answer: { items: results }, written, refused: results.length - written });
      }
      return answers;
    },
    async download(tx, account, statuses, kept) {
      const records = (await service.all(tx, account.id, statuses)).filter((record) => kept('ad_groups', String(record.ad_group_id), record));
      return service.present(tx, account, records);
    },
  };
}
