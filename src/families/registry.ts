/**
 * Builds the registry's families into one whole: each family after the families it
 * uses, their stores and services gathered by name (the control plane, the CLI and
 * the dev identity reach state through them), their routes and pages, their
 * start-up work and what they cache beside the store.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiRoute } from '../kernel/route-policy.js';
import { STORE_MIGRATIONS, type Migration } from '../storage/migrate.js';
import type { Core, FamilyDefinition, FamilyParts } from './family.js';
import type { FixtureSection } from './fixture-section.js';
import { FAMILIES } from './index.js';

export type { Core } from './family.js';

type Registry = typeof FAMILIES;
type PartsOf<D> = D extends FamilyDefinition<any, infer P> ? P : never;
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Gathered<K extends 'stores' | 'services'> = UnionToIntersection<NonNullable<PartsOf<Registry[number]>[K]>>;
/** Every fixture section of the registry, each with its key and item types. */
export type FixtureSections = SectionsOf<PartsOf<Registry[number]>>;
type SectionsOf<P> = P extends { fixtures: readonly (infer S)[] } ? S : never;

/** Every family of the registry, built. */
export interface Families {
  stores: Gathered<'stores'>;
  services: Gathered<'services'>;
  /** Every `/v5` route. */
  routes: readonly ApiRoute[];
  /** Registers every family's routes outside `/v5`. */
  publicRoutes(app: FastifyInstance): void;
  /** Every family's work before the server listens. */
  start(): Promise<void>;
  /** Forgets what every family keeps beside the store (after a reset or restore changed it). */
  forgetCached(): Promise<void>;
  /** Every family's fixture sections, in the registry's order (the order they are loaded in). */
  fixtures: readonly FixtureSection[];
}

/** Every migration part: the store's own, then each family's in the registry's order. */
export const MIGRATIONS: readonly Migration[] = [...STORE_MIGRATIONS, ...FAMILIES.flatMap((family) => family.migrations)];

/** Builds the registry's families on a core (`families` is for tests of the registry itself). */
export function buildFamilies(core: Core, families: readonly FamilyDefinition<any, any>[] = FAMILIES): Families {
  const listed = new Set(families);
  const built = new Map<FamilyDefinition<any, any>, FamilyParts>();
  const building = new Set<FamilyDefinition<any, any>>();
  const build = (family: FamilyDefinition<any, any>): FamilyParts => {
    const done = built.get(family);
    if (done) return done;
    if (building.has(family)) throw new Error(`family ${family.name} uses itself through ${[...building].map((f) => f.name).join(' -> ')}`);
    if (!listed.has(family)) throw new Error(`family ${family.name} is used but not in the registry`);
    building.add(family);
    const uses = Object.fromEntries(Object.entries(family.uses as Record<string, FamilyDefinition<any, any>>).map(([name, used]) => [name, build(used)]));
    const parts = family.build(core, uses);
    building.delete(family);
    built.set(family, parts);
    return parts;
  };
  for (const family of families) build(family);

  const all = families.map((family) => ({ name: family.name, parts: built.get(family)! }));
  const gather = (key: 'stores' | 'services'): Record<string, object> => {
    const out: Record<string, object> = {};
    for (const { name, parts } of all) {
      for (const [entry, value] of Object.entries(parts[key] ?? {})) {
        if (entry in out) throw new Error(`family ${name}: ${key} '${entry}' is another family's name already`);
        out[entry] = value;
      }
    }
    return out;
  };
  return {
    stores: gather('stores') as Families['stores'],
    services: gather('services') as Families['services'],
    routes: all.flatMap(({ parts }) => parts.routes ?? []),
    publicRoutes: (app) => {
      for (const { parts } of all) parts.pages?.(app);
    },
    start: async () => {
      for (const { parts } of all) await parts.start?.();
    },
    forgetCached: async () => {
      for (const { parts } of all) await parts.forgetCached?.();
    },
    fixtures: fixtureSections(all),
  };
}

function fixtureSections(all: readonly { name: string; parts: FamilyParts }[]): FixtureSection[] {
  const keys = new Set<string>();
  const sections: FixtureSection[] = [];
  for (const { name, parts } of all) {
    for (const section of parts.fixtures ?? []) {
      if (keys.has(section.key)) throw new Error(`family ${name}: fixture section '${section.key}' is another family's already`);
      keys.add(section.key);
      sections.push(section);
    }
  }
  return sections;
}
