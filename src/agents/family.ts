import { boardsFamily } from '../families/boards/family.js';
import { defineFamily } from '../families/family.js';
import { defineFixtureSection, invalidFixture } from '../families/fixture-section.js';
import { pinsFamily } from '../families/pins/family.js';
import { userAccountFamily } from '../families/user-account/family.js';
import { AgentStore } from './agent-store.js';
import { ApprovalStore } from './approvals.js';
import { AuditLog } from './audit.js';
import { Gateway } from './gateway.js';
import { AGENT_MIGRATIONS } from './migrations.js';
import { agentPages } from './pages.js';
import { AgentService, type AgentInput } from './service.js';

/**
 * Agents: per-agent keys and policies, the gateway's check on `/v5`, approvals,
 * the audit log and the MCP server (src/agents). Not one of the spec's tags: it is
 * pinbox's, in front of them all.
 */
export const agentsFamily = defineFamily({
  name: 'agents',
  uses: { users: userAccountFamily, boards: boardsFamily, pins: pinsFamily },
  migrations: AGENT_MIGRATIONS,
  build(core, { users, boards, pins }) {
    const store = new AgentStore(core.db, core.clock, core.ids, core.invalidations);
    const approvals = new ApprovalStore(core.db, core.clock, core.ids);
    const audit = new AuditLog(core.db, core.ids);
    const gateway = new Gateway({
      db: core.db,
      clock: core.clock,
      agents: store,
      approvals,
      audit,
      boardOfPin: async (pinId) => (await pins.stores.pins.get(pinId))?.board_id ?? null,
      nameOf: async (target) => {
        if (target.kind === 'board') return (await boards.stores.boards.get(target.id))?.name;
        if (target.kind === 'pin') return (await pins.stores.pins.get(target.id))?.title ?? undefined;
        return undefined;
      },
    });
    const agentService = new AgentService({
      db: core.db,
      agents: store,
      approvals,
      audit,
      gateway,
      userIdOf: async (username) => (await users.stores.users.getByUsername(username))?.id ?? null,
      usernameOf: async (id) => (await users.stores.users.getById(id))?.username ?? null,
    });
    const agentSection = defineFixtureSection({
      key: 'agents',
      item: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'user'],
        properties: {
          name: { type: 'string' },
          user: { type: 'string' },
          scopes: { type: 'array', items: { type: 'string' } },
          policy: { type: 'object' },
          key: { type: 'string' },
        },
      },
      async check(items: readonly AgentInput[], { names }) {
        for (const [i, item] of items.entries()) {
          if (!names.declare('agent', item.name)) throw invalidFixture(`agents[${i}].name`, `${item.name} appears twice`);
          if (!(await names.known('user', item.user))) throw invalidFixture(`agents[${i}].user`, `names no user of the fixture or of pinbox (${item.user})`);
          if (await store.get(item.name)) throw invalidFixture(`agents[${i}].name`, `${item.name} is an agent already`);
        }
      },
      async write(tx, items, _prepared, { names }) {
        const made: { name: string; key: string; key_id: string }[] = [];
        for (const [i, item] of items.entries()) {
          const userId = await names.idOf('user', item.user, tx);
          const checked = await agentService.checked({ ...item, user: item.user }, async () => userId).catch((error: Error) => {
            throw invalidFixture(`agents[${i}]`, error.message.replace(/^Invalid parameters: /, '').replace(/\.$/, ''));
          });
          const { agent, key } = await store.create(tx, { name: item.name, userId, scopes: checked.scopes, policy: checked.policy, key: item.key });
          tx.afterCommit(() => store.changed());
          made.push({ name: agent.name, key, key_id: agent.keyId });
        }
        return made;
      },
    });
    return {
      stores: { agents: store, agentApprovals: approvals },
      services: { agents: agentService, agentGateway: gateway, agentAudit: audit },
      pages: agentPages({ gateway, audit, agents: agentService }),
      fixtures: [agentSection],
      forgetCached: () => {
        store.forget();
        // What was pending before the store changed under it belongs to the old state.
        audit.forget();
      },
    };
  },
});
