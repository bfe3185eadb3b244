import { pinterestTimestamp } from '../../kernel/clock.js';
import { findByName, nameProblem } from '../../kernel/names.js';
import type { Core } from '../family.js';
import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { BOARD_LIMITS } from './schemas.js';
import type { BoardStore } from './store.js';

/** A board of a fixture file; Pins name it `owner/name`, and its sections by name. */
export interface BoardFixture {
  owner: string;
  name: string;
  description?: string;
  privacy?: 'PUBLIC' | 'PROTECTED' | 'SECRET';
  sections?: string[];
}

/** The kind under which a board's sections are named. */
export const sectionKind = (boardKey: string) => `section of ${boardKey}`;

/** The fixture's `boards` (kind `board`, named `owner/name`) with their sections. */
export function boardFixtures(core: Pick<Core, 'clock' | 'ids'>, boards: BoardStore) {
  return defineFixtureSection({
    key: 'boards',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['owner', 'name'],
      properties: {
        owner: { type: 'string' },
        name: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.nameMax },
        description: { type: 'string', maxLength: BOARD_LIMITS.descriptionMax },
        privacy: { enum: ['PUBLIC', 'PROTECTED', 'SECRET'] },
        sections: { type: 'array', items: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.sectionNameMax } },
      },
    },
    async check(items: readonly BoardFixture[], { names }) {
      // The fixture's own board names by owner, compared as the API compares them (`nameKey`).
      const fixtureBoards = new Map<string, { id: string; name: string }[]>();
      for (const [i, board] of items.entries()) {
        if (!(await names.known('user', board.owner))) throw invalidFixture(`boards[${i}].owner`, `names no user of the fixture or of pinbox (${board.owner})`);
        const problem = nameProblem(board.name);
        if (problem) throw invalidFixture(`boards[${i}].name`, problem);
        const key = `${board.owner}/${board.name}`;
        const ownerId = names.declared('user', board.owner) ? null : await names.idOf('user', board.owner);
        const earlier = fixtureBoards.get(board.owner) ?? [];
        const taken = findByName(earlier, board.name) !== undefined || (ownerId !== null && findByName(await boards.namesOf(ownerId), board.name) !== undefined);
        if (taken || !names.declare('board', key)) throw invalidFixture(`boards[${i}].name`, `${board.owner} has a board named ${board.name} already`);
        fixtureBoards.set(board.owner, [...earlier, { id: key, name: board.name }]);
        const sections: { id: string; name: string }[] = [];
        for (const [j, name] of (board.sections ?? []).entries()) {
          const sectionProblem = nameProblem(name);
          if (sectionProblem) throw invalidFixture(`boards[${i}].sections[${j}]`, sectionProblem);
          if (findByName(sections, name) || !names.declare(sectionKind(key), name)) throw invalidFixture(`boards[${i}].sections[${j}]`, `${name} appears twice on the board`);
          sections.push({ id: String(j), name });
        }
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { owner: string; name: string; id: string; sections: Record<string, string> }[] = [];
      const now = pinterestTimestamp(core.clock.now());
      for (const board of items) {
        const key = `${board.owner}/${board.name}`;
        const id = core.ids.next();
        await boards.insert(tx, {
          id,
          ownerId: await names.idOf('user', board.owner, tx),
          name: board.name.normalize('NFC'),
          description: board.description ?? null,
          privacy: board.privacy ?? 'PUBLIC',
          isAdsOnly: false,
          now,
        });
        names.record('board', key, id);
        const sections: Record<string, string> = {};
        for (const name of board.sections ?? []) {
          const section = { id: core.ids.next(), board_id: id, name: name.normalize('NFC'), created_at: now };
          await boards.insertSection(tx, section);
          names.record(sectionKind(key), name, section.id);
          sections[name] = section.id;
        }
        made.push({ owner: board.owner, name: board.name, id, sections });
      }
      return made;
    },
  });
}
